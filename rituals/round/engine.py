"""The reflection round as a function: `decide(round, event, now) -> Decision`.

Nothing here sends, sleeps or reads the clock. A stale input (a timer for a turn already
over, a repeated click, an identical resubmission) yields an empty decision, which is what
makes platform retries and double-clicks harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rituals.errors import InvalidInput
from rituals.reflection import Reflection
from rituals.refs import UserRef
from rituals.round import effects as fx
from rituals.round import events as ev
from rituals.round.ordering import speaking_order
from rituals.round.state import Round, RoundStatus, Turn, TurnOutcome
from rituals.text import MAX_ANSWER_CHARS, MAX_CLAUSES_PER_ANSWER, clean_text

ANSWER_GRACE = timedelta(minutes=2)
"""How long after the end an answer begun before it is still kept."""
CHANGE_WINDOW = timedelta(hours=24)
"""How long after the round closes its authors may still edit or withdraw a reflection."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The round after an event (None only if no round was started) and what to do about it."""

    round: Round | None
    effects: tuple[fx.RoundEffect, ...] = ()

    @property
    def rejected(self) -> bool:
        return any(isinstance(effect, fx.Rejected) for effect in self.effects)


def decide(current: Round | None, event: ev.RoundEvent, now: datetime) -> Decision:
    """Apply `event` to `current` at time `now`."""
    if isinstance(event, ev.RoundStartRequested):
        return _start(current, event, now)
    if current is None:
        raise ValueError("only RoundStartRequested can act on a round that does not exist")
    if current.is_closed:
        return _after_close(current, event, now)
    match event:
        case ev.AttendeeJoined():
            return _join(current, event, now)
        case ev.RoundBegun():
            return _begin(current, event, now)
        case ev.ReflectionSubmitted():
            return _submit(current, event, now)
        case ev.ReflectionEdited():
            return _edit(current, event, now)
        case ev.ReflectionWithdrawn():
            return _withdraw(current, event, now)
        case ev.ReflectionHidden():
            return _hide(current, event, now)
        case ev.TurnPassed():
            return _pass(current, event, now)
        case ev.TurnSkipped():
            return _skip(current, event, now)
        case ev.NextTurnRequested():
            return _next(current, event, now)
        case ev.QueueReordered():
            return _reorder(current, event)
        case ev.TurnTimedOut():
            return _time_out(current, event, now)
        case ev.RoundEnded():
            return _end(current, event, now)
        case ev.AnswerStarted():
            return _answer_started(current, event)
        case ev.RoundCancelled():
            return _cancel(current, event, now)
    raise TypeError(f"unknown round event {event!r}")  # pragma: no cover


def _reject(
    round_: Round,
    to: UserRef,
    reason: fx.Rejection,
    detail: str = "",
    *,
    about: UserRef | None = None,
) -> Decision:
    return Decision(round_, (fx.Rejected(to, reason, detail, about=about),))


def _start(current: Round | None, event: ev.RoundStartRequested, now: datetime) -> Decision:
    if current is not None:
        # A retried start for a round that exists already changes nothing.
        return Decision(current)
    unique = tuple({a.user: a for a in event.attendees}.values())
    round_ = Round(
        id=event.round_id,
        conversation=event.conversation,
        started_by=event.by,
        facilitators=event.facilitators | {event.by},
        status=RoundStatus.GATHERING,
        order=event.order,
        seed=event.seed,
        turn_timeout=event.turn_timeout,
        clause_ids=event.clause_ids,
        opened_at=now,
        attendees=unique,
    )
    if not unique:
        return Decision(round_, (fx.RoundOpened(round_.id, gathering=True),))
    begun = _run(round_, now)
    return Decision(begun.round, (fx.RoundOpened(round_.id, gathering=False), *begun.effects))


def _run(round_: Round, now: datetime) -> Decision:
    """Leave the gathering step: order those still to speak and prompt the first."""
    order = speaking_order(round_.attendees, round_.order, round_.seed)
    not_yet = set(round_.waiting_on())
    waiting = tuple(user for user in order if user in not_yet)
    running = round_.evolve(status=RoundStatus.RUNNING, queue=waiting)
    return _advance(running, now)


