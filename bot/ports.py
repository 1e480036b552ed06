"""The application's outbound ports: small protocols each adapter implements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from bot.messages import Message
from rituals.refs import ConversationRef, UserRef


class ChatGateway(Protocol):
    """How the application talks on one platform; `post` returns the platform's message id."""

    async def post(self, conversation: ConversationRef, message: Message) -> str: ...

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None: ...

    async def send_private(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        """Only `user` sees it (ephemeral in `near` where the platform can, else a DM)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC; the one place outside tests that reads the time."""

    def now(self) -> datetime:
        return datetime.now(UTC)
