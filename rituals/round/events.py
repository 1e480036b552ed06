"""What can happen to a round, each named for what happened.

Buttons carry the turn number they were shown for (`turn_no`), so a click that arrives after
the round has moved on is recognised as stale and ignored rather than applied to the next turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rituals.compact import OrderPolicy
from rituals.refs import ConversationRef, UserRef
from rituals.round.state import Attendee


@dataclass(frozen=True, slots=True)
class RoundStartRequested:
    """`/compact reflect [@people]`: no attendees means gather them first."""

    round_id: str
    conversation: ConversationRef
    by: UserRef
    attendees: tuple[Attendee, ...]
    facilitators: frozenset[UserRef]
    order: OrderPolicy
    seed: int
    turn_timeout: timedelta | None
    clause_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class AttendeeJoined:
    """ "I'm here" (by == attendee.user) or a facilitator adding someone, early or late."""

    by: UserRef
    attendee: Attendee


@dataclass(frozen=True, slots=True)
class RoundBegun:
    """The facilitator ends the gathering step and the first person is prompted."""

    by: UserRef


@dataclass(frozen=True, slots=True)
class ReflectionSubmitted:
    by: UserRef
    learned: str
    valued: str
    clause_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReflectionEdited:
    by: UserRef
    learned: str
    valued: str
    clause_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReflectionWithdrawn:
    """The author takes their reflection back: its words are erased (until 24 hours after
    the round closes, like an edit)."""

    by: UserRef


@dataclass(frozen=True, slots=True)
class ReflectionHidden:
    """A facilitator hides `person`'s reflection from the summary and the digest (or, with
    `hidden` False, shows it again); it is kept for the record."""

    by: UserRef
    person: UserRef
    hidden: bool = True


@dataclass(frozen=True, slots=True)
class TurnPassed:
    by: UserRef
    turn_no: int | None = None


@dataclass(frozen=True, slots=True)
class TurnSkipped:
    """The facilitator skips `person` (None: whoever's turn it is)."""

    by: UserRef
    person: UserRef | None = None
    turn_no: int | None = None


@dataclass(frozen=True, slots=True)
class NextTurnRequested:
    """The facilitator moves on from the current turn (e.g. it was answered aloud)."""

    by: UserRef
    turn_no: int | None = None


@dataclass(frozen=True, slots=True)
class QueueReordered:
    """The facilitator sets the order of those still waiting."""

    by: UserRef
    order: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class TurnTimedOut:
    """A turn's deadline passed; carries the turn number so a late timer is harmless."""

    turn_no: int


@dataclass(frozen=True, slots=True)
class RoundEnded:
    by: UserRef


@dataclass(frozen=True, slots=True)
class AnswerStarted:
    """`by` opened the answer form (or began answering line by line): ending the round now
    would cut them off, so the facilitator is asked to confirm."""

    by: UserRef


@dataclass(frozen=True, slots=True)
class RoundCancelled:
    """`/compact cancel`: a round started by mistake is closed without a summary."""

    by: UserRef


RoundEvent = (
    RoundStartRequested
    | AttendeeJoined
    | RoundBegun
    | ReflectionSubmitted
    | ReflectionEdited
    | ReflectionWithdrawn
    | ReflectionHidden
    | TurnPassed
    | TurnSkipped
    | NextTurnRequested
    | QueueReordered
    | TurnTimedOut
    | RoundEnded
    | AnswerStarted
    | RoundCancelled
)