def _advance(round_: Round, now: datetime) -> Decision:
    """Prompt the next person in the queue, or wrap up when nobody is left to ask.

    The queue never holds anyone who has answered or passed (every change that records
    one removes them from it; the property tests check this), so its head is next.
    """
    if round_.queue:
        person, rest = round_.queue[0], round_.queue[1:]
        deadline = now + round_.turn_timeout if round_.turn_timeout else None
        turn = Turn(len(round_.turns) + 1, person, now, deadline)
        advanced = round_.evolve(queue=rest, turns=(*round_.turns, turn))
        return Decision(
            advanced,
            (
                fx.RoundStatusChanged(round_.id),
                fx.PromptAttendee(round_.id, person, turn.number, deadline),
            ),
        )
    waiting = round_.waiting_on()
    if not waiting:
        return _close(round_, now)
    return Decision(
        round_,
        (
            fx.RoundStatusChanged(round_.id),
            fx.EveryoneAsked(round_.id, tuple(sorted(round_.facilitators)), waiting),
        ),
    )


def _close(round_: Round, now: datetime, *, cancelled: bool = False) -> Decision:
    """Close the round: the summary in its thread, or (nothing shared, or cancelled) a
    private word to the facilitators; anyone mid-answer is told how long their answer keeps."""
    turns = _ended_turns(round_, TurnOutcome.SKIPPED, now) if round_.current_turn else round_.turns
    closed = round_.evolve(
        status=RoundStatus.CLOSED, queue=(), closed_at=now, turns=turns, cancelled=cancelled
    )
    chairs = tuple(sorted(closed.facilitators))
    ending: fx.RoundEffect = (
        fx.CancelledQuietly(closed.id, chairs)
        if cancelled
        else fx.PostSummary(closed.id, closed.summary())
    )
    cut_off = () if cancelled else closed.mid_answer()
    if not cancelled and not closed.summary().reflections:
        ending = fx.NothingShared(closed.id, chairs, cut_off)
    notes = tuple(fx.AnswerCutOff(closed.id, user, now + ANSWER_GRACE) for user in cut_off)
    return Decision(closed, (fx.RoundStatusChanged(closed.id), ending, *notes))


def _after_close(round_: Round, event: ev.RoundEvent, now: datetime) -> Decision:
    """A closed round only takes the answer of someone cut off mid-answer, within the grace
    period, and changes to its reflections (their authors' within `CHANGE_WINDOW`); stale
    timers and form openings change nothing; anything else is refused."""
    if isinstance(event, ev.TurnTimedOut | ev.AnswerStarted):
        return Decision(round_)
    if isinstance(event, ev.ReflectionEdited | ev.ReflectionWithdrawn | ev.ReflectionHidden):
        return _change_closed(round_, event, now)
    cut_off = not round_.cancelled and event.by in round_.mid_answer()
    if isinstance(event, ev.ReflectionSubmitted) and cut_off:
        assert round_.closed_at is not None
        if now > round_.closed_at + ANSWER_GRACE:
            return _reject(round_, event.by, fx.Rejection.ANSWER_TOO_LATE)
        return _keep_late(round_, event, now)
    if isinstance(event, ev.ReflectionSubmitted) and round_.reflection_of(event.by) is not None:
        return _submit(round_, event, now)  # a retried late submission changes nothing
    return _reject(round_, event.by, fx.Rejection.ROUND_CLOSED)


def change_refused(round_: Round, user: UserRef, now: datetime) -> fx.Rejection | None:
    """Why `user` may not edit or withdraw their reflection now (None: they may), so a form
    is not opened only to be refused."""
    existing = round_.reflection_of(user)
    if round_.cancelled:
        return fx.Rejection.ROUND_CLOSED
    if existing is None:
        return fx.Rejection.NOTHING_TO_EDIT
    if existing.withdrawn_at is not None:
        return fx.Rejection.WITHDRAWN
    if round_.closed_at is not None and now > round_.closed_at + CHANGE_WINDOW:
        return fx.Rejection.CHANGE_TOO_LATE
    return None


def _change_closed(
    round_: Round,
    event: ev.ReflectionEdited | ev.ReflectionWithdrawn | ev.ReflectionHidden,
    now: datetime,
) -> Decision:
    """A reflection changed after the close: the summary already posted is redrawn."""
    if round_.cancelled:  # started by mistake: nothing of it is shown anywhere
        return _reject(round_, event.by, fx.Rejection.ROUND_CLOSED)
    if isinstance(event, ev.ReflectionHidden):
        decision = _hide(round_, event, now)
    elif isinstance(event, ev.ReflectionEdited):
        decision = _edit(round_, event, now)
    else:
        decision = _withdraw(round_, event, now)
    if decision.round is round_:
        return decision  # refused, or nothing changed
    redraw = (fx.RoundStatusChanged(round_.id), fx.SummaryChanged(round_.id))
    kept = tuple(e for e in decision.effects if not isinstance(e, fx.RoundStatusChanged))
    return Decision(decision.round, (*kept, *redraw))


