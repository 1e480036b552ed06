"""Neutral messages and forms rendered as Block Kit, within Slack's limits.

Every string is escaped (`&`, `<`, `>`), the bot's own words included: Slack reads `<...>` as
a link, mention or `<!channel>`, and none of our words mean one. Mentions are the only
`<...>` this module writes. Limits come from Slack's Block Kit reference: 50 blocks a
message, 3,000 characters a section, 150 a header, 75 a button or option label, 24 a modal's
title and buttons, 100 options a select, 3,000 characters of private metadata.

Messages are built as plain Block Kit JSON (`render_json`, what is sent on every post): slack_sdk's
models validate on every `to_dict()`, a cost paid per message for limits already kept here;
`render` parses the same JSON into those models, so tests hold it to slack_sdk's validators.
"""

from __future__ import annotations

import json
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import messages as m
from bot import words

BLOCKS_PER_MESSAGE: Final = 50
BLOCKS_PER_VIEW: Final = 100
SECTION_CHARS: Final = 3000
HEADER_CHARS: Final = 150
LABEL_CHARS: Final = 75
MODAL_TEXT_CHARS: Final = 24
OPTIONS_PER_SELECT: Final = 100
FALLBACK_CHARS: Final = 40_000
YES: Final = "yes"
NO: Final = "no"


def escape(text: str) -> str:
    """Slack's three control characters, as its docs ask; nothing else needs escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline(parts: tuple[m.Inline, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, m.Mention):
            out.append(f"<@{part.user.user_id}>")
        elif isinstance(part, m.UserText):
            text = escape(part.text)
            out.append(f"“{text}”" if part.quoted else text)
        else:
            out.append(escape(part))
    return "".join(out)


def fallback_text(message: m.Message) -> str:
    """The notification / screen-reader text: the summary, escaped like everything else."""
    return _clip(escape(message.summary), FALLBACK_CHARS)


JsonBlock = dict[str, Any]


def render_json(message: m.Message) -> list[list[JsonBlock]]:
    """The message as one or more lists of Block Kit blocks, each within one Slack message's
    limit (a long summary is posted as several messages rather than cut)."""
    blocks: list[JsonBlock] = []
    for block in message.blocks:
        blocks.extend(_json_blocks(block))
    if not blocks:
        blocks = [_section(fallback_text(message))]
    return [
        blocks[start : start + BLOCKS_PER_MESSAGE]
        for start in range(0, len(blocks), BLOCKS_PER_MESSAGE)
    ]


def render(message: m.Message) -> list[list[Block]]:
    """`render_json` as slack_sdk's models (their `to_dict()` checks Slack's limits)."""
    return [[_parsed(block) for block in chunk] for chunk in render_json(message)]


def _parsed(data: JsonBlock) -> Block:
    block = Block.parse(data)
    if block is None:  # pragma: no cover (every block type here is one slack_sdk knows)
        raise TypeError(f"slack_sdk does not know the block {data!r}")
    return block


def _json_blocks(block: m.Block) -> list[JsonBlock]:
    match block:
        case m.Heading(text=text):
            return [{"type": "header", "text": _plain(_clip(text, HEADER_CHARS))}]
        case m.Paragraph(parts=parts):
            return [_section(text) for text in _packed(inline(parts).splitlines() or [""])]
        case m.BulletList(items=items):
            return [_section(text) for text in _packed([f"• {inline(item)}" for item in items])]
        case m.Divider():
            return [{"type": "divider"}]
        case m.Actions(buttons=buttons):
            return [{"type": "actions", "elements": [_json_button(b) for b in buttons[:25]]}]
        case m.Chart():
            return [_section(text) for text in _packed(_chart_lines(block))]
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def _plain(text: str) -> JsonBlock:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> JsonBlock:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _json_button(button: m.Button) -> JsonBlock:
    element: JsonBlock = {
        "type": "button",
        "text": _plain(_clip(button.label, LABEL_CHARS)),
        "action_id": button.action,
        "value": button.value or button.action,
    }
    if button.style is not m.ButtonStyle.DEFAULT:
        element["style"] = button.style.value
    return element


def _sections(lines: list[str]) -> list[Block]:
    """Lines packed into sections (for forms, which stay slack_sdk models)."""
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in _packed(lines)]


def _packed(lines: list[str]) -> list[str]:
    """Lines packed into sections of at most 3,000 characters, split between lines."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        for piece in _pieces(line):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > SECTION_CHARS:
                chunks.append(current)
                candidate = piece
            current = candidate
    chunks.append(current or " ")
    return chunks


