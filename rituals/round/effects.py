"""Instructions the engine gives; the application carries them out after its commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rituals.refs import UserRef
from rituals.round.state import RoundSummary


class Rejection(StrEnum):
    """Why an action was refused; the application turns each into words that say what to do."""

    ROUND_CLOSED = "round_closed"
    NOT_FACILITATOR = "not_facilitator"
    NOT_ATTENDEE = "not_attendee"
    NOT_IN_ROUND = "not_in_round"
    ALREADY_ATTENDING = "already_attending"
    ALREADY_ANSWERED = "already_answered"
    NOTHING_TO_EDIT = "nothing_to_edit"
    UNKNOWN_CLAUSE = "unknown_clause"
    INVALID_TEXT = "invalid_text"
    NO_ATTENDEES = "no_attendees"
    ALREADY_RUNNING = "already_running"
    NO_CURRENT_TURN = "no_current_turn"
    INVALID_ORDER = "invalid_order"
    ANSWER_TOO_LATE = "answer_too_late"
    CHANGE_TOO_LATE = "change_too_late"
    WITHDRAWN = "withdrawn"
    NO_REFLECTION = "no_reflection"


@dataclass(frozen=True, slots=True)
class RoundOpened:
    """Post the round's header in its conversation (with "I'm here" while gathering)."""

    round_id: str
    gathering: bool


@dataclass(frozen=True, slots=True)
class RoundStatusChanged:
    """Refresh the header: who has spoken, whose turn it is."""

    round_id: str


@dataclass(frozen=True, slots=True)
class PromptAttendee:
    """Ask `person`, by mention, what they learned and what they especially valued."""

    round_id: str
    person: UserRef
    turn_no: int
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class ReflectionRecorded:
    """Acknowledge privately; `early` when they answered before being asked."""

    round_id: str
    person: UserRef
    early: bool
    edited: bool


@dataclass(frozen=True, slots=True)
class WithdrawalConfirmed:
    """Tell `person` privately that their reflection is withdrawn."""

    round_id: str
    person: UserRef


@dataclass(frozen=True, slots=True)
class VisibilityChanged:
    """Tell the facilitator `to` that `person`'s reflection is now hidden (or shown)."""

    round_id: str
    to: UserRef
    person: UserRef
    hidden: bool
    changed: bool = True
    """False when it was so already (nothing changed, so its author is not told again)."""


@dataclass(frozen=True, slots=True)
class SummaryChanged:
    """A reflection of a closed round changed: redraw the summary already posted."""

    round_id: str


@dataclass(frozen=True, slots=True)
class TurnLapsed:
    """Tell `person` privately that the round moved on without them; they may still answer."""

    round_id: str
    person: UserRef
    outcome: str


@dataclass(frozen=True, slots=True)
class EveryoneAsked:
    """Tell the facilitators that all turns are done and who may still answer."""

    round_id: str
    facilitators: tuple[UserRef, ...]
    waiting_on: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class PostSummary:
    round_id: str
    summary: RoundSummary


@dataclass(frozen=True, slots=True)
class NothingShared:
    """The round closed with no reflection: nothing goes to the channel; the facilitators
    are told privately."""

    round_id: str
    facilitators: tuple[UserRef, ...]
    answering: tuple[UserRef, ...] = ()
    """Cut off mid-answer: what they send within the grace period will still be posted."""


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """Confirm a reorder to the facilitator who made it, with who speaks next."""

    round_id: str
    to: UserRef
    order: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class EndNeedsConfirming:
    """`to` asked to end the round while `answering` are mid-answer: ask them to confirm."""

    round_id: str
    to: UserRef
    answering: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class AnswerCutOff:
    """The round ended while `person` was answering: their answer is kept until `keep_until`."""

    round_id: str
    person: UserRef
    keep_until: datetime


@dataclass(frozen=True, slots=True)
class LateReflectionKept:
    """An answer begun before the end and submitted within the grace period: add it to what
    the round shared."""

    round_id: str
    person: UserRef


@dataclass(frozen=True, slots=True)
class CancelledQuietly:
    """The round was cancelled: no summary; the facilitators are told privately."""

    round_id: str
    facilitators: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    """Tell only `to` why their action did nothing; `detail` adds specifics (e.g. a text
    limit) and `field` names the answer field at fault, if any."""

    to: UserRef
    reason: Rejection
    detail: str = ""
    field: str = ""
    about: UserRef | None = None
    """The person the refusal is about (someone named who is not in the round)."""


RoundEffect = (
    RoundOpened
    | RoundStatusChanged
    | PromptAttendee
    | ReflectionRecorded
    | WithdrawalConfirmed
    | VisibilityChanged
    | SummaryChanged
    | TurnLapsed
    | EveryoneAsked
    | PostSummary
    | NothingShared
    | OrderChanged
    | EndNeedsConfirming
    | AnswerCutOff
    | LateReflectionKept
    | CancelledQuietly
    | Rejected
)
