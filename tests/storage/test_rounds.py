"""Rounds: exact round trips, compare-and-swap saves, and the timer's view of deadlines."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import event as sql_events
from sqlalchemy import func, select

from rituals.errors import RoundAlreadyOpen, StaleRound
from rituals.round import Round, RoundStatus
from rituals.round import events as ev
from rituals.round.state import Attendee
from storage.database import Database
from storage.models import ReflectionClauseRow, ReflectionRow, RoundRow
from storage.repositories import StoredCompact
from tests.storage.builders import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    T0,
    add_round,
    load_compact,
    make_compact,
    save_round,
    started_round,
    step,
)

NEW_YORK = timezone(timedelta(hours=-5))
MINUTE = timedelta(minutes=1)


def busy_round() -> Round:
    """A round with an early answer, an on-turn answer, an edit and a pass still to come."""
    round_ = started_round()
    round_ = step(
        round_, ev.ReflectionSubmitted(CAROL, "early", "", ("exc-h1", "env-r1")), T0 + MINUTE
    )
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-h1",)), T0 + 2 * MINUTE)
    edit_time = (T0 + 3 * MINUTE).astimezone(NEW_YORK)
    return step(round_, ev.ReflectionEdited(CAROL, "early, edited", "more", ("env-r1",)), edit_time)


async def count(database: Database, table: type[object]) -> int:
    async with database.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_round_comes_back_exactly_as_it_was_added(database: Database) -> None:
    compact = await load_compact(database)
    round_ = busy_round()
    assert [r.author for r in round_.reflections] == [CAROL, ALICE]
    stored = await add_round(database, round_, compact)
    async with database.unit_of_work() as uow:
        loaded = await uow.rounds.get(round_.id)
    assert loaded == stored
    assert loaded.round == round_
    assert loaded.version == 1


@pytest.mark.parametrize("turn_timeout", [None, timedelta(seconds=90.5)])
async def test_gathering_rounds_and_odd_timeouts_round_trip(
    database: Database, turn_timeout: timedelta | None
) -> None:
    compact = await load_compact(database)
    gathering = started_round(attendees=(), timeout=turn_timeout)
    assert gathering.status is RoundStatus.GATHERING
    await add_round(database, gathering, compact)
    async with database.unit_of_work() as uow:
        loaded = await uow.rounds.get(gathering.id)
    assert loaded is not None and loaded.round == gathering


async def test_every_save_of_a_played_round_reloads_equal(database: Database) -> None:
    compact = await load_compact(database)
    round_ = started_round(attendees=())
    stored = await add_round(database, round_, compact)
    events: list[ev.RoundEvent] = [
        ev.AttendeeJoined(ALICE, Attendee(ALICE, "nhsei")),
        ev.AttendeeJoined(ALICE, Attendee(BOB, "northgate")),
        ev.RoundBegun(ALICE),
        ev.ReflectionSubmitted(ALICE, "learned a", "valued a", ("env-r1", "exc-r1")),
        ev.TurnTimedOut(2),
        ev.AttendeeJoined(ALICE, Attendee(CAROL, None)),
        ev.TurnPassed(CAROL, 3),
        ev.ReflectionSubmitted(BOB, "late but here", "", ()),
    ]
    now = T0
    for event in events:
        now += MINUTE
        round_ = step(round_, event, now)
        stored = await save_round(database, stored, round_)
        async with database.unit_of_work() as uow:
            assert await uow.rounds.get(round_.id) == stored
    assert round_.status is RoundStatus.CLOSED
    assert stored.version == len(events) + 1


async def test_a_stale_save_is_refused_and_changes_nothing(database: Database) -> None:
    compact = await load_compact(database)
    original = started_round()
    stored = await add_round(database, original, compact)
    answered = step(original, ev.ReflectionSubmitted(ALICE, "l", "v", ()), T0 + MINUTE)
    winner = await save_round(database, stored, answered)

    passed = step(original, ev.TurnPassed(ALICE, 1), T0 + MINUTE)
    with pytest.raises(StaleRound):
        await save_round(database, stored, passed)

    async with database.unit_of_work() as uow:
        assert await uow.rounds.get(original.id) == winner
        state, turn_no = (
            await uow.session.execute(
                select(RoundRow.state, RoundRow.turn_no).where(RoundRow.id == original.id)
            )
        ).one()
    assert winner.version == 2
    # The winner's turns only: the first answered, the second open (and due for the timer).
    assert [(t["number"], t["outcome"]) for t in state["turns"]] == [(1, "answered"), (2, None)]
    assert turn_no == 2


async def test_an_edited_reflection_is_updated_not_duplicated(database: Database) -> None:
    compact = await load_compact(database)
    round_ = started_round()
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1", "exc-r1")), T0)
    stored = await add_round(database, round_, compact)
    edited = step(round_, ev.ReflectionEdited(ALICE, "l2", "v2", ("exc-h1",)), T0 + MINUTE)
    stored = await save_round(database, stored, edited)

    assert await count(database, ReflectionRow) == 1
    assert await count(database, ReflectionClauseRow) == 1
    async with database.unit_of_work() as uow:
        loaded = await uow.rounds.get(round_.id)
    assert loaded is not None
    reflection = loaded.round.reflection_of(ALICE)
    assert reflection is not None
    assert (reflection.learned, reflection.clause_ids, reflection.edited_at) == (
        "l2",
        ("exc-h1",),
        T0 + MINUTE,
    )


async def test_reflections_link_to_the_author_and_organisation_rows(database: Database) -> None:
    compact = await load_compact(database)
    round_ = step(started_round(), ev.ReflectionSubmitted(ALICE, "l", "v", ()), T0)
    await add_round(database, round_, compact)
    async with database.unit_of_work() as uow:
        alice = await uow.people.find(compact.partnership_id, ALICE)
        row = (
            await uow.session.execute(
                select(
                    ReflectionRow.person_id,
                    ReflectionRow.organisation_id,
                    ReflectionRow.compact_version_id,
                )
            )
        ).one()
    assert alice is not None
    assert row.person_id == alice.id
    assert row.organisation_id is not None
    assert row.compact_version_id == compact.version_id


async def test_due_turns_are_those_whose_deadline_has_passed(database: Database) -> None:
    compact = await load_compact(database)
    timed = await add_round(database, started_round("timed"), compact)
    elsewhere = CHANNEL.__class__("slack", "T0001", "C_OTHER")
    await add_round(
        database, started_round("untimed", conversation=elsewhere, timeout=None), compact
    )
    async with database.unit_of_work() as uow:
        assert await uow.rounds.due_turns(T0 + 4 * MINUTE) == []
        assert await uow.rounds.due_turns(T0 + 5 * MINUTE) == [("timed", 1)]
        assert await uow.rounds.due_turns(T0 + 60 * MINUTE, limit=0) == []

    moved_on = step(timed.round, ev.TurnTimedOut(1), T0 + 5 * MINUTE)
    await save_round(database, timed, moved_on)
    async with database.unit_of_work() as uow:
        assert await uow.rounds.due_turns(T0 + 6 * MINUTE) == []
        assert await uow.rounds.due_turns(T0 + 10 * MINUTE) == [("timed", 2)]


async def test_a_closed_round_has_no_due_turn(database: Database) -> None:
    compact = await load_compact(database)
    stored = await add_round(database, started_round(), compact)
    await save_round(database, stored, step(stored.round, ev.RoundEnded(ALICE), T0 + MINUTE))
    async with database.unit_of_work() as uow:
        assert await uow.rounds.due_turns(T0 + 60 * MINUTE) == []


async def test_one_unclosed_round_per_channel(database: Database) -> None:
    compact = await load_compact(database)
    first = await add_round(database, started_round("first"), compact)
    async with database.unit_of_work() as uow:
        found = await uow.rounds.open_in(CHANNEL.in_thread("some-thread"))
        assert found == first
        with pytest.raises(RoundAlreadyOpen):
            await uow.rounds.add(
                started_round("second", conversation=CHANNEL.in_thread("t")),
                partnership_id=compact.partnership_id,
                compact_version_id=compact.version_id,
            )
        # The refused insert did not spoil the transaction.
        assert await uow.requests.first_time("still-usable", T0)
        await uow.commit()

    await save_round(database, first, step(first.round, ev.RoundEnded(ALICE), T0 + MINUTE))
    async with database.unit_of_work() as uow:
        assert await uow.rounds.open_in(CHANNEL) is None
    second = await add_round(database, started_round("second"), compact)
    async with database.unit_of_work() as uow:
        assert await uow.rounds.open_in(CHANNEL) == second


async def test_rounds_held_in_a_period(database: Database) -> None:
    compact = await load_compact(database)
    stored = await add_round(database, started_round(), compact)
    await save_round(database, stored, step(stored.round, ev.RoundEnded(ALICE), T0 + MINUTE))
    async with database.unit_of_work() as uow:
        held = await uow.rounds.held_between(compact.partnership_id, T0, T0 + MINUTE)
        before = await uow.rounds.held_between(compact.partnership_id, T0 - MINUTE, T0)
    assert [(h.round_id, h.held_at, h.attendee_organisation_ids) for h in held] == [
        ("round-1", T0, ("nhsei", "northgate", None))
    ]
    assert before == []


async def test_references_must_exist_in_the_rounds_compact_version(database: Database) -> None:
    compact = await load_compact(database)
    other: StoredCompact = await load_compact(database, make_compact(slug="other"))
    with pytest.raises(ValueError, match="not a version of partnership"):
        async with database.unit_of_work() as uow:
            await uow.rounds.add(
                started_round(),
                partnership_id=compact.partnership_id,
                compact_version_id=other.version_id,
            )
    stranger_org = started_round(attendees=(Attendee(ALICE, "atlantis"),))
    stranger_org = step(stranger_org, ev.ReflectionSubmitted(ALICE, "l", "v", ()), T0)
    with pytest.raises(ValueError, match="unknown organisation"):
        async with database.unit_of_work() as uow:
            await uow.rounds.add(
                stranger_org,
                partnership_id=compact.partnership_id,
                compact_version_id=compact.version_id,
            )


async def test_setting_the_thread_changes_the_round_and_its_version(database: Database) -> None:
    compact = await load_compact(database)
    stored = await add_round(database, started_round(), compact)
    async with database.unit_of_work() as uow:
        await uow.rounds.set_thread(stored.round.id, "1700000000.000100")
        await uow.commit()
    async with database.unit_of_work() as uow:
        loaded = await uow.rounds.get(stored.round.id)
        assert await uow.rounds.open_in(CHANNEL) == loaded
    assert loaded is not None and loaded.version == 2
    assert loaded.round.conversation == CHANNEL.in_thread("1700000000.000100")
    with pytest.raises(StaleRound):
        await save_round(database, stored, step(stored.round, ev.RoundEnded(ALICE), T0))


async def test_loading_is_one_statement_and_an_answer_three(database: Database) -> None:
    """The snapshot is read in one query; an answer writes the round, its row and its links."""
    compact = await load_compact(database)
    stored = await add_round(database, started_round(), compact)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]).split()[0])

    sql_events.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with database.unit_of_work() as uow:
            loaded = await uow.rounds.get(stored.round.id)
            assert loaded is not None
            reads = len(statements)
            answered = step(
                loaded.round, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-h1", "exc-r1")), T0
            )
            await uow.rounds.save(loaded, answered)
            await uow.commit()
    finally:
        sql_events.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert reads == 1
    assert statements[reads:] == ["UPDATE", "INSERT", "INSERT"]


async def test_the_author_is_the_person_of_that_exact_workspace(
    database: Database,
) -> None:
    compact = await load_compact(database)
    async with database.unit_of_work() as uow:
        # Someone met on the platform under Alice's user id, in another workspace.
        twin = ALICE._replace(tenant="T_OTHER")
        await uow.people.create(compact.partnership_id, twin, "Alice elsewhere", now=T0)
        alice = await uow.people.find_by_handle(compact.partnership_id, "alice")
        await uow.commit()
    round_ = step(started_round(), ev.ReflectionSubmitted(ALICE, "l", "v", ()), T0)
    await add_round(database, round_, compact)
    async with database.unit_of_work() as uow:
        person_id = await uow.session.scalar(select(ReflectionRow.person_id))
    assert alice is not None and person_id == alice.id


async def test_a_clause_missing_from_the_rounds_compact_version_is_refused(
    database: Database,
) -> None:
    compact = await load_compact(database)
    stored = await add_round(database, started_round(), compact)
    # The round claims a clause its compact version does not have.
    confused = stored.round.evolve(clause_ids=stored.round.clause_ids | {"env-x9"})
    answered = step(confused, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1", "env-x9")), T0)
    with pytest.raises(ValueError, match="not all in compact version"):
        async with database.unit_of_work() as uow:
            await uow.rounds.save(stored, answered)
    assert await count(database, ReflectionRow) == 0
