"""The closing reflection round: state, events, effects and the pure `decide` function."""

from rituals.round.effects import Rejection, RoundEffect
from rituals.round.engine import CHANGE_WINDOW, Decision, change_refused, decide
from rituals.round.events import RoundEvent
from rituals.round.state import Attendee, Round, RoundStatus, RoundSummary, Turn, TurnOutcome

__all__ = [
    "CHANGE_WINDOW",
    "Attendee",
    "Decision",
    "Rejection",
    "Round",
    "RoundEffect",
    "RoundEvent",
    "RoundStatus",
    "RoundSummary",
    "Turn",
    "TurnOutcome",
    "change_refused",
    "decide",
]
