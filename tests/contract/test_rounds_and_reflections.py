"""Rounds and their reflections: compare-and-swap, one open round per channel, timers, the
digest's and export's reads; the same answers from the fake and from SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.repositories import UnitOfWorkFactory
from rituals.errors import RoundAlreadyOpen, StaleRound
from rituals.reflection import ReflectionRecord
from rituals.round import events as ev
from rituals.stored import StoredCompact, StoredRound
from tests.storage.builders import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    T0,
    load_compact,
    started_round,
    step,
)

MINUTE = timedelta(minutes=1)


async def added(store: UnitOfWorkFactory, round_id: str = "round-1") -> StoredRound:
    compact = await load_compact(store)  # type: ignore[arg-type]
    return await add(store, compact, round_id)


async def add(store: UnitOfWorkFactory, compact: StoredCompact, round_id: str) -> StoredRound:
    async with store.unit_of_work() as uow:
        stored = await uow.rounds.add(
            started_round(round_id),
            partnership_id=compact.partnership_id,
            compact_version_id=compact.version_id,
        )
        await uow.commit()
    return stored


async def test_a_round_comes_back_as_saved(store: UnitOfWorkFactory) -> None:
    stored = await added(store)
    assert stored.version == 1
    async with store.unit_of_work() as uow:
        assert await uow.rounds.get("round-1") == stored
        assert await uow.rounds.open_in(CHANNEL.in_thread("any")) == stored
        assert await uow.rounds.get("nope") is None


async def test_one_round_not_closed_per_channel(store: UnitOfWorkFactory) -> None:
    stored = await added(store)
    async with store.unit_of_work() as uow:
        compact = await uow.compacts.latest_for(stored.partnership_id)
    assert compact is not None
    with pytest.raises(RoundAlreadyOpen):
        await add(store, compact, "round-2")
    closed = step(stored.round, ev.RoundEnded(ALICE), T0 + MINUTE)
    async with store.unit_of_work() as uow:
        await uow.rounds.save(stored, closed)
        await uow.commit()
    assert (await add(store, compact, "round-2")).round.id == "round-2"
    async with store.unit_of_work() as uow:
        open_now = await uow.rounds.open_in(CHANNEL)
    assert open_now is not None and open_now.round.id == "round-2"


async def test_a_save_from_a_stale_read_is_refused(store: UnitOfWorkFactory) -> None:
    stored = await added(store)
    answered = step(stored.round, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1",)), T0)
    async with store.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, answered)
        await uow.commit()
    assert saved.version == 2 and saved.round == answered
    async with store.unit_of_work() as uow:
        with pytest.raises(StaleRound):
            await uow.rounds.save(stored, answered)
        with pytest.raises(ValueError):
            await uow.rounds.save(saved, started_round("other"))
    async with store.unit_of_work() as uow:
        assert await uow.rounds.get("round-1") == saved


async def test_setting_the_thread_is_a_change_a_stale_save_cannot_undo(
    store: UnitOfWorkFactory,
) -> None:
    stored = await added(store)
    async with store.unit_of_work() as uow:
        await uow.rounds.set_thread("round-1", "123.4")
        await uow.rounds.set_thread("missing", "9")  # nothing to do
        await uow.commit()
    async with store.unit_of_work() as uow:
        threaded = await uow.rounds.get("round-1")
        assert threaded is not None and threaded.version == 2
        assert threaded.round.conversation == CHANNEL.in_thread("123.4")
        with pytest.raises(StaleRound):
            await uow.rounds.save(stored, stored.round)


async def test_turn_deadlines_due_and_ending_soonest_first(store: UnitOfWorkFactory) -> None:
    await added(store)  # first turn's deadline: T0 + 5 min
    compact = await load_compact(store)  # type: ignore[arg-type]
    async with store.unit_of_work() as uow:
        await uow.rounds.add(
            started_round("round-0", conversation=CHANNEL._replace(channel="C2"), now=T0 - MINUTE),
            partnership_id=compact.partnership_id,
            compact_version_id=compact.version_id,
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.rounds.due_turns(T0 + 4 * MINUTE) == [("round-0", 1)]
        assert await uow.rounds.due_turns(T0 + 5 * MINUTE) == [("round-0", 1), ("round-1", 1)]
        assert await uow.rounds.due_turns(T0 + 5 * MINUTE, limit=1) == [("round-0", 1)]
        assert await uow.rounds.turns_ending(T0 + 4 * MINUTE, MINUTE) == [("round-1", 1)]
        assert await uow.rounds.turns_ending(T0, MINUTE) == []


async def played(store: UnitOfWorkFactory) -> StoredRound:
    """Alice and Carol (unknown to the partnership) answer, Bob passes; the round ends."""
    stored = await added(store)
    round_ = step(
        stored.round, ev.ReflectionSubmitted(ALICE, "a-l", "a-v", ("exc-h1", "env-r1")), T0
    )
    round_ = step(round_, ev.TurnPassed(BOB, 2), T0 + MINUTE)
    round_ = step(round_, ev.ReflectionSubmitted(CAROL, "c-l", "c-v", ("env-r1",)), T0 + 2 * MINUTE)
    assert round_.is_closed  # everyone was heard
    async with store.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, round_)
        await uow.commit()
    return saved


async def test_reflections_are_read_back_for_the_digest_and_the_home(
    store: UnitOfWorkFactory,
) -> None:
    pid = (await played(store)).partnership_id
    alice = ReflectionRecord(
        "round-1", "Alice Adeyemi", "nhsei", "a-l", "a-v", ("exc-h1", "env-r1"), T0
    )
    carol = ReflectionRecord("round-1", "U_CAROL", None, "c-l", "c-v", ("env-r1",), T0 + 2 * MINUTE)
    async with store.unit_of_work() as uow:
        assert await uow.reflections.records_between(pid, T0, T0 + 2 * MINUTE) == [alice]
        assert await uow.reflections.records_between(pid, T0, T0 + 3 * MINUTE) == [alice, carol]
        assert await uow.reflections.records_between(pid + 9, T0, T0 + 3 * MINUTE) == []
        assert await uow.reflections.latest_by(pid, CAROL) == [carol]
        assert await uow.reflections.latest_by(pid, BOB) == []
        mentioned = await uow.reflections.clause_last_mentioned(pid)
        before = await uow.reflections.clause_last_mentioned(pid, before=T0 + MINUTE)
    assert mentioned == {"exc-h1": T0, "env-r1": T0 + 2 * MINUTE}
    assert before == {"exc-h1": T0, "env-r1": T0}


async def test_an_organisation_said_later_counts_for_attendance(
    store: UnitOfWorkFactory,
) -> None:
    pid = (await played(store)).partnership_id
    async with store.unit_of_work() as uow:
        carol = await uow.people.create(pid, CAROL, "Carol")
        await uow.people.set_organisation(carol.id, "riverside")
        await uow.commit()
    async with store.unit_of_work() as uow:
        records = await uow.reflections.records_between(pid, T0, T0 + 3 * MINUTE)
        held = await uow.rounds.held_between(pid, T0, T0 + MINUTE)
        assert await uow.rounds.held_between(pid, T0 + MINUTE, T0 + 9 * MINUTE) == []
    # The reflection row keeps the person it was written for (none, then): the round's
    # attendance counts the organisation said since, the reflection does not.
    assert [r.organisation_id for r in records] == ["nhsei", None]
    assert [(h.round_id, h.held_at) for h in held] == [("round-1", T0)]
    assert held[0].attendee_organisation_ids == ("nhsei", "northgate", "riverside")


async def test_each_person_has_one_key_in_the_digest_reads(store: UnitOfWorkFactory) -> None:
    """The group-size rule counts distinct people: an author and an attendee are the same key,
    even for someone who became a known person only after answering (Carol)."""
    pid = (await played(store)).partnership_id
    async with store.unit_of_work() as uow:
        carol = await uow.people.create(pid, CAROL, "Carol")
        await uow.commit()
    async with store.unit_of_work() as uow:
        records = await uow.reflections.records_between(pid, T0, T0 + 3 * MINUTE)
        (held,) = await uow.rounds.held_between(pid, T0, T0 + MINUTE)
    alice, bob, carol_key = held.attendees
    assert len({alice, bob, carol_key}) == 3
    assert [r.person for r in records] == [alice, carol_key]
    assert carol_key == f"person-{carol.id}"
    assert not any("U_" in key or "Carol" in key for key in held.attendees)  # opaque


async def test_an_edit_replaces_the_stored_reflection(store: UnitOfWorkFactory) -> None:
    stored = await added(store)
    round_ = step(stored.round, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1",)), T0)
    edited = step(round_, ev.ReflectionEdited(ALICE, "l2", "v2", ("exc-h1",)), T0 + MINUTE)
    async with store.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, round_)
        await uow.rounds.save(saved, edited)
        await uow.commit()
    async with store.unit_of_work() as uow:
        [row] = await uow.reflections.export_rows(None)
        assert await uow.reflections.export_rows(stored.partnership_id + 9) == []
    assert (row.learned, row.valued, row.clause_ids) == ("l2", "v2", ("exc-h1",))
    assert (row.partnership_slug, row.round_id, row.compact_version) == ("nhs-vmi", "round-1", 1)
    assert (row.author_name, row.organisation_key) == ("Alice Adeyemi", "nhsei")
    assert (row.submitted_at, row.edited_at) == (T0, T0 + MINUTE)


async def test_a_reflection_citing_a_clause_not_in_the_version_is_refused(
    store: UnitOfWorkFactory,
) -> None:
    stored = await added(store)
    answered = step(stored.round, ev.ReflectionSubmitted(ALICE, "l", "v", ("env-r1",)), T0)
    bad = replace(answered.reflections[0], clause_ids=("zzz-9",))
    async with store.unit_of_work() as uow:
        with pytest.raises(ValueError):
            await uow.rounds.save(stored, replace(answered, reflections=(bad,)))


async def test_who_is_answering_a_warned_end_and_a_late_answer_come_back_as_saved(
    store: UnitOfWorkFactory,
) -> None:
    """Issue 13: the form opened, the end asked to confirm, the answer kept after the end,
    and a cancelled round, all survive a save and a load."""
    stored = await added(store)
    answering = step(stored.round, ev.AnswerStarted(BOB), T0)
    warned = step(answering, ev.RoundEnded(ALICE), T0 + MINUTE)
    assert warned.answering == {BOB} and warned.end_asked and not warned.is_closed
    closed = step(warned, ev.RoundEnded(ALICE), T0 + 2 * MINUTE)
    late = step(closed, ev.ReflectionSubmitted(BOB, "late", "kept", ()), T0 + 3 * MINUTE)
    assert late.reflection_of(BOB) is not None
    async with store.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, warned)
        saved = await uow.rounds.save(saved, closed)
        saved = await uow.rounds.save(saved, late)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.rounds.get(stored.round.id)
        rows = await uow.reflections.export_rows(None)
    assert loaded is not None and loaded.round == late
    assert [row.learned for row in rows] == ["late"]
    compact = await _compact_of(store, stored)
    second = await add(store, compact, "round-2")
    cancelled = step(second.round, ev.RoundCancelled(ALICE), T0 + MINUTE)
    async with store.unit_of_work() as uow:
        await uow.rounds.save(second, cancelled)
        await uow.commit()
    async with store.unit_of_work() as uow:
        again = await uow.rounds.get("round-2")
    assert again is not None and again.round.cancelled and again.round.is_closed
    async with store.unit_of_work() as uow:
        held = await uow.rounds.held_between(stored.partnership_id, T0, T0 + 60 * MINUTE)
    assert [h.round_id for h in held] == [stored.round.id]  # the cancelled one was not held


async def _compact_of(store: UnitOfWorkFactory, stored: StoredRound) -> StoredCompact:
    async with store.unit_of_work() as uow:
        compact = await uow.compacts.latest_for(stored.partnership_id)
    assert compact is not None
    return compact


async def test_withdrawn_and_hidden_reflections_stay_out_of_every_read_but_the_export(
    store: UnitOfWorkFactory,
) -> None:
    stored = await added(store)
    round_ = stored.round
    for person, words in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol")):
        round_ = step(round_, ev.ReflectionSubmitted(person, words, "", ("env-r1",)), T0)
    assert round_.is_closed  # the last answer closed it
    round_ = step(round_, ev.ReflectionEdited(ALICE, "alice, edited", "", ("env-r1",)), T0 + MINUTE)
    round_ = step(round_, ev.ReflectionWithdrawn(BOB), T0 + 2 * MINUTE)
    round_ = step(round_, ev.ReflectionHidden(ALICE, CAROL), T0 + 3 * MINUTE)
    async with store.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, round_)
        await uow.rounds.set_summary("round-1", "summary-ts")
        await uow.commit()
    async with store.unit_of_work() as uow:
        period = await uow.reflections.records_between(saved.partnership_id, T0, T0 + MINUTE)
        mine = await uow.reflections.latest_by(saved.partnership_id, CAROL)
        exported = await uow.reflections.export_rows(saved.partnership_id)
        last = await uow.rounds.latest_in(CHANNEL)
        quiet = await uow.reflections.clause_last_mentioned(saved.partnership_id)
    assert [(r.learned, r.edited_at) for r in period] == [("alice, edited", T0 + MINUTE)]
    assert mine == []
    assert [(r.learned, r.hidden_at) for r in exported] == [
        ("alice, edited", None),
        ("carol", T0 + 3 * MINUTE),
    ]
    assert last is not None and last.round == round_ and last.summary_id == "summary-ts"
    assert quiet == {"env-r1": T0}
    # The snapshot keeps the marks: the round reloads exactly as saved.
    assert last.round.reflection_of(BOB) is not None
    assert last.round.reflection_of(BOB).learned == ""  # type: ignore[union-attr]


async def test_the_latest_round_in_a_channel_is_the_one_opened_last(
    store: UnitOfWorkFactory,
) -> None:
    stored = await added(store)
    async with store.unit_of_work() as uow:
        assert await uow.rounds.latest_in(CHANNEL.in_thread("x")) == stored
        closed = step(stored.round, ev.RoundEnded(ALICE), T0 + MINUTE)
        await uow.rounds.save(stored, closed)
        await uow.commit()
    async with store.unit_of_work() as uow:
        compact = await uow.compacts.latest_for(stored.partnership_id)
    assert compact is not None
    async with store.unit_of_work() as uow:
        newer = await uow.rounds.add(
            replace(started_round("round-2"), opened_at=T0 + 2 * MINUTE),
            partnership_id=compact.partnership_id,
            compact_version_id=compact.version_id,
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        latest = await uow.rounds.latest_in(CHANNEL)
    assert latest is not None and latest.round == newer.round
