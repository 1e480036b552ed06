"""The `state` JSON of a round row: every part of a `Round` that is not a column or child row.

Turns and reflections are rows of their own (the digest and export query them, and a save
only appends or updates them); the rest of the round (who attends, who facilitates, the
queue, who passed, ordering settings) is small, always read whole, and kept here. Sets are
written sorted so that equal rounds give equal documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from rituals.compact import OrderPolicy
from rituals.refs import UserRef
from rituals.round.state import Attendee, Round

FORMAT: Final = 1


def user_to_json(user: UserRef) -> list[str]:
    return [user.platform, user.tenant, user.user_id]


def user_from_json(value: list[str]) -> UserRef:
    platform, tenant, user_id = value
    return UserRef(platform, tenant, user_id)


@dataclass(frozen=True, slots=True)
class RoundState:
    """The part of a `Round` stored as JSON in `rounds.state`."""

    started_by: UserRef
    facilitators: frozenset[UserRef]
    order: OrderPolicy
    seed: int
    turn_timeout: timedelta | None
    clause_ids: frozenset[str]
    attendees: tuple[Attendee, ...]
    queue: tuple[UserRef, ...]
    passed: frozenset[UserRef]

    @classmethod
    def of(cls, round_: Round) -> RoundState:
        return cls(
            started_by=round_.started_by,
            facilitators=round_.facilitators,
            order=round_.order,
            seed=round_.seed,
            turn_timeout=round_.turn_timeout,
            clause_ids=round_.clause_ids,
            attendees=round_.attendees,
            queue=round_.queue,
            passed=round_.passed,
        )

    def to_json(self) -> dict[str, Any]:
        timeout = self.turn_timeout
        return {
            "format": FORMAT,
            "started_by": user_to_json(self.started_by),
            "facilitators": [user_to_json(u) for u in sorted(self.facilitators)],
            "order": self.order.value,
            "seed": self.seed,
            # Seconds as a float keep sub-second timeouts (tests use them) exact to the µs.
            "turn_timeout_seconds": None if timeout is None else timeout.total_seconds(),
            "clause_ids": sorted(self.clause_ids),
            "attendees": [
                {"user": user_to_json(a.user), "organisation_id": a.organisation_id}
                for a in self.attendees
            ],
            "queue": [user_to_json(u) for u in self.queue],
            "passed": [user_to_json(u) for u in sorted(self.passed)],
        }

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> RoundState:
        if state.get("format") != FORMAT:
            raise ValueError(f"unknown round state format {state.get('format')!r}")
        seconds = state["turn_timeout_seconds"]
        return cls(
            started_by=user_from_json(state["started_by"]),
            facilitators=frozenset(user_from_json(u) for u in state["facilitators"]),
            order=OrderPolicy(state["order"]),
            seed=int(state["seed"]),
            turn_timeout=None if seconds is None else timedelta(seconds=seconds),
            clause_ids=frozenset(str(c) for c in state["clause_ids"]),
            attendees=tuple(
                Attendee(user_from_json(a["user"]), a["organisation_id"])
                for a in state["attendees"]
            ),
            queue=tuple(user_from_json(u) for u in state["queue"]),
            passed=frozenset(user_from_json(u) for u in state["passed"]),
        )
