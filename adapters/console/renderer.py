"""Neutral messages as terminal text. Buttons become the commands that do the same thing."""

from __future__ import annotations

import unicodedata
from typing import Final

from bot import actions
from bot.messages import (
    Actions,
    Block,
    BulletList,
    Chart,
    Divider,
    Form,
    Heading,
    Inline,
    Mention,
    Message,
    Paragraph,
    UserText,
)

# What to type instead of pressing each button.
BUTTON_COMMANDS: Final[dict[str, str]] = {
    actions.ROUND_JOIN: "/compact here",
    actions.ROUND_BEGIN: "/compact start",
    actions.ROUND_ANSWER: "type what you learned, then what you valued, then clause ids, "
    "one line each",
    actions.ROUND_PASS: "/compact pass",
    actions.ROUND_SKIP: "/compact skip",
    actions.ROUND_NEXT: "/compact next",
    actions.ROUND_END: "/compact end",
    actions.ROUND_EDIT: "/compact edit",
    actions.ROUND_WITHDRAW: "/compact reflection withdraw",
    actions.CALLOUT_DISCUSSED: "/compact discussed {value} <note>",
    actions.CALLOUT_RESOLVE: "/compact resolve {value} [note]",
    actions.CALLOUT_WITHDRAW: "/compact withdraw {value}",
    actions.CALLOUT_ASK: "/compact ask {value} <question>",
    actions.CALLOUT_REPLY: "/compact reply {value} <answer>",
    actions.CHOOSE_ORGANISATION: "/compact iam {value}",
    actions.CLAIM_APPROVE: "/compact approve {value}",
    actions.CLAIM_DECLINE: "/compact decline {value}",
    actions.LINK_MOVE: "/compact link {value}",
    actions.REVIEW_DISCUSSED: "/compact review {value} discussed",
    actions.REVIEW_REVISED: "/compact review {value} revised",
}
BAR_WIDTH: Final = 30
# Embeddings, overrides and isolates: they reorder what follows them on a terminal line.
BIDI_OVERRIDES: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe(text: str) -> str:
    """Drop control characters (a reflection must not be able to drive the terminal).

    Only C0/C1 controls, lone surrogates and the bidirectional overrides (which reorder the
    rest of the line) go; other format characters stay, since joiners (ZWJ, ZWNJ), variation
    selectors and tags are part of emoji and of how many scripts are written.
    """
    return "".join("\N{REPLACEMENT CHARACTER}" if _unsafe(ch) else ch for ch in text)


def _unsafe(ch: str) -> bool:
    if ch in "\n\t":
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_OVERRIDES


def inline(parts: tuple[Inline, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Mention):
            out.append(f"@{part.user.user_id}")
        elif isinstance(part, UserText):
            out.append(f"“{safe(part.text)}”" if part.quoted else safe(part.text))
        else:
            out.append(part)
    return "".join(out)


def render(message: Message) -> list[str]:
    if not message.blocks:
        return [safe(message.summary)]
    lines: list[str] = []
    for block in message.blocks:
        lines.extend(_block(block))
    return lines


def _block(block: Block) -> list[str]:
    match block:
        case Heading(text=text):
            return [f"== {text} =="]
        case Paragraph(parts=parts):
            return inline(parts).splitlines() or [""]
        case BulletList(items=items):
            return [f"  • {inline(item)}" for item in items]
        case Divider():
            return ["  ----"]
        case Actions(buttons=buttons):
            hints = [
                f"[{b.label}: {BUTTON_COMMANDS.get(b.action, b.action).format(value=b.value)}]"
                for b in buttons
            ]
            return ["  " + " ".join(hints)]
        case Chart():
            return _chart(block)
    return []  # pragma: no cover


def _chart(chart: Chart) -> list[str]:
    lines = [f"  {chart.title}:"]
    peak = max((v for s in chart.series for v in s.values), default=0) or 1
    for i, label in enumerate(chart.labels):
        for series in chart.series:
            value = series.values[i]
            bar = "█" * round(BAR_WIDTH * value / peak)
            lines.append(f"  {label} {series.name:>10} {bar} {value}")
    return lines


def render_form_intro(form: Form) -> list[str]:
    lines = [f"== {form.title} =="]
    if form.intro:
        lines.append(form.intro)
    lines.append("Answer one line per field; an empty line skips an optional field.")
    return lines
