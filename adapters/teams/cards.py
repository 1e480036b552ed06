"""Neutral messages and forms as Adaptive Cards, within what Teams accepts: pure, no SDK
objects (the limits and why, in docs/teams.md, "Inside adapters/teams")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot import actions, words
from bot import messages as m

CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION: Final = "1.5"
MAX_ACTIVITY_BYTES: Final = 28 * 1024  # UTF-16, as Teams measures a message
TEXT_PIECE: Final = 3000  # characters per TextBlock; keeps any one element far below the cap
LABEL_CHARS: Final = 80
# Teams shows six buttons of a row; a seventh and later hide in an overflow menu (or, on
# older clients, not at all), so a longer row is sent as several rows of six.
ACTIONS_PER_SET: Final = 6
KIND: Final = "compact"  # the key in a button's data that says it is ours
KIND_ACTION: Final = "action"
KIND_FORM: Final = "form"
FIELD_PREFIX: Final = "field."
YES: Final = "yes"
NO: Final = "no"
ZERO_WIDTH_SPACE: Final = "\u200b"
DEFAULT_COMMAND_PREFIX: Final = "@Compact"

Json = dict[str, Any]

_COMMAND = re.compile(r"/compact\b ?")
# A markdown link or reference needs "](" / "][" / "]:" adjacent; a mention or autolink "<".
_LINKISH = re.compile(r"\]([(\[:])")


def neutralise(text: str) -> str:
    """Text that Teams shows as typed but cannot read as markup.

    A zero-width space after every `<` stops `<at>name</at>` (a forged mention: Teams turns
    any `<at>` text that matches a mention entity on the card into a real one) and `<https://…>`
    autolinks; one between `]` and `(`, `[` or `:` stops markdown links and references. The
    visible text is unchanged, so people's words are shown exactly as they wrote them.
    """
    return _LINKISH.sub("]" + ZERO_WIDTH_SPACE + r"\1", text.replace("<", "<" + ZERO_WIDTH_SPACE))


def utf16_size(payload: Mapping[str, Any]) -> int:
    """The size Teams checks against its message limit (the JSON payload in UTF-16)."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


@dataclass
class _Piece:
    """One body element and the mention entities it needs."""

    element: Json
    entities: list[Json] = field(default_factory=list)

    def size(self) -> int:
        return utf16_size({"e": self.element, "m": self.entities})


