"""The console's chat gateway: the channel and each person's private messages, as text."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from adapters.console.renderer import render
from bot.messages import BulletList, Mention, Message, Paragraph
from rituals.refs import ConversationRef, UserRef

Print = Callable[[str], None]


class ConsoleGateway:
    """Prints what the bot says."""

    def __init__(self, write: Print) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self._shown: dict[str, list[str]] = {}

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        self._emit(f"[#{conversation.channel}] compact", render(message))
        message_id = f"m{next(self._ids)}"
        self._shown[message_id] = _people_lines(message)
        return message_id

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None:
        """A terminal cannot edit what it printed, so it prints what changed about people
        (who is here, who has spoken, whose turn it is), once per change."""
        lines = _people_lines(message)
        if lines and lines != self._shown.get(message_id):
            self._shown[message_id] = lines
            self._emit(
                f"[#{conversation.channel}] compact (round updated)", [message.summary, *lines]
            )

    async def send_private(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        self._emit(f"[private to @{user.user_id}] compact", render(message))

    def _emit(self, who: str, lines: list[str]) -> None:
        first, *rest = lines or [""]
        self._write(f"{who}: {first}")
        for line in rest:
            self._write(f"    {line}")


def _people_lines(message: Message) -> list[str]:
    """The lines of a round header that are about people (who is here, who has spoken)."""
    people = Message(
        message.summary,
        tuple(
            block
            for block in message.blocks
            if isinstance(block, BulletList)
            or (isinstance(block, Paragraph) and any(isinstance(p, Mention) for p in block.parts))
        ),
    )
    return render(people) if people.blocks else []