def _keep_late(round_: Round, event: ev.ReflectionSubmitted, now: datetime) -> Decision:
    attendee = round_.attendee(event.by)
    assert attendee is not None
    checked = _validated(round_, event.by, event.learned, event.valued, event.clause_ids)
    if isinstance(checked, fx.Rejected):
        return Decision(round_, (checked,))
    learned, valued, clause_ids = checked
    reflection = Reflection(
        author=event.by,
        organisation_id=attendee.organisation_id,
        learned=learned,
        valued=valued,
        clause_ids=clause_ids,
        submitted_at=now,
    )
    kept = round_.evolve(reflections=(*round_.reflections, reflection))
    return Decision(
        kept,
        (fx.RoundStatusChanged(round_.id), fx.LateReflectionKept(round_.id, event.by)),
    )


def _ended_turns(round_: Round, outcome: TurnOutcome, now: datetime) -> tuple[Turn, ...]:
    """The turns with the current one ended; callers fold it into their single copy."""
    turn = round_.current_turn
    assert turn is not None
    ended = Turn(turn.number, turn.person, turn.started_at, turn.deadline, outcome, now)
    return (*round_.turns[:-1], ended)


def _move_on(round_: Round, outcome: TurnOutcome, now: datetime) -> Decision:
    """End the current turn without an answer (skipped or timed out) and ask the next person;
    the one passed over is told they may still answer."""
    turn = round_.current_turn
    assert turn is not None
    moved = _advance(round_.evolve(turns=_ended_turns(round_, outcome, now)), now)
    lapsed = fx.TurnLapsed(round_.id, turn.person, outcome.value)
    return Decision(moved.round, (lapsed, *moved.effects))


def _stale(round_: Round, turn_no: int | None) -> bool:
    """A click made for a turn that is no longer the current one."""
    current = round_.current_turn
    return turn_no is not None and (current is None or current.number != turn_no)


def _join(round_: Round, event: ev.AttendeeJoined, now: datetime) -> Decision:
    user = event.attendee.user
    if event.by != user and not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    if round_.attendee(user) is not None:
        if event.by == user:
            return Decision(round_)  # a second "I'm here" click
        return _reject(round_, event.by, fx.Rejection.ALREADY_ATTENDING)
    if round_.status is RoundStatus.GATHERING:
        joined = round_.evolve(attendees=(*round_.attendees, event.attendee))
        return Decision(joined, (fx.RoundStatusChanged(round_.id),))
    joined = round_.evolve(
        attendees=(*round_.attendees, event.attendee), queue=(*round_.queue, user)
    )
    if joined.current_turn is None:
        return _advance(joined, now)
    return Decision(joined, (fx.RoundStatusChanged(round_.id),))


def _begin(round_: Round, event: ev.RoundBegun, now: datetime) -> Decision:
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    if round_.status is not RoundStatus.GATHERING:
        return _reject(round_, event.by, fx.Rejection.ALREADY_RUNNING)
    if not round_.attendees:
        return _reject(round_, event.by, fx.Rejection.NO_ATTENDEES)
    return _run(round_, now)


def _validated(
    round_: Round, by: UserRef, learned: str, valued: str, clause_ids: tuple[str, ...]
) -> tuple[str, str, tuple[str, ...]] | fx.Rejected:
    try:
        learned_text = clean_text(
            learned,
            field="answer to what you learned",
            limit=MAX_ANSWER_CHARS,
            required=False,
            key="learned",
        )
        valued_text = clean_text(
            valued,
            field="answer to what you valued",
            limit=MAX_ANSWER_CHARS,
            required=False,
            key="valued",
        )
    except InvalidInput as problem:
        return fx.Rejected(by, fx.Rejection.INVALID_TEXT, str(problem), problem.field or "")
    if not learned_text and not valued_text:
        return fx.Rejected(
            by,
            fx.Rejection.INVALID_TEXT,
            "Say what you learned, what you valued, or both.",
            "learned",
        )
    ids = tuple(dict.fromkeys(cid.strip() for cid in clause_ids if cid.strip()))
    unknown = [cid for cid in ids if cid not in round_.clause_ids]
    if unknown:
        return fx.Rejected(by, fx.Rejection.UNKNOWN_CLAUSE, ", ".join(unknown), "clauses")
    if len(ids) > MAX_CLAUSES_PER_ANSWER:
        return fx.Rejected(
            by,
            fx.Rejection.INVALID_TEXT,
            f"Choose at most {MAX_CLAUSES_PER_ANSWER} clauses.",
            "clauses",
        )
    return learned_text, valued_text, ids