@dataclass(frozen=True, slots=True)
class Renderer:
    """Renders neutral messages; `command_prefix` is how people address the bot in Teams, so
    the bot's words say `@Compact reflect` where Slack's say `/compact reflect`."""

    command_prefix: str = DEFAULT_COMMAND_PREFIX

    # --- messages -----------------------------------------------------------------------
    def activities(self, message: m.Message) -> list[Json]:
        """The message as one or more message activities, each within Teams' size limit."""
        pieces = self._pieces(message)
        summary = self._summary(message)
        if not pieces:
            pieces = [_Piece(_text_block(summary))]
        batches: list[list[_Piece]] = [[]]
        budget = MAX_ACTIVITY_BYTES - utf16_size(self._activity([], summary)) - 512
        used = 0
        for piece in pieces:
            size = piece.size()
            if batches[-1] and used + size > budget:
                batches.append([])
                used = 0
            batches[-1].append(piece)
            used += size
        return [self._activity(batch, summary) for batch in batches]

    def activity(self, message: m.Message) -> Json:
        """The message as exactly one activity (an update replaces one message): elements
        that do not fit are left out, with a note saying so; buttons are always kept."""
        pieces = self._pieces(message) or [_Piece(_text_block(self._summary(message)))]
        summary = self._summary(message)
        kept_actions = [p for p in pieces if p.element.get("type") == "ActionSet"]
        note = _Piece(_text_block(words.TEAMS_CARD_TOO_LONG, isSubtle=True))
        budget = (
            MAX_ACTIVITY_BYTES
            - utf16_size(self._activity([], summary))
            - sum(p.size() for p in kept_actions)
            - note.size()
            - 512
        )
        body: list[_Piece] = []
        used = 0
        shortened = False
        for piece in pieces:
            if piece in kept_actions:
                continue
            size = piece.size()
            if used + size > budget:
                shortened = True
                break
            body.append(piece)
            used += size
        if shortened:
            body.append(note)
        # Buttons go back where they were: after the text they belong to.
        return self._activity([*body, *kept_actions], summary)

    def _activity(self, pieces: list[_Piece], summary: str) -> Json:
        entities: list[Json] = []
        for piece in pieces:
            for entity in piece.entities:
                if entity not in entities:
                    entities.append(entity)
        card: Json = {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "fallbackText": summary,
            "body": [piece.element for piece in pieces],
            "msteams": {"width": "Full"},
        }
        if entities:
            card["msteams"]["entities"] = entities
        return {
            "type": "message",
            "summary": summary,
            "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
        }

    def _summary(self, message: m.Message) -> str:
        # The summary may hold people's words (see `Message`): neutralised like the rest.
        return self._bot_words(message.summary)

    def _bot_words(self, text: str) -> str:
        return _COMMAND.sub(self.command_prefix + " ", neutralise(text))

    def _pieces(self, message: m.Message) -> list[_Piece]:
        pieces: list[_Piece] = []
        separate = False
        for block in message.blocks:
            if isinstance(block, m.Divider):
                separate = True
                continue
            made = self._block(block)
            if made and separate:
                made[0].element.update(separator=True, spacing="Medium")
                separate = False
            pieces.extend(made)
        return pieces

    def _block(self, block: m.Block) -> list[_Piece]:
        match block:
            case m.Heading(text=text):
                heading = _text_block(
                    self._bot_words(text), size="Large", weight="Bolder", style="heading"
                )
                return [_Piece(heading)]
            case m.Paragraph(parts=parts):
                return self._texts(parts)
            case m.BulletList(items=items):
                pieces: list[_Piece] = []
                for item in items:
                    pieces.extend(self._texts(("• ", *item), spacing="Small"))
                return pieces
            case m.Actions(buttons=buttons):
                made = [self._button(b) for b in buttons]
                return [
                    _Piece({"type": "ActionSet", "actions": made[i : i + ACTIONS_PER_SET]})
                    for i in range(0, len(made), ACTIONS_PER_SET)
                ]
            case m.Chart():
                return [self._chart(block)]
            case m.Divider():  # pragma: no cover - handled by the caller
                return []
        raise TypeError(f"unknown block {block!r}")  # pragma: no cover

    def _texts(self, parts: Iterable[m.Inline], **style: Any) -> list[_Piece]:
        """Inline parts as TextBlocks, long text split so no element nears the size cap."""
        text, entities = self.inline(parts)
        chunks = [text[i : i + TEXT_PIECE] for i in range(0, len(text), TEXT_PIECE)] or [""]
        pieces = [_Piece(_text_block(chunk, **style)) for chunk in chunks]
        for piece in pieces:
            # Each piece declares the mentions its own text contains (a split may cut one off).
            piece.entities = [e for e in entities if e["text"] in piece.element["text"]]
        return pieces

    def inline(self, parts: Iterable[m.Inline]) -> tuple[str, list[Json]]:
        """Text with `<at>` mentions, and the mention entities that make them real."""
        out: list[str] = []
        entities: list[Json] = []
        for part in parts:
            if isinstance(part, m.Mention):
                name = neutralise(part.name or part.user.user_id).replace("\n", " ")
                tag = f"<at>{name}</at>"
                out.append(tag)
                entity = {
                    "type": "mention",
                    "text": tag,
                    "mentioned": {"id": part.user.user_id, "name": name},
                }
                if entity not in entities:
                    entities.append(entity)
            elif isinstance(part, m.UserText):
                text = neutralise(part.text)
                out.append(f"“{text}”" if part.quoted else text)
            else:
                out.append(self._bot_words(part))
        return "".join(out), entities

    def _button(self, button: m.Button) -> Json:
        data: Json = {KIND: KIND_ACTION, "action": button.action, "value": button.value}
        if button.action in actions.OPENS_FORM:
            # A dialog: the form opens for whoever pressed, nobody else sees it.
            data["msteams"] = {"type": "task/fetch"}
        action: Json = {
            "type": "Action.Submit",
            "title": _clip(self._bot_words(button.label), LABEL_CHARS),
            "data": data,
        }
        if button.style is m.ButtonStyle.PRIMARY:
            action["style"] = "positive"
        elif button.style is m.ButtonStyle.DANGER:
            action["style"] = "destructive"
        return action

    def _chart(self, chart: m.Chart) -> _Piece:
        """A table of the numbers (schema 1.5), falling back to monospace text."""
        header = ["", *(self._bot_words(s.name) for s in chart.series)]
        rows = [header] + [
            [self._bot_words(label), *(str(s.values[i]) for s in chart.series)]
            for i, label in enumerate(chart.labels)
        ]
        table: Json = {
            "type": "Table",
            "firstRowAsHeaders": True,
            "columns": [{"width": 2}] + [{"width": 1} for _ in chart.series],
            "rows": [
                {
                    "type": "TableRow",
                    "cells": [{"type": "TableCell", "items": [_text_block(cell)]} for cell in row],
                }
                for row in rows
            ],
            "fallback": _text_block(
                "\n".join("  ".join(f"{cell:>10}" for cell in row) for row in rows),
                fontType="Monospace",
            ),
        }
        title = _text_block(self._bot_words(chart.title), weight="Bolder")
        return _Piece({"type": "Container", "items": [title, table]})

    # --- forms ----------------------------------------------------------------------------
    def form_card(self, form: m.Form, *, errors: Mapping[str, str] | None = None) -> Json:
        """The form as a card: one input per field, each problem in red beside its field,
        and a submit button whose data says which form (and which round) it answers."""
        problems = dict(errors or {})
        body: list[Json] = [_text_block(self._bot_words(form.title), size="Large", weight="Bolder")]
        if form.intro:
            body.append(_text_block(self._bot_words(form.intro)))
        general = problems.pop("", None)
        if general:
            body.append(self._problem(general))
        for form_field in form.fields:
            body.append(self._input(form_field))
            if form_field.hint:
                body.append(
                    _text_block(
                        self._bot_words(form_field.hint),
                        isSubtle=True,
                        size="Small",
                        spacing="None",
                    )
                )
            if form_field.name in problems:
                body.append(self._problem(problems.pop(form_field.name)))
        for leftover in problems.values():
            body.append(self._problem(leftover))
        submit: Json = {
            "type": "Action.Submit",
            "title": _clip(self._bot_words(form.submit_label), LABEL_CHARS),
            "style": "positive",
            "data": {
                KIND: KIND_FORM,
                "form": form.form_id,
                "context": dict(form.context),
                # The form travels with its answers, so any replica can show it again with
                # its problems beside the fields, without keeping open forms in memory.
                "spec": form_spec(form),
            },
        }
        return {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "fallbackText": self._bot_words(form.title),
            "body": body,
            "actions": [submit],
        }

    def form_activity(self, form: m.Form, *, errors: Mapping[str, str] | None = None) -> Json:
        """The form as a message (a personal chat has no dialogs to open without a click)."""
        card = self.form_card(form, errors=errors)
        return {
            "type": "message",
            "summary": self._bot_words(form.title),
            "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
        }

    def form_dialog(self, form: m.Form, *, errors: Mapping[str, str] | None = None) -> Json:
        """The answer to `task/fetch` (or to a `task/submit` with problems): the form in a
        dialog, which only the person who pressed the button sees."""
        return {
            "task": {
                "type": "continue",
                "value": {
                    "title": _clip(self._bot_words(form.title), LABEL_CHARS),
                    "width": "medium",
                    "card": {
                        "contentType": CARD_CONTENT_TYPE,
                        "content": self.form_card(form, errors=errors),
                    },
                },
            }
        }

    def dialog_message(self, text: str) -> Json:
        """A small dialog with a sentence instead of a form."""
        return {"task": {"type": "message", "value": _clip(self._bot_words(text), 500)}}

    def done_activity(self, title: str, text: str) -> Json:
        """What a submitted form card becomes, so it cannot be sent twice by mistake."""
        card: Json = {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "fallbackText": self._bot_words(text),
            "body": [
                _text_block(self._bot_words(title), weight="Bolder"),
                _text_block(self._bot_words(text)),
            ],
        }
        return {
            "type": "message",
            "summary": self._bot_words(text),
            "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
        }

    def _problem(self, text: str) -> Json:
        # Problems can quote what was typed (an unknown clause id): neutralised like any text.
        return _text_block(self._bot_words(text), color="Attention", spacing="Small")

    def _input(self, form_field: m.FormField) -> Json:
        base: Json = {
            "id": FIELD_PREFIX + form_field.name,
            "label": self._bot_words(form_field.label),
            "isRequired": form_field.required,
        }
        if form_field.required:
            # Teams shows it beside the input when the card is sent without it.
            base["errorMessage"] = self._bot_words(m.missing_answer(form_field))
        initial = form_field.initial
        match form_field.kind:
            case m.FieldKind.TEXT:
                element: Json = {"type": "Input.Text", **base, "isMultiline": form_field.multiline}
                if form_field.max_length:
                    element["maxLength"] = form_field.max_length
                if isinstance(initial, str) and initial:
                    element["value"] = initial
                return element
            case m.FieldKind.YES_NO:
                element = {
                    "type": "Input.ChoiceSet",
                    **base,
                    "style": "expanded",
                    "choices": [{"title": "Yes", "value": YES}, {"title": "No", "value": NO}],
                }
                if initial in (YES, NO):
                    element["value"] = initial
                return element
            case _:
                chosen = [initial] if isinstance(initial, str) and initial else list(initial)
                element = {
                    "type": "Input.ChoiceSet",
                    **base,
                    "style": "compact",
                    "isMultiSelect": form_field.kind is m.FieldKind.MULTI_CHOICE,
                    "choices": [
                        {"title": _clip(self._bot_words(c.label), 200), "value": c.value}
                        for c in form_field.choices
                    ],
                }
                if chosen:
                    element["value"] = ",".join(chosen)
                return element


