"""The engine on reflections changed after they were shared: edits and withdrawals by their
authors until 24 hours after the close, hiding by a facilitator at any time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rituals.round import CHANGE_WINDOW, Rejection, Round, decide
from rituals.round import effects as fx
from rituals.round import events as ev
from tests.storage.builders import ALICE, BOB, CAROL, T0, started_round, step

MINUTE = timedelta(minutes=1)


def answered_and_closed() -> Round:
    round_ = started_round()
    for person, said in ((ALICE, "a"), (BOB, "b"), (CAROL, "c")):
        round_ = step(round_, ev.ReflectionSubmitted(person, said, "", ("env-r1",)), T0)
    assert round_.is_closed and round_.closed_at == T0
    return round_


def refusal(decision_round: Round, event: ev.RoundEvent, after: timedelta) -> Rejection | None:
    decision = decide(decision_round, event, T0 + after)
    rejected = [e for e in decision.effects if isinstance(e, fx.Rejected)]
    return rejected[0].reason if rejected else None


@pytest.mark.parametrize(
    ("event", "after", "refused"),
    [
        (ev.ReflectionEdited(BOB, "b2", ""), CHANGE_WINDOW, None),
        (ev.ReflectionEdited(BOB, "b2", ""), CHANGE_WINDOW + MINUTE, Rejection.CHANGE_TOO_LATE),
        (ev.ReflectionWithdrawn(BOB), CHANGE_WINDOW, None),
        (ev.ReflectionWithdrawn(BOB), CHANGE_WINDOW + MINUTE, Rejection.CHANGE_TOO_LATE),
        (ev.ReflectionHidden(ALICE, BOB), CHANGE_WINDOW * 30, None),
        (ev.ReflectionHidden(CAROL, BOB), MINUTE, Rejection.NOT_FACILITATOR),
        (ev.ReflectionSubmitted(BOB, "again", ""), MINUTE, Rejection.ALREADY_ANSWERED),
        (ev.TurnPassed(BOB), MINUTE, Rejection.ROUND_CLOSED),
    ],
)
def test_what_a_closed_round_still_takes(
    event: ev.RoundEvent, after: timedelta, refused: Rejection | None
) -> None:
    assert refusal(answered_and_closed(), event, after) is refused


def test_a_change_after_the_close_redraws_the_summary_and_the_summary_leaves_it_out() -> None:
    closed = answered_and_closed()
    withdrawn = decide(closed, ev.ReflectionWithdrawn(BOB), T0 + MINUTE)
    assert fx.SummaryChanged(closed.id) in withdrawn.effects
    assert fx.WithdrawalConfirmed(closed.id, BOB) in withdrawn.effects
    assert withdrawn.round is not None
    erased = withdrawn.round.reflection_of(BOB)
    assert erased is not None and (erased.learned, erased.clause_ids) == ("", ())
    hidden = step(withdrawn.round, ev.ReflectionHidden(ALICE, CAROL), T0 + 2 * MINUTE)
    summary = hidden.summary()
    assert [r.author for r in summary.reflections] == [ALICE]
    assert summary.celebrated == (("env-r1", 1),) and summary.not_heard == ()
    # Hiding again changes nothing but says so; a withdrawn one cannot be hidden.
    again = decide(hidden, ev.ReflectionHidden(ALICE, CAROL), T0 + 3 * MINUTE)
    assert again.round is hidden and again.effects == (
        fx.VisibilityChanged(closed.id, ALICE, CAROL, True, changed=False),
    )
    assert refusal(hidden, ev.ReflectionHidden(ALICE, BOB), 3 * MINUTE) is Rejection.NO_REFLECTION
    assert refusal(hidden, ev.ReflectionEdited(BOB, "back", ""), MINUTE) is Rejection.WITHDRAWN


def test_a_cancelled_round_takes_no_changes() -> None:
    round_ = step(started_round(), ev.ReflectionSubmitted(ALICE, "a", ""), T0)
    cancelled = step(round_, ev.RoundCancelled(ALICE), T0 + MINUTE)
    assert refusal(cancelled, ev.ReflectionWithdrawn(ALICE), MINUTE) is Rejection.ROUND_CLOSED
    assert refusal(cancelled, ev.ReflectionHidden(ALICE, ALICE), MINUTE) is Rejection.ROUND_CLOSED


def test_withdrawing_while_the_round_runs_counts_as_having_spoken() -> None:
    round_ = step(started_round(), ev.ReflectionSubmitted(ALICE, "a", ""), T0)
    withdrawn = step(round_, ev.ReflectionWithdrawn(ALICE), T0 + MINUTE)
    assert withdrawn.has_spoken(ALICE) and ALICE not in withdrawn.queue
    ended = decide(withdrawn, ev.RoundEnded(ALICE), T0 + 2 * MINUTE)
    assert any(isinstance(e, fx.NothingShared) for e in ended.effects)  # nothing left to post


PEOPLE = (ALICE, BOB, CAROL)
later_change = st.tuples(
    st.one_of(
        st.builds(ev.ReflectionEdited, st.sampled_from(PEOPLE), st.just("new words"), st.just("")),
        st.builds(ev.ReflectionWithdrawn, st.sampled_from(PEOPLE)),
        st.builds(
            ev.ReflectionHidden, st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.booleans()
        ),
    ),
    st.integers(0, 48 * 60),  # minutes after the close
)


@settings(max_examples=200, deadline=None)
@given(st.lists(later_change, max_size=12))
def test_changes_after_the_close_keep_their_promises(changes: list) -> None:
    """Whatever the order: authors change nothing after the window, only facilitators hide,
    a withdrawal erases for good, the summary holds exactly the shown reflections, and the
    round stays closed with the same authors."""
    round_ = answered_and_closed()
    for event, minutes in sorted(changes, key=lambda pair: pair[1]):
        at = T0 + timedelta(minutes=minutes)
        decision = decide(round_, event, at)
        assert decision.round is not None
        after = decision.round
        if decision.rejected or (
            isinstance(event, ev.ReflectionHidden) and not round_.is_facilitator(event.by)
        ):
            assert after == round_
        if isinstance(event, ev.ReflectionEdited | ev.ReflectionWithdrawn) and (
            at > T0 + CHANGE_WINDOW
        ):
            assert after == round_
        for before_r, after_r in zip(round_.reflections, after.reflections, strict=True):
            assert before_r.author == after_r.author
            if before_r.withdrawn_at is not None:
                assert after_r == before_r
        round_ = after
        assert round_.is_closed
        shown = tuple(
            r for r in round_.reflections if r.withdrawn_at is None and r.hidden_at is None
        )
        assert round_.summary().reflections == shown
        assert all(
            (r.learned, r.valued, r.clause_ids) == ("", "", ())
            for r in round_.reflections
            if r.withdrawn_at is not None
        )
