"""Neutral action ids carried by buttons; each adapter maps them to its own widgets."""

from __future__ import annotations

from typing import Final

ROUND_JOIN: Final = "round.join"
ROUND_BEGIN: Final = "round.begin"
ROUND_ANSWER: Final = "round.answer"
ROUND_PASS: Final = "round.pass"
ROUND_SKIP: Final = "round.skip"
ROUND_NEXT: Final = "round.next"
ROUND_END: Final = "round.end"
ROUND_EDIT: Final = "round.edit"
ROUND_WITHDRAW: Final = "round.withdraw"
CALLOUT_DISCUSSED: Final = "callout.discussed"
CALLOUT_RESOLVE: Final = "callout.resolve"
CALLOUT_WITHDRAW: Final = "callout.withdraw"
CALLOUT_ASK: Final = "callout.ask"
CALLOUT_REPLY: Final = "callout.reply"
CHOOSE_ORGANISATION: Final = "person.organisation"
CLAIM_APPROVE: Final = "person.claim.approve"
CLAIM_DECLINE: Final = "person.claim.decline"
LINK_MOVE: Final = "channel.move"
REVIEW_DISCUSSED: Final = "review.discussed"
REVIEW_REVISED: Final = "review.revised"

FORM_REFLECTION: Final = "reflection"
FORM_REFLECTION_EDIT: Final = "reflection.edit"
FORM_CALLOUT: Final = "callout"
FORM_LEARNING_NOTE: Final = "callout.note"
FORM_CALLOUT_ASK: Final = "callout.ask"
FORM_CALLOUT_REPLY: Final = "callout.reply"
FORM_SETTINGS: Final = "settings"

# Buttons that only open a form: pressing one again (after closing the form) is legitimate,
# so adapters do not treat a repeat as a double-click.
OPENS_FORM: Final = frozenset(
    {ROUND_ANSWER, ROUND_EDIT, CALLOUT_DISCUSSED, CALLOUT_RESOLVE, CALLOUT_ASK, CALLOUT_REPLY}
)
# Commands that answer with a form (adapters whose forms need a platform token that expires
# in seconds, like Slack's `trigger_id`, hold a window open for them before any slow work).
COMMANDS_OPENING_FORM: Final = frozenset({"callout", "answer", "edit", "settings"})
# Commands that open a form only when given a call-out reference and nothing more
# (`/compact ask K7Q2XM`); with the text typed after it they act at once.
COMMANDS_OPENING_FORM_FOR_REF: Final = frozenset({"ask", "reply"})


def command_opens_form(words: tuple[str, ...]) -> bool:
    """Whether the command `words` (its word first) answers with a form."""
    word = words[0].lower() if words else ""
    return word in COMMANDS_OPENING_FORM or (
        word in COMMANDS_OPENING_FORM_FOR_REF and len(words) == 2
    )
