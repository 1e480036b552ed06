"""The `state` JSON of a round row, mapped field by field: the snapshot a `Round` is rebuilt
from (why one document, and its format rules, in docs/architecture.md, "Storage")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from rituals.compact import OrderPolicy
from rituals.reflection import Reflection
from rituals.refs import ConversationRef, UserRef
from rituals.round.state import Attendee, Round, RoundStatus, Turn, TurnOutcome

FORMAT: Final = 1


def user_to_json(user: UserRef) -> list[str]:
    return [user.platform, user.tenant, user.user_id]


def user_from_json(value: list[str]) -> UserRef:
    platform, tenant, user_id = value
    return UserRef(platform, tenant, user_id)


def moment_to_json(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        # Guessing a zone would shift stored history by hours; refuse, like `UtcDateTime`.
        raise ValueError(f"refusing to store a naive datetime: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def moment_from_json(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"stored moment {value!r} has no offset")
    return moment.astimezone(UTC)


def _optional_moment_to_json(moment: datetime | None) -> str | None:
    return None if moment is None else moment_to_json(moment)


def _optional_moment_from_json(value: str | None) -> datetime | None:
    return None if value is None else moment_from_json(value)


def round_to_json(round_: Round) -> dict[str, Any]:
    """The snapshot of `round_`: every field that is not a column of its row."""
    timeout = round_.turn_timeout
    return {
        "format": FORMAT,
        "started_by": user_to_json(round_.started_by),
        "facilitators": [user_to_json(u) for u in sorted(round_.facilitators)],
        "order": round_.order.value,
        "seed": round_.seed,
        # Seconds as a float keep sub-second timeouts (tests use them) exact to the µs.
        "turn_timeout_seconds": None if timeout is None else timeout.total_seconds(),
        "clause_ids": sorted(round_.clause_ids),
        "attendees": [
            {"user": user_to_json(a.user), "organisation_id": a.organisation_id, "name": a.name}
            for a in round_.attendees
        ],
        "queue": [user_to_json(u) for u in round_.queue],
        "turns": [_turn_to_json(t) for t in round_.turns],
        "reflections": [reflection_to_json(r) for r in round_.reflections],
        "passed": [user_to_json(u) for u in sorted(round_.passed)],
        # Added later (issue 13): absent from older snapshots, read with a default.
        "answering": [user_to_json(u) for u in sorted(round_.answering)],
        "end_asked": round_.end_asked,
        "cancelled": round_.cancelled,
    }


def round_from_json(
    state: dict[str, Any],
    *,
    id: str,
    conversation: ConversationRef,
    status: RoundStatus,
    opened_at: datetime,
    closed_at: datetime | None,
) -> Round:
    """The round whose snapshot is `state`, given the fields its row keeps as columns."""
    _check_format(state)
    seconds = state["turn_timeout_seconds"]
    return Round(
        id=id,
        conversation=conversation,
        started_by=user_from_json(state["started_by"]),
        facilitators=frozenset(user_from_json(u) for u in state["facilitators"]),
        status=status,
        order=OrderPolicy(state["order"]),
        seed=int(state["seed"]),
        turn_timeout=None if seconds is None else timedelta(seconds=seconds),
        clause_ids=frozenset(str(c) for c in state["clause_ids"]),
        opened_at=opened_at,
        attendees=_attendees(state),
        queue=tuple(user_from_json(u) for u in state["queue"]),
        turns=tuple(_turn_from_json(t) for t in state["turns"]),
        reflections=tuple(reflection_from_json(r) for r in state["reflections"]),
        passed=frozenset(user_from_json(u) for u in state["passed"]),
        closed_at=closed_at,
        answering=frozenset(user_from_json(u) for u in state.get("answering", ())),
        end_asked=bool(state.get("end_asked", False)),
        cancelled=bool(state.get("cancelled", False)),
    )


def attendees_from_json(state: dict[str, Any]) -> tuple[Attendee, ...]:
    """Only the attendees of a snapshot (a report over many rounds needs nothing else)."""
    _check_format(state)
    return _attendees(state)


def reflection_to_json(reflection: Reflection) -> dict[str, Any]:
    return {
        "author": user_to_json(reflection.author),
        "organisation_id": reflection.organisation_id,
        "learned": reflection.learned,
        "valued": reflection.valued,
        # The author's order, not sorted: it is how they listed what they valued.
        "clause_ids": list(reflection.clause_ids),
        "submitted_at": moment_to_json(reflection.submitted_at),
        "turn_no": reflection.turn_no,
        "edited_at": _optional_moment_to_json(reflection.edited_at),
        "withdrawn_at": _optional_moment_to_json(reflection.withdrawn_at),
        "hidden_at": _optional_moment_to_json(reflection.hidden_at),
    }


def reflection_from_json(value: dict[str, Any]) -> Reflection:
    return Reflection(
        author=user_from_json(value["author"]),
        organisation_id=value["organisation_id"],
        learned=value["learned"],
        valued=value["valued"],
        clause_ids=tuple(str(c) for c in value["clause_ids"]),
        submitted_at=moment_from_json(value["submitted_at"]),
        turn_no=value["turn_no"],
        edited_at=_optional_moment_from_json(value["edited_at"]),
        # Absent from snapshots saved before reflections could be withdrawn or hidden.
        withdrawn_at=_optional_moment_from_json(value.get("withdrawn_at")),
        hidden_at=_optional_moment_from_json(value.get("hidden_at")),
    )


def _check_format(state: dict[str, Any]) -> None:
    if state.get("format") != FORMAT:
        raise ValueError(f"unknown round state format {state.get('format')!r}")


def _attendees(state: dict[str, Any]) -> tuple[Attendee, ...]:
    return tuple(
        Attendee(user_from_json(a["user"]), a["organisation_id"], a["name"])
        for a in state["attendees"]
    )


def _turn_to_json(turn: Turn) -> dict[str, Any]:
    return {
        "number": turn.number,
        "person": user_to_json(turn.person),
        "started_at": moment_to_json(turn.started_at),
        "deadline": _optional_moment_to_json(turn.deadline),
        "outcome": None if turn.outcome is None else turn.outcome.value,
        "ended_at": _optional_moment_to_json(turn.ended_at),
    }


def _turn_from_json(value: dict[str, Any]) -> Turn:
    outcome = value["outcome"]
    return Turn(
        number=value["number"],
        person=user_from_json(value["person"]),
        started_at=moment_from_json(value["started_at"]),
        deadline=_optional_moment_from_json(value["deadline"]),
        outcome=None if outcome is None else TurnOutcome(outcome),
        ended_at=_optional_moment_from_json(value["ended_at"]),
    )
