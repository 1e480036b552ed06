"""People's words reach the renderers only as `UserText`, which every renderer escapes, so a
reflection or a mistyped command can never ping @channel, mention someone or forge a link."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.console.renderer import render
from bot import words
from bot.messages import Message, Paragraph, UserText
from bot.views.rounds import rejection, said, summary
from rituals.compact_yaml import parse_compact
from rituals.reflection import Reflection
from rituals.refs import UserRef
from rituals.round import Rejection, RoundSummary
from tests.app.harness import EXAMPLE

HOSTILE = "<!channel> <@U123> <https://evil.example|click> \x1b[2J"


def bot_words(message: Message) -> str:
    """Everything in the message that is not marked as people's words."""
    return "".join(
        part
        for block in message.blocks
        if isinstance(block, Paragraph)
        for part in block.parts
        if isinstance(part, str)
    )


def test_reflections_in_a_summary_are_marked_as_peoples_words() -> None:
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
    alice = UserRef("console", "local", "alice")
    reflection = Reflection(
        alice, "nhsei", HOSTILE, HOSTILE, ("env-h1",), datetime(2026, 11, 23, tzinfo=UTC)
    )
    message = summary(RoundSummary("r1", (reflection,), (), (), (("env-h1", 1),)), compact, {})
    assert "<!channel>" not in bot_words(message)
    texts = [
        part.text
        for block in message.blocks
        if isinstance(block, Paragraph)
        for part in block.parts
        if isinstance(part, UserText)
    ]
    assert texts == [HOSTILE, HOSTILE]


def test_typed_values_in_refusals_are_marked_as_peoples_words() -> None:
    for message in (
        said(words.UNKNOWN_SUBCOMMAND, word=HOSTILE, help=""),
        rejection(Rejection.UNKNOWN_CLAUSE, HOSTILE),
        rejection(Rejection.INVALID_TEXT, HOSTILE),
    ):
        assert "<!channel>" not in bot_words(message)
        assert HOSTILE in message.summary  # the plain fallback still says what was typed


def test_the_terminal_never_receives_control_characters() -> None:
    message = said(words.UNKNOWN_SUBCOMMAND, word=HOSTILE, help="")
    assert all("\x1b" not in line for line in render(message))