def _submit(round_: Round, event: ev.ReflectionSubmitted, now: datetime) -> Decision:
    attendee = round_.attendee(event.by)
    if attendee is None:
        return _reject(round_, event.by, fx.Rejection.NOT_ATTENDEE)
    checked = _validated(round_, event.by, event.learned, event.valued, event.clause_ids)
    if isinstance(checked, fx.Rejected):
        return Decision(round_, (checked,))
    learned, valued, clause_ids = checked
    existing = round_.reflection_of(event.by)
    if existing is not None:
        if existing.same_content(learned, valued, clause_ids):
            return Decision(round_)  # a retried or double-clicked submission
        return _reject(round_, event.by, fx.Rejection.ALREADY_ANSWERED)
    current = round_.current_turn
    on_turn = current is not None and current.person == event.by
    reflection = Reflection(
        author=event.by,
        organisation_id=attendee.organisation_id,
        learned=learned,
        valued=valued,
        clause_ids=clause_ids,
        submitted_at=now,
        turn_no=current.number if on_turn and current is not None else None,
    )
    recorded = round_.evolve(
        reflections=(*round_.reflections, reflection),
        passed=round_.passed - {event.by} if event.by in round_.passed else round_.passed,
        queue=tuple(user for user in round_.queue if user != event.by),
        turns=_ended_turns(round_, TurnOutcome.ANSWERED, now) if on_turn else round_.turns,
    )
    early = not on_turn and not any(t.person == event.by for t in round_.turns)
    ack = fx.ReflectionRecorded(round_.id, event.by, early=early, edited=False)
    if on_turn:
        moved = _advance(recorded, now)
        return Decision(moved.round, (ack, *moved.effects))
    return _settle(recorded, now, (ack, fx.RoundStatusChanged(round_.id)))


def _settle(round_: Round, now: datetime, effects: tuple[fx.RoundEffect, ...]) -> Decision:
    """After an out-of-turn change, close the round if that was the last voice it waited for."""
    running = round_.status is RoundStatus.RUNNING
    if running and round_.current_turn is None and not round_.queue and not round_.waiting_on():
        closed = _close(round_, now)
        return Decision(closed.round, (*effects, *closed.effects))
    return Decision(round_, effects)


def _edit(round_: Round, event: ev.ReflectionEdited, now: datetime) -> Decision:
    existing = round_.reflection_of(event.by)
    refused = change_refused(round_, event.by, now)
    if existing is None or refused is not None:
        return _reject(round_, event.by, refused or fx.Rejection.NOTHING_TO_EDIT)
    checked = _validated(round_, event.by, event.learned, event.valued, event.clause_ids)
    if isinstance(checked, fx.Rejected):
        return Decision(round_, (checked,))
    learned, valued, clause_ids = checked
    if existing.same_content(learned, valued, clause_ids):
        return Decision(round_)
    edited = replace(existing, learned=learned, valued=valued, clause_ids=clause_ids, edited_at=now)
    return Decision(
        _with_reflection(round_, edited),
        (fx.ReflectionRecorded(round_.id, event.by, early=False, edited=True),),
    )


def _with_reflection(round_: Round, changed: Reflection) -> Round:
    """`round_` with its author's reflection replaced by `changed` (same place in order)."""
    reflections = tuple(changed if r.author == changed.author else r for r in round_.reflections)
    return round_.evolve(reflections=reflections)


def _withdraw(round_: Round, event: ev.ReflectionWithdrawn, now: datetime) -> Decision:
    """The author takes their reflection back; its words are erased, not just hidden (they
    still count as having spoken, so they are not asked again)."""
    existing = round_.reflection_of(event.by)
    refused = change_refused(round_, event.by, now)
    if existing is None or refused is not None:
        return _reject(round_, event.by, refused or fx.Rejection.NOTHING_TO_EDIT)
    erased = replace(existing, learned="", valued="", clause_ids=(), withdrawn_at=now)
    return Decision(
        _with_reflection(round_, erased),
        (fx.WithdrawalConfirmed(round_.id, event.by), fx.RoundStatusChanged(round_.id)),
    )


