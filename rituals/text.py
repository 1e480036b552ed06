"""Rules for free text people type, shared by every ritual so limits are the same everywhere.

Limits sit well inside the platforms' own (Slack section text 3,000 characters, modal input
3,000; Teams cards 28 KB) so an answer can always be echoed back in one block.
"""

from __future__ import annotations

from typing import Final

from rituals.errors import InvalidInput

MAX_ANSWER_CHARS: Final = 1500
MAX_NOTE_CHARS: Final = 2000
MAX_CLAUSES_PER_ANSWER: Final = 10


def clean_text(
    value: str | None, *, field: str, limit: int, required: bool, key: str | None = None
) -> str:
    """Trim `value` and check it against `limit`; empty optional text becomes ''.

    `field` is how people call it ("answer to what you learned"), `key` the form field.
    """
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"The {field} cannot be empty.", field=key)
        return ""
    if len(text) > limit:
        raise InvalidInput(
            f"The {field} is {len(text):,} characters long; please keep it under {limit:,}.",
            field=key,
        )
    return text


YES_WORDS: Final = frozenset({"yes", "y", "on", "true"})
NO_WORDS: Final = frozenset({"no", "n", "off", "false"})


def yes_or_no(value: str, *, key: str | None = None) -> bool:
    """A yes/no answer; anything else is refused with the choices (never taken as "no")."""
    word = value.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise InvalidInput(f"'{value.strip()}' is not an answer here: say yes or no.", field=key)
