"""Builders shared by the round engine tests: people, a start event, and a replay helper."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from rituals.compact import OrderPolicy
from rituals.refs import ConversationRef, UserRef
from rituals.round import Decision, Round, decide
from rituals.round import events as ev
from rituals.round.state import Attendee

T0 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
CHANNEL = ConversationRef("console", "local", "partnership")
CLAUSES = frozenset({"env-r1", "env-h1", "exc-h1", "lead-h3"})


def person(name: str) -> UserRef:
    return UserRef("console", "local", name)


CHAIR = person("chair")
ORGS = {"alice": "nhsei", "bob": "northgate", "carol": "riverside", "dan": "northgate"}


def attendee(name: str) -> Attendee:
    return Attendee(person(name), ORGS.get(name, f"org-{name}"))


def start(
    *names: str,
    order: OrderPolicy = OrderPolicy.AS_GATHERED,
    timeout: timedelta | None = timedelta(minutes=5),
    seed: int = 7,
) -> ev.RoundStartRequested:
    return ev.RoundStartRequested(
        round_id="r1",
        conversation=CHANNEL,
        by=CHAIR,
        attendees=tuple(attendee(n) for n in names),
        facilitators=frozenset(),
        order=order,
        seed=seed,
        turn_timeout=timeout,
        clause_ids=CLAUSES,
    )


def play(
    events: Iterable[ev.RoundEvent], *, step: timedelta = timedelta(seconds=30)
) -> list[Decision]:
    """Feed events one after another, a little time apart; returns every decision."""
    decisions: list[Decision] = []
    current: Round | None = None
    now = T0
    for event in events:
        decision = decide(current, event, now)
        decisions.append(decision)
        current = decision.round
        now += step
    return decisions
