"""One form field answered on one console line: what to say when asking for it, and whether
the answer fits it (checked as it is typed, so a mistake is put right at once rather than
after the last field; the application still checks the whole form when it is submitted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.messages import Choice, FieldKind, FormField

YES_WORDS: Final = frozenset({"yes", "y", "on", "true"})
NO_WORDS: Final = frozenset({"no", "n", "off", "false"})
# A choice list longer than this is shown in part (the compact's clauses); shorter ones whole.
CHOICES_SHOWN: Final = 12
LIMIT_SHOWN_FROM: Final = 100
MIN_PREFIX: Final = 3
SEPARATORS: Final = re.compile(r"[\s,;]+")

Value = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Checked:
    """An answer read against its field: the value to submit (None: leave the field out),
    or the problem to tell the person."""

    value: Value | None = None
    problem: str = ""


def field_hint(form_field: FormField) -> str:
    """What goes after the field's label: the real choices, or the length limit."""
    if form_field.kind is FieldKind.YES_NO:
        return " [yes/no]"
    if form_field.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and form_field.choices:
        several = form_field.kind is FieldKind.MULTI_CHOICE
        return f" [{'any of' if several else 'one of'}: {_choices_shown(form_field.choices)}]"
    limit = form_field.max_length
    if limit is not None and limit >= LIMIT_SHOWN_FROM:
        return f" (up to {limit:,} characters)"
    return ""


def check(form_field: FormField, text: str) -> Checked:
    """`text` as an answer to `form_field`; an empty line keeps what was there, or skips."""
    if not text:
        if form_field.initial:
            return Checked(form_field.initial)
        if form_field.required:
            return Checked(problem="this one needs an answer.")
        return Checked()
    match form_field.kind:
        case FieldKind.YES_NO:
            return _yes_no(text)
        case FieldKind.CHOICE if {c.value for c in form_field.choices} == {"yes", "no"}:
            return _yes_no(text, choices=form_field.choices)
        case FieldKind.CHOICE:
            return _one_of(form_field.choices, text)
        case FieldKind.MULTI_CHOICE:
            return _some_of(form_field.choices, text)
    limit = form_field.max_length
    if limit is not None and len(text) > limit:
        return Checked(
            problem=f"that is {len(text):,} characters long; please keep it under {limit:,}."
        )
    return Checked(text)


def _yes_no(text: str, *, choices: tuple[Choice, ...] = ()) -> Checked:
    word = text.strip().lower()
    if word in YES_WORDS:
        return Checked("yes")
    if word in NO_WORDS:
        return Checked("no")
    if choices:
        return Checked(problem=f"'{text}' is not one of {_choices_shown(choices)}.")
    return Checked(problem=f"'{text}' is not an answer here: say yes or no.")


def _one_of(choices: tuple[Choice, ...], text: str) -> Checked:
    if not choices:
        return Checked(text)
    wanted = text.strip().lower()
    exact = [c for c in choices if wanted in (c.value.lower(), c.label.lower())]
    # A short list (weekdays, organisations) also takes a beginning: "thu", "nhs".
    starting = [c for c in choices if c.value.lower().startswith(wanted)]
    short = len(choices) <= CHOICES_SHOWN and len(wanted) >= MIN_PREFIX
    found = exact or (starting if short and len(starting) == 1 else [])
    if found:
        return Checked(found[0].value)
    return Checked(problem=f"'{text}' is not one of {_choices_shown(choices)}.")


def _some_of(choices: tuple[Choice, ...], text: str) -> Checked:
    """Ids in any case, separated by spaces, commas or semicolons. Ids that are not among the
    choices go on as typed: the application names them all when the form is submitted."""
    by_id = {c.value.lower(): c.value for c in choices}
    given = [part for part in SEPARATORS.split(text) if part]
    return Checked(tuple(dict.fromkeys(by_id.get(part.lower(), part) for part in given)))


def _choices_shown(choices: tuple[Choice, ...]) -> str:
    shown = [_choice(c) for c in choices[:CHOICES_SHOWN]]
    if len(choices) > CHOICES_SHOWN:
        return ", ".join(c.value for c in choices[:8]) + ", … (/compact show lists them all)"
    return ", ".join(shown)


def _choice(choice: Choice) -> str:
    if choice.label.lower() == choice.value.lower() or not choice.label:
        return choice.label or choice.value
    return f"{choice.value} ({choice.label})"
