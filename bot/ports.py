"""The application's outbound ports: small protocols each adapter implements.

The unit-of-work port (storage) lives in `bot.repositories` and is re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.messages import Message
from bot.repositories import UnitOfWork, UnitOfWorkFactory
from rituals.refs import ConversationRef, UserRef

__all__ = [
    "AddressBook",
    "ChatGateway",
    "Clock",
    "SystemClock",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


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


class AddressBook(Protocol):
    """Where an adapter keeps how to reach a conversation or a person later (a Teams
    conversation reference, someone's personal chat), so proactive messages work after a
    restart and from any replica. Adapters may not touch storage; this port is their way in.
    `address` is the platform's own JSON, read back only by the adapter that wrote it."""

    async def remember(self, platform: str, key: str, address: Mapping[str, Any]) -> None: ...

    async def recall(self, platform: str, key: str) -> dict[str, Any] | None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC; the one place outside tests that reads the time."""

    def now(self) -> datetime:
        return datetime.now(UTC)
