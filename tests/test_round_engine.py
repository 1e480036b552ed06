"""Table-style tests of the reflection round: what each event does to the state and effects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rituals.compact import OrderPolicy
from rituals.round import Rejection, RoundStatus, TurnOutcome, decide
from rituals.round import effects as fx
from rituals.round import events as ev
from rituals.round.ordering import speaking_order
from tests.round_helpers import CHAIR, T0, attendee, person, play, start

ALICE, BOB, CAROL, DAN = (person(n) for n in ("alice", "bob", "carol", "dan"))


def prompts(decisions) -> list[str]:
    return [
        e.person.user_id for d in decisions for e in d.effects if isinstance(e, fx.PromptAttendee)
    ]


def rejections(decision) -> list[fx.Rejection]:
    return [e.reason for e in decision.effects if isinstance(e, fx.Rejected)]


def test_a_round_with_named_attendees_prompts_the_first_at_once() -> None:
    [decision] = play([start("alice", "bob")])
    assert decision.round is not None
    assert decision.round.status is RoundStatus.RUNNING
    assert prompts([decision]) == ["alice"]
    prompt = next(e for e in decision.effects if isinstance(e, fx.PromptAttendee))
    assert prompt.deadline == T0 + timedelta(minutes=5)


def test_a_full_round_answers_pass_and_timeout_then_summary() -> None:
    decisions = play(
        [
            start("alice", "bob", "carol"),
            ev.ReflectionSubmitted(ALICE, "Early warning works", "Candour", ("env-h1",)),
            ev.TurnPassed(BOB),
            ev.TurnTimedOut(3),
            ev.ReflectionSubmitted(CAROL, "Late but here", "", ("env-h1", "lead-h3")),
        ]
    )
    assert prompts(decisions) == ["alice", "bob", "carol"]
    final = decisions[-1].round
    assert final is not None and final.status is RoundStatus.CLOSED
    summary = next(e.summary for e in decisions[-1].effects if isinstance(e, fx.PostSummary))
    assert [r.author for r in summary.reflections] == [ALICE, CAROL]
    assert summary.passed == (BOB,)
    assert summary.celebrated == (("env-h1", 2), ("lead-h3", 1))
    assert [t.outcome for t in final.turns] == [
        TurnOutcome.ANSWERED,
        TurnOutcome.PASSED,
        TurnOutcome.TIMED_OUT,
    ]


def test_timed_out_person_may_answer_while_round_open_and_round_waits_for_them() -> None:
    decisions = play([start("alice", "bob"), ev.TurnTimedOut(1), ev.TurnPassed(BOB)])
    waiting = decisions[-1]
    assert waiting.round is not None and waiting.round.status is RoundStatus.RUNNING
    asked = [e for e in waiting.effects if isinstance(e, fx.EveryoneAsked)]
    assert asked and asked[0].waiting_on == (ALICE,)
    late = decide(waiting.round, ev.ReflectionSubmitted(ALICE, "x", "y"), T0 + timedelta(hours=1))
    assert late.round is not None and late.round.status is RoundStatus.CLOSED


def test_someone_who_answers_early_is_recorded_and_not_asked_again() -> None:
    decisions = play(
        [
            start("alice", "bob", "carol"),
            ev.ReflectionSubmitted(CAROL, "Learned early", "Valued early"),
            ev.ReflectionSubmitted(ALICE, "a", "b"),
            ev.ReflectionSubmitted(BOB, "c", "d"),
        ]
    )
    assert prompts(decisions) == ["alice", "bob"]
    ack = next(e for e in decisions[1].effects if isinstance(e, fx.ReflectionRecorded))
    assert ack.early is True
    assert decisions[-1].round is not None and decisions[-1].round.is_closed


def test_gathering_then_begin() -> None:
    decisions = play(
        [
            start(),
            ev.AttendeeJoined(BOB, attendee("bob")),
            ev.AttendeeJoined(CHAIR, attendee("alice")),
            ev.AttendeeJoined(BOB, attendee("bob")),
            ev.RoundBegun(CHAIR),
        ]
    )
    assert decisions[0].round is not None
    assert decisions[0].round.status is RoundStatus.GATHERING
    assert decisions[3].effects == ()  # a second "I'm here" is harmless
    assert prompts(decisions) == ["bob"]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (ev.RoundEnded(ALICE), Rejection.NOT_FACILITATOR),
        (ev.TurnSkipped(ALICE), Rejection.NOT_FACILITATOR),
        (ev.NextTurnRequested(BOB), Rejection.NOT_FACILITATOR),
        (ev.AttendeeJoined(ALICE, attendee("dan")), Rejection.NOT_FACILITATOR),
        (ev.ReflectionSubmitted(DAN, "x", "y"), Rejection.NOT_ATTENDEE),
        (ev.ReflectionSubmitted(ALICE, "x", "y", ("nope-1",)), Rejection.UNKNOWN_CLAUSE),
        (ev.ReflectionSubmitted(ALICE, "  ", ""), Rejection.INVALID_TEXT),
        (ev.ReflectionSubmitted(ALICE, "x" * 5000, ""), Rejection.INVALID_TEXT),
        (ev.ReflectionEdited(ALICE, "x", "y"), Rejection.NOTHING_TO_EDIT),
        (ev.RoundBegun(CHAIR), Rejection.ALREADY_RUNNING),
        (ev.QueueReordered(CHAIR, (ALICE,)), Rejection.INVALID_ORDER),
    ],
)
def test_bad_actions_are_rejected_privately_and_change_nothing(event, reason) -> None:
    [started] = play([start("alice", "bob")])
    decision = decide(started.round, event, T0 + timedelta(seconds=5))
    assert rejections(decision) == [reason]
    assert decision.round == started.round
    assert all(isinstance(e, fx.Rejected) for e in decision.effects)


def test_actions_on_a_closed_round_are_rejected_with_a_reason() -> None:
    decisions = play([start("alice", "bob"), ev.RoundEnded(CHAIR)])
    closed = decisions[-1].round
    assert closed is not None and closed.is_closed
    for event in (
        ev.ReflectionSubmitted(BOB, "late", "late"),
        ev.TurnPassed(BOB),
        ev.RoundEnded(CHAIR),
        ev.AttendeeJoined(DAN, attendee("dan")),
    ):
        decision = decide(closed, event, T0 + timedelta(hours=1))
        assert rejections(decision) == [Rejection.ROUND_CLOSED]
        assert decision.round == closed
    assert decide(closed, ev.TurnTimedOut(1), T0).effects == ()


def test_stale_inputs_yield_empty_decisions() -> None:
    decisions = play([start("alice", "bob"), ev.ReflectionSubmitted(ALICE, "a", "b")])
    now_round = decisions[-1].round
    for stale in (
        ev.TurnTimedOut(1),  # turn 1 is over
        ev.TurnPassed(BOB, turn_no=1),  # a click for an old turn
        ev.TurnSkipped(CHAIR, turn_no=1),
        ev.ReflectionSubmitted(ALICE, "a", "b"),  # identical resubmission
    ):
        decision = decide(now_round, stale, T0 + timedelta(minutes=1))
        assert decision.effects == () and decision.round == now_round


def test_second_different_answer_is_refused_but_edit_replaces() -> None:
    decisions = play([start("alice", "bob"), ev.ReflectionSubmitted(ALICE, "a", "b")])
    round_ = decisions[-1].round
    again = decide(round_, ev.ReflectionSubmitted(ALICE, "other", "b"), T0)
    assert rejections(again) == [Rejection.ALREADY_ANSWERED]
    edited = decide(round_, ev.ReflectionEdited(ALICE, "a2", "b2", ("env-r1",)), T0)
    assert edited.round is not None
    reflection = edited.round.reflection_of(ALICE)
    assert reflection is not None
    assert (reflection.learned, reflection.valued, reflection.clause_ids) == (
        "a2",
        "b2",
        ("env-r1",),
    )
    assert reflection.edited_at == T0
    assert len(edited.round.reflections) == 1


def test_late_arrival_joins_the_end_of_the_queue_and_is_prompted() -> None:
    decisions = play(
        [
            start("alice", "bob"),
            ev.AttendeeJoined(CHAIR, attendee("dan")),
            ev.TurnPassed(ALICE),
            ev.TurnPassed(BOB),
        ]
    )
    assert prompts(decisions) == ["alice", "bob", "dan"]


def test_skip_a_waiting_person_removes_them_from_the_queue() -> None:
    decisions = play(
        [start("alice", "bob", "carol"), ev.TurnSkipped(CHAIR, BOB), ev.TurnPassed(ALICE)]
    )
    assert prompts(decisions) == ["alice", "carol"]


def test_reorder_changes_who_is_next() -> None:
    decisions = play(
        [
            start("alice", "bob", "carol"),
            ev.QueueReordered(CHAIR, (CAROL, BOB)),
            ev.TurnPassed(ALICE),
        ]
    )
    assert prompts(decisions) == ["alice", "carol"]


def test_alternating_order_interleaves_organisations() -> None:
    attendees = [attendee(n) for n in ("bob", "dan", "alice", "carol")]
    order = speaking_order(attendees, OrderPolicy.ALTERNATING, seed=1)
    assert [u.user_id for u in order] == ["bob", "alice", "carol", "dan"]


def test_shuffled_order_is_reproducible_from_its_seed() -> None:
    attendees = [attendee(n) for n in ("alice", "bob", "carol", "dan")]
    first = speaking_order(attendees, OrderPolicy.SHUFFLED, seed=42)
    assert first == speaking_order(attendees, OrderPolicy.SHUFFLED, seed=42)
    assert sorted(first) == sorted(a.user for a in attendees)
    seeds = {speaking_order(attendees, OrderPolicy.SHUFFLED, seed=s) for s in range(20)}
    assert len(seeds) > 1


def test_no_timeout_means_no_deadline() -> None:
    [decision] = play([start("alice", timeout=None)])
    prompt = next(e for e in decision.effects if isinstance(e, fx.PromptAttendee))
    assert prompt.deadline is None


def test_someone_who_passed_may_still_answer_while_the_round_is_open() -> None:
    decisions = play(
        [
            start("alice", "bob"),
            ev.TurnPassed(ALICE),
            ev.ReflectionSubmitted(ALICE, "changed my mind", "after all"),
        ]
    )
    final = decisions[-1].round
    assert final is not None
    assert ALICE not in final.passed
    assert final.reflection_of(ALICE) is not None
