"""Reflection queries for the digest and the export."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from bot.usecases.digests import compose_for, period_named
from bot.usecases.place import Place
from rituals.reflection import ReflectionRecord
from rituals.refs import ConversationRef
from rituals.round import events as ev
from storage.database import Database
from tests.storage.builders import (
    ALICE,
    BOB,
    CAROL,
    T0,
    add_round,
    load_compact,
    make_compact,
    started_round,
    step,
)

MINUTE = timedelta(minutes=1)


async def _played(database: Database) -> int:
    """Alice and Carol (unknown to the partnership) answer; Bob passes. Returns partnership id."""
    compact = await load_compact(database)
    round_ = started_round()
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "a-l", "a-v", ("exc-h1", "env-r1")), T0)
    round_ = step(round_, ev.TurnPassed(BOB, 2), T0 + MINUTE)
    round_ = step(round_, ev.ReflectionSubmitted(CAROL, "c-l", "c-v", ("env-r1",)), T0 + 2 * MINUTE)
    await add_round(database, round_, compact)
    return compact.partnership_id


async def test_records_between_flatten_reflections_in_a_period(database: Database) -> None:
    pid = await _played(database)
    async with database.unit_of_work() as uow:
        records = await uow.reflections.records_between(pid, T0, T0 + 2 * MINUTE)
        everything = await uow.reflections.records_between(pid, T0, T0 + 3 * MINUTE)
        nothing = await uow.reflections.records_between(pid + 1000, T0, T0 + 3 * MINUTE)
    assert records == [
        ReflectionRecord(
            "round-1", "Alice Adeyemi", "nhsei", "a-l", "a-v", ("exc-h1", "env-r1"), T0
        )
    ]
    assert [(r.author_name, r.organisation_id) for r in everything] == [
        ("Alice Adeyemi", "nhsei"),
        ("U_CAROL", None),
    ]
    assert nothing == []


async def test_clause_last_mentioned(database: Database) -> None:
    pid = await _played(database)
    async with database.unit_of_work() as uow:
        latest = await uow.reflections.clause_last_mentioned(pid)
        earlier = await uow.reflections.clause_last_mentioned(pid, before=T0 + MINUTE)
    assert latest == {"env-r1": T0 + 2 * MINUTE, "exc-h1": T0}
    assert earlier == {"env-r1": T0, "exc-h1": T0}


async def test_export_rows_carry_everything_the_export_needs(database: Database) -> None:
    pid = await _played(database)
    other = await load_compact(database, make_compact(slug="aaa-other"))
    round_ = step(started_round("other-round"), ev.ReflectionSubmitted(ALICE, "x", "y", ()), T0)
    await add_round(database, round_, other)

    async with database.unit_of_work() as uow:
        ours = await uow.reflections.export_rows(pid)
        everyone = await uow.reflections.export_rows(None)
    assert [(r.author_name, r.clause_ids, r.organisation_key) for r in ours] == [
        ("Alice Adeyemi", ("exc-h1", "env-r1"), "nhsei"),
        ("U_CAROL", ("env-r1",), None),
    ]
    first = ours[0]
    assert (first.partnership_slug, first.round_id, first.compact_version) == (
        "nhs-vmi",
        "round-1",
        1,
    )
    assert (first.learned, first.valued, first.submitted_at, first.edited_at) == (
        "a-l",
        "a-v",
        T0,
        None,
    )
    assert [r.partnership_slug for r in everyone] == ["aaa-other", "nhs-vmi", "nhs-vmi"]


async def test_queries_do_not_grow_with_the_number_of_reflections(database: Database) -> None:
    """A fixed number of statements per query, however many reflections match."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    pid = await _played(database)

    async def run_queries() -> int:
        statements.clear()
        async with database.unit_of_work() as uow:
            await uow.reflections.records_between(pid, T0, T0 + 99 * MINUTE)
            await uow.reflections.clause_last_mentioned(pid)
            await uow.reflections.export_rows(pid)
        return len(statements)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        few = await run_queries()
        compact = await load_compact(database)
        for number in range(2, 7):
            round_ = started_round(f"round-{number}", conversation=_channel(number))
            round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1",)), T0)
            round_ = step(round_, ev.ReflectionSubmitted(BOB, "l", "v", ("exc-h1",)), T0)
            await add_round(database, round_, compact)
        many = await run_queries()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert few == many


def _channel(number: int) -> ConversationRef:
    return ConversationRef("slack", "T0001", f"C_{number}")


async def test_a_late_digest_judges_quiet_clauses_as_of_its_own_week(database: Database) -> None:
    """A digest for last week, sent now, must not count this week's mentions: a clause first
    cited after the week ended was still quiet in it."""
    pid = await _played(database)  # exc-h1 and env-r1 cited on 2026-11-23 (week 48)
    week_47 = period_named("2026-W47")
    async with database.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(pid)
        assert stored is not None
        late = await compose_for(uow, Place(pid, stored), week_47, T0 + timedelta(days=1))
        on_time = await compose_for(
            uow, Place(pid, stored), period_named("2026-W48"), T0 + timedelta(days=7)
        )
    quiet_late = {q.clause_id: q.last_mentioned for q in late.quiet_clauses}
    assert quiet_late["exc-h1"] is None and quiet_late["env-r1"] is None
    assert not {"exc-h1", "env-r1"} & {q.clause_id for q in on_time.quiet_clauses}
