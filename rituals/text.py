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
