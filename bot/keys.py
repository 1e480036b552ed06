"""How strong `COMPACT_SECRET_KEY` must be, and a good one: it keys the reporters' hashes,
encrypts the Slack tokens and signs page links, so a guessable key undoes all three."""

from __future__ import annotations

import itertools
import secrets
import zlib
from typing import Final

MIN_KEY_BYTES: Final = 32
MIN_DISTINCT_BYTES: Final = 12
"""A 64-character hex key (the poorest alphabet anyone uses) all but always has 15 or 16."""
NEW_KEY_BYTES: Final = 48
HEX_DIGITS: Final = frozenset(b"0123456789abcdefABCDEF")

WAY_OUT: Final = (
    "make a new one with `compact-bot secret new`, then move the data onto it with "
    "`compact-bot secret rotate --old-key-file FILE` (FILE holding the old key) "
    "and set COMPACT_SECRET_KEY to the new one"
)


def new_secret_key() -> str:
    """48 random bytes, URL-safe base64 (64 characters): room to spare over 32."""
    return secrets.token_urlsafe(NEW_KEY_BYTES)


def weakness(key: bytes) -> str | None:
    """Why `key` is obviously weak, or None. A heuristic: it refuses short keys, keys of
    few characters and keys that repeat or count along, not every guessable one."""
    if len(key) < MIN_KEY_BYTES:
        return f"it is {len(key)} bytes long and must be at least {MIN_KEY_BYTES}"
    if len(key) < 2 * MIN_KEY_BYTES and all(c in HEX_DIGITS for c in key):
        return f"it is hex, 4 random bits a character, so it needs {2 * MIN_KEY_BYTES} of them"
    if len(set(key)) < MIN_DISTINCT_BYTES:
        return f"it uses only {len(set(key))} different characters"
    if _repeats_itself(key):
        return "it repeats a pattern"
    if _counts_along(key):
        return "it runs in sequences (like abcd or 1111)"
    return None


def weak_key_message(key: bytes) -> str | None:
    """The one-line start-up error for a weak configured key, or None when it will do."""
    why = weakness(key)
    if why is None:
        return None
    return f"COMPACT_SECRET_KEY is too weak ({why}): {WAY_OUT}."


def _repeats_itself(key: bytes) -> bool:
    """A short unit repeated (`abcabc...`), or text that compresses well."""
    for period in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i - period] for i in range(period, len(key))):
            return True
    return len(zlib.compress(key, 9)) < len(key) * 3 // 4


def _counts_along(key: bytes) -> bool:
    """Half the neighbouring characters or more equal or one apart (`aaaa`, `1234`); random
    hex has under a fifth."""
    steps = sum(abs(a - b) <= 1 for a, b in itertools.pairwise(key))
    return steps * 2 >= len(key) - 1
