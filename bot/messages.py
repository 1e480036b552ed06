"""The one neutral message model every adapter renders (Block Kit, Adaptive Cards, terminal).

Text written by the bot (`str` segments) and text typed by people (`UserText`) are kept
apart on purpose: renderers escape `UserText` for their platform, so a reflection can never
ping `@channel`, forge a mention or inject a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot import words
from rituals.refs import UserRef


@dataclass(frozen=True, slots=True)
class Mention:
    """A person, rendered as a real mention where the platform has them (Teams needs `name`)."""

    user: UserRef
    name: str = ""


@dataclass(frozen=True, slots=True)
class UserText:
    """Words a person typed; always escaped by the renderer. `quoted` marks them off as
    someone's words (a reflection); off for messages that merely contain them (an error)."""

    text: str
    quoted: bool = True


Inline = str | Mention | UserText


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    parts: tuple[Inline, ...]

    @staticmethod
    def of(*parts: Inline) -> Paragraph:
        return Paragraph(tuple(parts))


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class Divider:
    pass


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A platform button; `action` is the neutral action id, `value` its argument."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A small bar chart (where a picture says it better); renderers draw it natively."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]


Block = Heading | Paragraph | BulletList | Divider | Actions | Chart


@dataclass(frozen=True, slots=True)
class Message:
    """A message: blocks for rich clients, `summary` as the plain fallback / notification text.

    `summary` may contain people's words: renderers escape all of it, not just `UserText`.
    """

    summary: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    group: str = ""


class FieldKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int | None = None
    multiline: bool = False
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    initial: str | tuple[str, ...] = ""


def hint_of(form_field: FormField) -> str:
    """What to type or choose: the field's own hint, else the expected format for its kind."""
    if form_field.hint:
        return form_field.hint
    if form_field.kind is FieldKind.TEXT:
        limit = form_field.max_length
        return words.FORM_HINT_TEXT_UP_TO.format(n=limit) if limit else words.FORM_HINT_TEXT
    return {
        FieldKind.CHOICE: words.FORM_HINT_CHOICE,
        FieldKind.MULTI_CHOICE: words.FORM_HINT_MULTI_CHOICE,
        FieldKind.YES_NO: words.FORM_HINT_YES_NO,
    }[form_field.kind]


def missing_answer(form_field: FormField) -> str:
    """What a required field left empty needs (a card's `errorMessage`)."""
    template = (
        words.FORM_REQUIRED_TEXT
        if form_field.kind is FieldKind.TEXT
        else words.FORM_REQUIRED_CHOICE
    )
    return template.format(label=form_field.label)


@dataclass(frozen=True, slots=True)
class Form:
    """A form to fill (a Slack modal, a Teams card, console prompts one line per field).

    `form_id` and `context` travel back with the submission so the application knows what
    the answers belong to (e.g. which round and turn).
    """

    form_id: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]
    context: dict[str, str] = field(default_factory=dict)
    intro: str = ""
