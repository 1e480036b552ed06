"""Numbers with their nouns, so no message says "1 round(s)"."""

from __future__ import annotations


def count(n: int, forms: tuple[str, str]) -> str:
    """`n` with the noun's singular or plural form: "1 round", "0 rounds", "2 rounds"."""
    return f"{n} {forms[0] if n == 1 else forms[1]}"