def form_spec(form: m.Form) -> Json:
    """A form's fields as JSON (see `form_from_spec`)."""
    return {
        "title": form.title,
        "submit": form.submit_label,
        "intro": form.intro,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind.value,
                "required": f.required,
                "max": f.max_length,
                "multiline": f.multiline,
                "hint": f.hint,
                "choices": [[c.value, c.label, c.group] for c in f.choices],
            }
            for f in form.fields
        ],
    }


def form_from_spec(
    form_id: str,
    context: Mapping[str, str],
    spec: Any,
    answers: Mapping[str, str | tuple[str, ...]],
) -> m.Form | None:
    """The form a submission came from, with the answers as its values again; None when
    the spec is not one of ours (it comes back from the client, so it is checked)."""
    try:
        fields = tuple(
            m.FormField(
                name=str(f["name"]),
                label=str(f["label"]),
                kind=m.FieldKind(f["kind"]),
                required=bool(f["required"]),
                max_length=int(f["max"]) if f["max"] is not None else None,
                multiline=bool(f["multiline"]),
                hint=str(f["hint"]),
                choices=tuple(m.Choice(str(v), str(label), str(g)) for v, label, g in f["choices"]),
                initial=_answer(answers.get(str(f["name"]), ""), m.FieldKind(f["kind"])),
            )
            for f in spec["fields"]
        )
        return m.Form(
            form_id=form_id,
            title=str(spec["title"]),
            submit_label=str(spec["submit"]),
            fields=fields,
            context=dict(context),
            intro=str(spec["intro"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _answer(value: str | tuple[str, ...], kind: m.FieldKind) -> str | tuple[str, ...]:
    if kind is m.FieldKind.MULTI_CHOICE:
        parts = value if isinstance(value, tuple) else tuple(value.split(","))
        return tuple(part for part in parts if part)
    return value if isinstance(value, str) else ",".join(value)


def _text_block(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
