"""The health view's facts on SQLite and PostgreSQL: a fixed number of statements however
much history there is, and no trace of who raised a call-out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from rituals.health import HealthFacts
from rituals.round import events as ev
from storage.database import Database
from storage.repositories import StoredCompact
from tests.storage.builders import ALICE, BOB, T0, load_compact, started_round, step
from tests.storage.test_callouts import raised

DAY = timedelta(days=1)
LONDON = ZoneInfo("Europe/London")


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)


async def add_weeks(database: Database, compact: StoredCompact, weeks: range) -> None:
    """A round a week (alice and bob answer) and a named call-out by bob each week."""
    ids = {"partnership_id": compact.partnership_id, "compact_version_id": compact.version_id}
    async with database.unit_of_work() as uow:
        for week in weeks:
            at = T0 + 7 * DAY * week
            round_ = started_round(f"round-{week}", now=at)
            round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("exc-h1",)), at)
            round_ = step(round_, ev.ReflectionSubmitted(BOB, "l", "v", ("env-r1",)), at)
            round_ = step(round_, ev.RoundEnded(ALICE), at)
            await uow.rounds.add(round_, **ids)
            await uow.callouts.add(raised(compact, f"co-{week}", anonymous=False, at=at), **ids)
        await uow.commit()


async def facts(database: Database, pid: int) -> tuple[HealthFacts, int]:
    async with database.unit_of_work() as uow:
        await uow.session.connection()  # the BEGIN is not the query's
        with statements(database) as seen:
            found = await uow.health.facts(pid, T0 - DAY, T0 + 100 * DAY, LONDON)
    return found, len(seen)


async def test_the_facts_take_the_same_few_statements_for_a_week_or_ten(
    database: Database,
) -> None:
    compact = await load_compact(database)
    await add_weeks(database, compact, range(1))
    one, few = await facts(database, compact.partnership_id)
    await add_weeks(database, compact, range(1, 10))
    ten, many = await facts(database, compact.partnership_id)
    assert (len(one.reflections), len(ten.reflections)) == (2, 20)
    assert (len(one.attendances), len(ten.attendances)) == (3, 30)
    assert len(ten.callouts) == 10
    assert few == many <= 7


async def test_a_named_callout_brings_its_reporters_organisation_and_nothing_of_them(
    database: Database,
) -> None:
    compact = await load_compact(database)
    await add_weeks(database, compact, range(2))
    found, _ = await facts(database, compact.partnership_id)
    assert {c.reporter_organisation_id for c in found.callouts} == {"northgate"}
    text = repr(found.callouts)
    assert BOB.user_id not in text and "Bob" not in text and "surprise" not in text
    people = {r.person for r in found.reflections} | {a.person for a in found.attendances}
    assert all(p.startswith(("person-", "someone-")) and "U_" not in p for p in people)