def _pieces(line: str) -> list[str]:
    return [line[i : i + SECTION_CHARS] for i in range(0, len(line), SECTION_CHARS)] or [""]


def _chart_lines(chart: m.Chart) -> list[str]:
    """Until charts are images, a small table keeps the numbers (monospace)."""
    rows = [f"{escape(chart.title)}", "```"]
    names = " ".join(f"{escape(series.name):>11}" for series in chart.series)
    rows.append(f"{'week':10} {names}")
    for i, label in enumerate(chart.labels):
        values = " ".join(f"{series.values[i]:>11}" for series in chart.series)
        rows.append(f"{escape(label):10} {values}")
    rows.append("```")
    return ["\n".join(rows)]


def modal(form: m.Form) -> View:
    """The form as a modal; `callback_id` is the form id and the context rides along in
    `private_metadata`, so the submission says what it answers."""
    blocks: list[Block] = []
    if form.intro:
        blocks.extend(_sections([escape(form.intro)]))
    blocks.extend(_input(field) for field in form.fields)
    metadata = json.dumps(form.context, separators=(",", ":"))
    if len(metadata) > 3000:
        raise ValueError("form context is too large for a modal's private metadata")
    return View(
        type="modal",
        callback_id=form.form_id,
        title=PlainTextObject(text=_clip(form.title, MODAL_TEXT_CHARS)),
        submit=PlainTextObject(text=_clip(form.submit_label, MODAL_TEXT_CHARS)),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    )


def _input(field: m.FormField) -> InputBlock:
    hint = PlainTextObject(text=_clip(m.hint_of(field), 2000))
    return InputBlock(
        block_id=field.name,
        label=PlainTextObject(text=_clip(field.label, 2000)),
        element=_element(field),
        hint=hint,
        optional=not field.required,
    )


def _element(
    field: m.FormField,
) -> PlainTextInputElement | StaticSelectElement | StaticMultiSelectElement | RadioButtonsElement:
    if field.kind is m.FieldKind.YES_NO:
        choices = [Option(value=YES, label="Yes"), Option(value=NO, label="No")]
        return RadioButtonsElement(action_id=field.name, options=choices)
    if field.kind is m.FieldKind.TEXT:
        initial = field.initial if isinstance(field.initial, str) and field.initial else None
        return PlainTextInputElement(
            action_id=field.name,
            multiline=field.multiline,
            max_length=field.max_length,
            initial_value=initial,
        )
    groups = _option_groups(field.choices[:OPTIONS_PER_SELECT])
    chosen = (field.initial,) if isinstance(field.initial, str) else field.initial
    initial_options = [_option(c) for c in field.choices if c.value in chosen] or None
    if field.kind is m.FieldKind.MULTI_CHOICE:
        return StaticMultiSelectElement(
            action_id=field.name, option_groups=groups, initial_options=initial_options
        )
    return StaticSelectElement(
        action_id=field.name,
        option_groups=groups,
        initial_option=initial_options[0] if initial_options else None,
    )


def _option_groups(choices: tuple[m.Choice, ...]) -> list[OptionGroup]:
    groups: dict[str, list[Option]] = {}
    for choice in choices:
        groups.setdefault(choice.group or " ", []).append(_option(choice))
    return [
        OptionGroup(label=_clip(name, LABEL_CHARS), options=options)
        for name, options in groups.items()
    ]


def _option(choice: m.Choice) -> Option:
    return Option(value=choice.value, label=_clip(choice.label, LABEL_CHARS))


def _clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis (labels, titles, headers)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


LOADING_CALLBACK: Final = "compact.loading"


def loading_modal() -> View:
    """Held open with a fresh `trigger_id` while the real form is prepared."""
    return notice_modal(words.FORM_LOADING)


def notice_modal(text: str) -> View:
    """A modal that only says something (no inputs, so no submit button)."""
    return View(
        type="modal",
        callback_id=LOADING_CALLBACK,
        title=PlainTextObject(text=_clip(words.FORM_WAIT_TITLE, MODAL_TEXT_CHARS)),
        close=PlainTextObject(text="Close"),
        blocks=_sections([escape(text)]),
    )
