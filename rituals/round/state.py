"""The state of one reflection round: who attends, who has spoken, whose turn it is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

from rituals.compact import OrderPolicy
from rituals.reflection import Reflection
from rituals.refs import ConversationRef, UserRef


class RoundStatus(StrEnum):
    GATHERING = "gathering"
    RUNNING = "running"
    CLOSED = "closed"


class TurnOutcome(StrEnum):
    ANSWERED = "answered"
    PASSED = "passed"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True, slots=True)
class Attendee:
    """A person in the round, with the organisation they speak for (None: not yet known) and
    the name they had when they joined, so showing the round needs no look-up of people."""

    user: UserRef
    organisation_id: str | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """One prompt of one person; `outcome` is None while the turn is in progress."""

    number: int
    person: UserRef
    started_at: datetime
    deadline: datetime | None
    outcome: TurnOutcome | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Round:
    """A closing reflection round, immutable: every event yields a new value."""

    id: str
    conversation: ConversationRef
    started_by: UserRef
    facilitators: frozenset[UserRef]
    status: RoundStatus
    order: OrderPolicy
    seed: int
    turn_timeout: timedelta | None
    clause_ids: frozenset[str]
    opened_at: datetime
    attendees: tuple[Attendee, ...] = ()
    queue: tuple[UserRef, ...] = ()
    turns: tuple[Turn, ...] = ()
    reflections: tuple[Reflection, ...] = ()
    passed: frozenset[UserRef] = frozenset()
    closed_at: datetime | None = None
    answering: frozenset[UserRef] = frozenset()
    """Who has opened the answer form (or begun a line-by-line answer) in this round."""
    end_asked: bool = False
    """The facilitator was warned that someone is mid-answer; the next "end" ends it."""
    cancelled: bool = False
    """Closed by `/compact cancel`: started by mistake, so no summary was posted."""

    def evolve(self, **changes: object) -> Round:
        """A copy with `changes`; like `dataclasses.replace`, at a third of its cost (the
        engine makes one or two per event, and it is the engine's hottest line)."""
        copy = object.__new__(Round)
        set_slot = object.__setattr__
        for name in _ROUND_FIELDS:
            set_slot(copy, name, changes.pop(name) if name in changes else getattr(self, name))
        if changes:
            raise TypeError(f"Round has no fields {sorted(changes)}")
        return copy

    @property
    def current_turn(self) -> Turn | None:
        if self.turns and self.turns[-1].outcome is None:
            return self.turns[-1]
        return None

    @property
    def is_closed(self) -> bool:
        return self.status is RoundStatus.CLOSED

    def attendee(self, user: UserRef) -> Attendee | None:
        return next((a for a in self.attendees if a.user == user), None)

    def reflection_of(self, user: UserRef) -> Reflection | None:
        return next((r for r in self.reflections if r.author == user), None)

    def is_facilitator(self, user: UserRef) -> bool:
        return user in self.facilitators

    def has_spoken(self, user: UserRef) -> bool:
        """Answered or passed: either way they are not asked again."""
        return user in self.passed or self.reflection_of(user) is not None

    def mid_answer(self) -> tuple[UserRef, ...]:
        """Attendees who began answering and have neither answered nor passed yet."""
        return tuple(
            a.user
            for a in self.attendees
            if a.user in self.answering and not self.has_spoken(a.user)
        )

    def speaking_order(self) -> tuple[UserRef, ...]:
        """Everyone in the order they speak: those already asked (in turn order), the queue,
        then anyone never asked (they answered early, or were skipped before their turn)."""
        asked = [t.person for t in self.turns]
        order = list(dict.fromkeys([*asked, *self.queue]))
        order.extend(a.user for a in self.attendees if a.user not in order)
        return tuple(order)

    def waiting_on(self) -> tuple[UserRef, ...]:
        """Attendees who have neither answered nor passed, in attendee order."""
        spoken = self.passed.union(r.author for r in self.reflections)
        return tuple(a.user for a in self.attendees if a.user not in spoken)

    def summary(self) -> RoundSummary:
        """What the round shares: withdrawn and hidden reflections left out."""
        shown = tuple(r for r in self.reflections if r.shown)
        cited = [cid for r in shown for cid in r.clause_ids]
        celebrated = Counter(cited)
        first_seen: dict[str, int] = {}
        for position, cid in enumerate(cited):
            first_seen.setdefault(cid, position)
        ranked = sorted(celebrated.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
        return RoundSummary(
            round_id=self.id,
            reflections=shown,
            passed=tuple(a.user for a in self.attendees if a.user in self.passed),
            not_heard=self.waiting_on(),
            celebrated=tuple(ranked),
        )


_ROUND_FIELDS = tuple(f.name for f in fields(Round))


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """What the round produced: every reflection, who passed, and the clauses celebrated."""

    round_id: str
    reflections: tuple[Reflection, ...]
    passed: tuple[UserRef, ...]
    not_heard: tuple[UserRef, ...]
    celebrated: tuple[tuple[str, int], ...]
