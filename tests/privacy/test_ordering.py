"""What ordering gives away, measured on PostgreSQL: as raised, an anonymous call-out is
bracketed between neighbouring transactions' exact times; once re-stamped (hourly, at a
random moment) the bracket points at the re-stamp, not at the raising (docs/privacy.md)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from storage.database import Database
from tests.privacy.auditor import snapshot
from tests.privacy.ordering import a_meeting_with_a_callout, measured


async def test_the_hourly_restamp_moves_the_bracket_off_the_raising(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("transaction ids (xmin) are PostgreSQL's")
    as_raised, restamped = await measured(database, random.Random(10))
    # As raised, the neighbours pin it down to the minutes of the meeting...
    assert as_raised.holds and as_raised.width is not None
    assert as_raised.width <= timedelta(minutes=10)
    # ...once re-stamped, to a moment of the next hour that says nothing of the raising.
    assert not restamped.holds
    assert restamped.after is not None and restamped.after > as_raised.raised


async def test_the_maintenance_tick_restamps_within_the_next_hour(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("transaction ids (xmin) are PostgreSQL's")
    chat, ref, _ = await a_meeting_with_a_callout(database, random.Random(3))
    raised = (await snapshot(database)).find("callouts", id=ref).xmin
    await chat.play("@alice: /compact help")  # ticks, but the hour is not over
    assert (await snapshot(database)).find("callouts", id=ref).xmin == raised
    chat.clock.advance(timedelta(hours=2))
    await chat.play("@alice: /compact help")  # the tick after the chosen moment
    assert (await snapshot(database)).find("callouts", id=ref).xmin != raised