def _hide(round_: Round, event: ev.ReflectionHidden, now: datetime) -> Decision:
    """A facilitator hides a reflection (or shows it again); it is kept for the record."""
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    existing = round_.reflection_of(event.person)
    if existing is None or existing.withdrawn_at is not None:
        return _reject(round_, event.by, fx.Rejection.NO_REFLECTION, about=event.person)
    if (existing.hidden_at is not None) == event.hidden:  # already so: say so, change nothing
        told = fx.VisibilityChanged(round_.id, event.by, event.person, event.hidden, changed=False)
        return Decision(round_, (told,))
    changed = replace(existing, hidden_at=now if event.hidden else None)
    told = fx.VisibilityChanged(round_.id, event.by, event.person, event.hidden)
    return Decision(_with_reflection(round_, changed), (told,))


def _pass(round_: Round, event: ev.TurnPassed, now: datetime) -> Decision:
    if _stale(round_, event.turn_no):
        return Decision(round_)
    if round_.attendee(event.by) is None:
        return _reject(round_, event.by, fx.Rejection.NOT_ATTENDEE)
    if event.by in round_.passed:
        return Decision(round_)
    if round_.reflection_of(event.by) is not None:
        return _reject(round_, event.by, fx.Rejection.ALREADY_ANSWERED)
    current = round_.current_turn
    on_turn = current is not None and current.person == event.by
    passed = round_.evolve(
        passed=round_.passed | {event.by},
        queue=tuple(user for user in round_.queue if user != event.by),
        turns=_ended_turns(round_, TurnOutcome.PASSED, now) if on_turn else round_.turns,
    )
    if on_turn:
        return _advance(passed, now)
    return _settle(passed, now, (fx.RoundStatusChanged(round_.id),))


def _skip(round_: Round, event: ev.TurnSkipped, now: datetime) -> Decision:
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    if _stale(round_, event.turn_no):
        return Decision(round_)
    current = round_.current_turn
    target = event.person or (current.person if current else None)
    if target is None:
        return _reject(round_, event.by, fx.Rejection.NO_CURRENT_TURN)
    if round_.attendee(target) is None:
        return _reject(round_, event.by, fx.Rejection.NOT_IN_ROUND, about=target)
    if current is not None and current.person == target:
        return _move_on(round_, TurnOutcome.SKIPPED, now)
    if target not in round_.queue:
        return Decision(round_)  # already asked, answered or skipped: nothing to skip
    skipped = round_.evolve(queue=tuple(u for u in round_.queue if u != target))
    return Decision(skipped, (fx.RoundStatusChanged(round_.id),))


def _next(round_: Round, event: ev.NextTurnRequested, now: datetime) -> Decision:
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    if _stale(round_, event.turn_no):
        return Decision(round_)
    if round_.status is RoundStatus.GATHERING:
        return _reject(round_, event.by, fx.Rejection.NO_CURRENT_TURN)
    if round_.current_turn is None:
        return _advance(round_, now)
    return _move_on(round_, TurnOutcome.SKIPPED, now)


def _reorder(round_: Round, event: ev.QueueReordered) -> Decision:
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    if sorted(event.order) != sorted(round_.queue) or len(set(event.order)) != len(event.order):
        return _reject(round_, event.by, fx.Rejection.INVALID_ORDER)
    return Decision(
        round_.evolve(queue=event.order),
        (fx.RoundStatusChanged(round_.id), fx.OrderChanged(round_.id, event.by, event.order)),
    )


def _time_out(round_: Round, event: ev.TurnTimedOut, now: datetime) -> Decision:
    current = round_.current_turn
    if current is None or current.number != event.turn_no:
        return Decision(round_)
    return _move_on(round_, TurnOutcome.TIMED_OUT, now)


def _end(round_: Round, event: ev.RoundEnded, now: datetime) -> Decision:
    """End the round; with someone mid-answer, the first "end" only asks to confirm."""
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    answering = round_.mid_answer()
    if answering and not round_.end_asked:
        return Decision(
            round_.evolve(end_asked=True),
            (fx.EndNeedsConfirming(round_.id, event.by, answering),),
        )
    return _close(round_, now)


def _cancel(round_: Round, event: ev.RoundCancelled, now: datetime) -> Decision:
    if not round_.is_facilitator(event.by):
        return _reject(round_, event.by, fx.Rejection.NOT_FACILITATOR)
    return _close(round_, now, cancelled=True)


def _answer_started(round_: Round, event: ev.AnswerStarted) -> Decision:
    """Remember who is answering; nobody is told (the form itself is the response)."""
    if round_.attendee(event.by) is None or round_.has_spoken(event.by):
        return Decision(round_)
    if event.by in round_.answering:
        return Decision(round_)
    return Decision(round_.evolve(answering=round_.answering | {event.by}))
