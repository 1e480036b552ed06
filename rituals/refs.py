"""Typed references to people and places, so no raw payload or bare string leaks inward."""

from __future__ import annotations

from typing import NamedTuple


class UserRef(NamedTuple):
    """A person as one platform knows them (Slack user id, Teams AAD id, console handle).

    A named tuple rather than a dataclass: refs are compared and hashed on every engine
    event, and tuple equality and hashing run in C.
    """

    platform: str
    tenant: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.tenant}:{self.user_id}"


class ConversationRef(NamedTuple):
    """A place to talk: a channel, optionally a thread inside it."""

    platform: str
    tenant: str
    channel: str
    thread: str | None = None

    def in_thread(self, thread: str | None) -> ConversationRef:
        """The same channel, pointed at another thread (None: the channel itself)."""
        return ConversationRef(self.platform, self.tenant, self.channel, thread)
