"""Call-outs: round trips, anonymity enforced by the schema, CAS saves and export."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from rituals.callout import (
    Callout,
    CalloutStatus,
    mark_discussed,
    raise_callout,
    resolve,
    withdraw,
)
from rituals.digest import CalloutFact
from rituals.errors import NotFound, StaleCallout
from rituals.reporters import as_stored, named_reporter_key
from storage.database import Database
from storage.models import CalloutRow
from storage.repositories import StoredCompact
from tests.storage.builders import ALICE, BOB, T0, load_compact, make_compact

DAY = timedelta(days=1)
DAY0 = T0.replace(hour=0)  # the day T0 falls in, as an anonymous reporter's moments are kept
ALICE_KEY = hashlib.sha256(b"alice").hexdigest()


def raised(
    stored: StoredCompact, callout_id: str = "co-1", *, anonymous: bool = True, at: datetime = T0
) -> Callout:
    return raise_callout(
        callout_id=callout_id,
        compact=stored.compact,
        compact_version=stored.version,
        clause_id="env-h1",
        about_organisation_id="northgate",
        what_happened="A surprise announcement without early warning.",
        what_would_help="A heads-up the week before.",
        anonymous=anonymous,
        reporter=ALICE if anonymous else BOB,
        reporter_key=ALICE_KEY if anonymous else named_reporter_key(BOB),
        now=at,
    ).callout


async def add(database: Database, stored: StoredCompact, callout: Callout) -> None:
    async with database.unit_of_work() as uow:
        await uow.callouts.add(
            callout, partnership_id=stored.partnership_id, compact_version_id=stored.version_id
        )
        await uow.commit()


@pytest.mark.parametrize("anonymous", [True, False])
async def test_a_callout_comes_back_exactly(database: Database, anonymous: bool) -> None:
    stored = await load_compact(database)
    callout = raised(stored, anonymous=anonymous)
    await add(database, stored, callout)
    async with database.unit_of_work() as uow:
        loaded = await uow.callouts.get(stored.partnership_id, callout.id)
        versioned = await uow.callouts.get_stored(stored.partnership_id, callout.id)
        elsewhere = await uow.callouts.get(stored.partnership_id + 1000, callout.id)
    assert loaded == as_stored(callout)
    assert versioned is not None and versioned.version == 1
    assert elsewhere is None
    # An anonymous reporter's moment is kept as the day only; a named one's is kept.
    assert loaded is not None
    assert loaded.raised_at == (T0.replace(hour=0) if anonymous else T0)


async def test_anonymous_rows_hold_no_reporter_and_the_schema_insists(database: Database) -> None:
    stored = await load_compact(database)
    await add(database, stored, raised(stored, anonymous=True))
    async with database.unit_of_work() as uow:
        row = (
            await uow.session.execute(
                select(
                    CalloutRow.reporter_platform,
                    CalloutRow.reporter_tenant,
                    CalloutRow.reporter_user_id,
                    CalloutRow.reporter_key,
                )
            )
        ).one()
        template = (await uow.session.execute(select(CalloutRow.__table__))).mappings().one()
    assert tuple(row) == (None, None, None, ALICE_KEY)

    leaky = {**template, "id": "co-leaky", "reporter_platform": "slack"}
    leaky |= {"reporter_tenant": ALICE.tenant, "reporter_user_id": ALICE.user_id}
    async with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError, match=r"(?i)check"):
            await uow.session.execute(insert(CalloutRow).values(**leaky))

    nameless = {**template, "id": "co-nameless", "anonymous": False}
    async with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError, match=r"(?i)check"):
            await uow.session.execute(insert(CalloutRow).values(**nameless))


async def test_lifecycle_saves_with_compare_and_swap(database: Database) -> None:
    stored = await load_compact(database)
    callout = raised(stored)
    await add(database, stored, callout)
    discussed = mark_discussed(
        callout, by_is_facilitator=True, learning_note="Warn early.", now=T0 + DAY
    ).callout
    async with database.unit_of_work() as uow:
        saved = await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()
    assert saved.version == 2

    resolved = resolve(
        discussed, by_is_facilitator=True, learning_note="A shared calendar.", now=T0 + 2 * DAY
    ).callout
    async with database.unit_of_work() as uow:
        with pytest.raises(StaleCallout):
            await uow.callouts.save(resolved, expected_version=1)
    async with database.unit_of_work() as uow:
        assert await uow.callouts.get(stored.partnership_id, callout.id) == as_stored(discussed)
        await uow.callouts.save(resolved, expected_version=2)
        await uow.commit()
    async with database.unit_of_work() as uow:
        loaded = await uow.callouts.get_stored(stored.partnership_id, callout.id)
    assert loaded is not None and loaded.version == 3
    assert loaded.callout == as_stored(resolved)
    assert [step.note for step in loaded.callout.history] == ["Warn early.", "A shared calendar."]
    async with database.unit_of_work() as uow:
        [fact] = await uow.callouts.facts_between(stored.partnership_id, T0 + DAY, T0 + 3 * DAY)
    assert (fact.discussed_at, fact.resolved_at) == (T0 + DAY, T0 + 2 * DAY)
    assert fact.learning_note == "A shared calendar."


async def test_agenda_reporter_and_period_queries(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    first = raised(stored, "co-1", anonymous=True, at=T0)
    second = raised(stored, "co-2", anonymous=False, at=T0 + DAY)
    third = raised(stored, "co-3", anonymous=True, at=T0 + 2 * DAY)
    for callout in (first, second, third):
        await add(database, stored, callout)
    gone = withdraw(third, reporter_key=ALICE_KEY, now=T0 + 10 * DAY).callout
    discussed = mark_discussed(
        second, by_is_facilitator=True, learning_note="n", now=T0 + 3 * DAY
    ).callout
    async with database.unit_of_work() as uow:
        await uow.callouts.save(gone, expected_version=1)
        await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()

    async with database.unit_of_work() as uow:
        agenda = await uow.callouts.open_agenda(pid)
        week_two = await uow.callouts.facts_between(pid, T0 + 7 * DAY, T0 + 14 * DAY)
        first_days = await uow.callouts.facts_between(pid, DAY0, DAY0 + DAY)
        day_three = await uow.callouts.facts_between(pid, T0 + 3 * DAY, T0 + 4 * DAY)
        fortnight = await uow.callouts.facts_between(pid, DAY0, T0 + 14 * DAY)
        elsewhere = await uow.callouts.facts_between(pid + 1000, T0, T0 + 14 * DAY)
    assert [c.id for c in agenda] == ["co-1", "co-2"]
    assert {c.status for c in agenda} == {CalloutStatus.OPEN, CalloutStatus.DISCUSSED}
    # The digest's view: the same facts `CalloutFact.from_callout` takes from the call-out
    # (as stored: an anonymous reporter's moments are days).
    assert week_two == [CalloutFact.from_callout(as_stored(gone))]
    assert first_days == [CalloutFact.from_callout(as_stored(first))]
    assert day_three == [CalloutFact.from_callout(discussed)]
    assert day_three[0].discussed_at == T0 + 3 * DAY and day_three[0].learning_note == "n"
    assert fortnight == [CalloutFact.from_callout(as_stored(c)) for c in (first, discussed, gone)]
    assert elsewhere == []


async def test_export_rows_carry_no_reporter_identity(database: Database) -> None:
    stored = await load_compact(database)
    named = raised(stored, "co-named", anonymous=False)
    anonymous = raised(stored, "co-anon", anonymous=True, at=T0 + DAY)
    withdrawn = raised(stored, "co-gone", anonymous=True, at=T0 + 2 * DAY)
    for callout in (named, anonymous, withdrawn):
        await add(database, stored, callout)
    async with database.unit_of_work() as uow:
        await uow.callouts.save(
            withdraw(withdrawn, reporter_key=ALICE_KEY, now=T0 + 3 * DAY).callout,
            expected_version=1,
        )
        await uow.commit()

    async with database.unit_of_work() as uow:
        rows = await uow.callouts.export_rows(None)
        with_withdrawn = await uow.callouts.export_rows(
            stored.partnership_id, include_withdrawn=True
        )
    assert [r.callout_id for r in rows] == ["co-named", "co-anon"]
    assert [r.callout_id for r in with_withdrawn] == ["co-named", "co-anon", "co-gone"]
    for row in with_withdrawn:
        values = asdict(row)
        assert not any("reporter" in field for field in values)
        flat = repr(values)
        for secret in (ALICE_KEY, named_reporter_key(BOB), ALICE.user_id, BOB.user_id):
            assert secret not in flat
    assert (rows[0].clause_id, rows[0].about_organisation_key, rows[0].raised_on) == (
        "env-h1",
        "northgate",
        T0.date(),
    )


async def test_a_callout_must_match_its_compact_version(database: Database) -> None:
    stored = await load_compact(database)
    other = await load_compact(database, make_compact(slug="other"))
    callout = raised(stored)
    async with database.unit_of_work() as uow:
        with pytest.raises(ValueError):
            await uow.callouts.add(
                callout, partnership_id=other.partnership_id, compact_version_id=other.version_id
            )
        with pytest.raises(NotFound):
            await uow.callouts.add(
                replace(callout, clause_id="nope"),
                partnership_id=stored.partnership_id,
                compact_version_id=stored.version_id,
            )
