"""An outbound port some platforms offer: who is in a conversation ("reflect everyone")."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.requests import Actor
from rituals.refs import ConversationRef


@runtime_checkable
class Directory(Protocol):
    async def members(self, conversation: ConversationRef) -> list[Actor]:
        """The people of the conversation (its team, for a channel), bots left out."""
        ...
