"""Property tests: random event sequences never break the round's promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rituals.compact import OrderPolicy
from rituals.refs import UserRef
from rituals.round import Round, RoundStatus, decide
from rituals.round import effects as fx
from rituals.round import events as ev
from tests.round_helpers import CHAIR, CLAUSES, T0, attendee, person, start

NAMES = ["alice", "bob", "carol", "dan", "erin"]
ACTORS = [*NAMES, "chair"]
TEXTS = st.sampled_from(["", "  ", "learned a lot", "valued candour", "x" * 1600])
CLAUSE_CHOICES = st.lists(st.sampled_from([*sorted(CLAUSES), "bogus-9"]), max_size=3)


@dataclass(frozen=True)
class TimeoutCurrent:
    """Resolved at replay time to a timeout for whatever turn is current."""


actor = st.sampled_from(ACTORS).map(person)
turn_no = st.one_of(st.none(), st.integers(1, 8))
abstract_event = st.one_of(
    st.builds(ev.ReflectionSubmitted, actor, TEXTS, TEXTS, CLAUSE_CHOICES.map(tuple)),
    st.builds(ev.ReflectionEdited, actor, TEXTS, TEXTS, CLAUSE_CHOICES.map(tuple)),
    st.builds(ev.TurnPassed, actor, turn_no),
    st.builds(ev.TurnSkipped, actor, st.one_of(st.none(), actor), turn_no),
    st.builds(ev.NextTurnRequested, actor, turn_no),
    st.builds(ev.TurnTimedOut, st.integers(1, 8)),
    st.just(TimeoutCurrent()),
    st.builds(ev.AttendeeJoined, actor, st.sampled_from(NAMES).map(attendee)),
    st.builds(ev.RoundBegun, actor),
    st.builds(ev.RoundEnded, actor),
    st.builds(ev.AnswerStarted, actor),
    st.builds(ev.ReflectionWithdrawn, actor),
    st.builds(ev.ReflectionHidden, actor, actor, st.booleans()),
)
starts = st.builds(
    lambda names, order, seed: start(*names, order=order, seed=seed),
    st.lists(st.sampled_from(NAMES), max_size=5),
    st.sampled_from(list(OrderPolicy)),
    st.integers(0, 1000),
)


def resolve(round_: Round, event: object) -> ev.RoundEvent:
    if isinstance(event, TimeoutCurrent):
        current = round_.current_turn
        return ev.TurnTimedOut(current.number if current else 99)
    assert not isinstance(event, TimeoutCurrent)
    return event  # type: ignore[return-value]


def check_state(round_: Round) -> None:
    open_turns = [t for t in round_.turns if t.outcome is None]
    assert len(open_turns) <= 1
    if open_turns:
        assert round_.turns[-1].outcome is None
    assert [t.number for t in round_.turns] == list(range(1, len(round_.turns) + 1))
    assert len(set(round_.queue)) == len(round_.queue)
    assert not any(round_.has_spoken(u) for u in round_.queue)
    authors = [r.author for r in round_.reflections]
    assert len(set(authors)) == len(authors)
    assert not set(authors) & round_.passed
    assert len({a.user for a in round_.attendees}) == len(round_.attendees)
    if round_.is_closed:
        assert round_.current_turn is None and round_.queue == ()


@settings(max_examples=400, deadline=None)
@given(starts, st.lists(abstract_event, max_size=40))
def test_random_sequences_keep_every_promise(start_event, events) -> None:
    now = T0
    decision = decide(None, start_event, now)
    round_ = decision.round
    assert round_ is not None
    prompted: list[tuple[int, UserRef]] = []
    expected: dict[UserRef, tuple[str, str, tuple[str, ...]]] = {}
    all_effects = list(decision.effects)

    def absorb(before: Round, event: ev.RoundEvent, after_effects) -> None:
        for effect in after_effects:
            if isinstance(effect, fx.PromptAttendee):
                assert not before.has_spoken(effect.person)
                prompted.append((effect.turn_no, effect.person))
            if isinstance(effect, fx.ReflectionRecorded):
                assert isinstance(event, ev.ReflectionSubmitted | ev.ReflectionEdited)
                expected[effect.person] = (
                    event.learned.strip(),
                    event.valued.strip(),
                    tuple(dict.fromkeys(event.clause_ids)),
                )
            if isinstance(effect, fx.WithdrawalConfirmed):
                expected[effect.person] = ("", "", ())  # withdrawn: its words erased

    absorb(round_, start_event, decision.effects)
    # Ending with someone mid-answer asks to confirm first: the second "end" ends it.
    for raw in [*events, ev.RoundEnded(CHAIR), ev.RoundEnded(CHAIR)]:
        now += timedelta(seconds=20)
        event = resolve(round_, raw)
        decision = decide(round_, event, now)
        assert decision.round is not None
        if decision.rejected:
            assert decision.round == round_  # a refusal changes nothing
        absorb(round_, event, decision.effects)
        all_effects.extend(decision.effects)
        round_ = decision.round
        check_state(round_)

    # The facilitator's "end" always ends the round.
    assert round_.status is RoundStatus.CLOSED
    # Nobody is prompted twice, and no turn is prompted twice.
    turn_numbers = [n for n, _ in prompted]
    people = [p for _, p in prompted]
    assert len(set(turn_numbers)) == len(turn_numbers)
    assert len(set(people)) == len(people)
    # No answer lost or duplicated: exactly the accepted answers, each once, latest content.
    stored = {r.author: (r.learned, r.valued, r.clause_ids) for r in round_.reflections}
    assert stored == expected
    # The summary holds exactly the stored answers, and is posted exactly once; a round
    # nobody answered posts none and tells the facilitators instead.
    # Withdrawn and hidden reflections are not shared.
    summaries = [e.summary for e in all_effects if isinstance(e, fx.PostSummary)]
    nothing = [e for e in all_effects if isinstance(e, fx.NothingShared)]
    shown = tuple(r for r in round_.reflections if r.shown)
    if not shown:
        assert summaries == [] and len(nothing) == 1
        return
    assert len(summaries) == 1 and nothing == []
    assert summaries[0].reflections == shown
    cited = sum(len(r.clause_ids) for r in shown)
    assert sum(count for _, count in summaries[0].celebrated) == cited


@settings(max_examples=300, deadline=None)
@given(
    starts,
    st.lists(abstract_event, max_size=25),
    st.lists(st.tuples(st.sampled_from(ACTORS).map(person), st.integers(0, 400)), max_size=6),
)
def test_after_the_end_only_an_answer_begun_before_it_and_sent_in_time_is_kept(
    start_event, events, late
) -> None:
    """The 2-minute grace: kept iff begun before the end (and not given) and sent within
    120 s of it; everyone else is refused, and a refusal changes nothing."""
    now = T0
    round_ = decide(None, start_event, now).round
    assert round_ is not None
    for raw in [*events, ev.RoundEnded(CHAIR), ev.RoundEnded(CHAIR)]:
        now += timedelta(seconds=20)
        decided = decide(round_, resolve(round_, raw), now).round
        assert decided is not None
        round_ = decided
    assert round_.is_closed and round_.closed_at is not None
    cut_off = set(round_.mid_answer())
    closed_at = round_.closed_at
    for who, seconds in sorted(late, key=lambda pair: pair[1]):
        at = closed_at + timedelta(seconds=seconds)
        before = round_
        decision = decide(round_, ev.ReflectionSubmitted(who, "late words", ""), at)
        assert decision.round is not None
        round_ = decision.round
        first = before.reflection_of(who) is None
        kept = first and round_.reflection_of(who) is not None
        assert kept == (first and who in cut_off and seconds <= 120)
        if decision.rejected:
            assert round_ == before
        check_state(round_)
    assert round_.is_closed


@settings(max_examples=200, deadline=None)
@given(starts, st.lists(abstract_event, max_size=25))
def test_a_round_left_to_its_timers_always_finishes_its_turns(start_event, events) -> None:
    """With nobody acting, timeouts alone walk every remaining turn in bounded steps."""
    round_ = decide(None, start_event, T0).round
    assert round_ is not None
    now = T0
    for raw in events:
        now += timedelta(seconds=20)
        decision = decide(round_, resolve(round_, raw), now)
        assert decision.round is not None
        round_ = decision.round
    if round_.status is RoundStatus.GATHERING:
        round_ = decide(round_, ev.RoundBegun(CHAIR), now).round
        assert round_ is not None
    for _ in range(len(round_.attendees) + 1):
        if round_.current_turn is None:
            break
        now += timedelta(minutes=5)
        decision = decide(round_, ev.TurnTimedOut(round_.current_turn.number), now)
        assert decision.round is not None
        round_ = decision.round
    assert round_.current_turn is None
    assert round_.queue == ()
