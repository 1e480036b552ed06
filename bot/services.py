"""What every use case needs, built once by `bootstrap` and passed in (no module globals)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.anonymity import ReporterKeys
from bot.messages import Message
from bot.ports import ChatGateway, Clock
from rituals.refs import ConversationRef, UserRef
from storage.database import Database

log = logging.getLogger("compact.delivery")


@dataclass(frozen=True)
class Services:
    database: Database
    gateways: Mapping[str, ChatGateway]
    clock: Clock
    reporter_keys: ReporterKeys

    def gateway(self, platform: str) -> ChatGateway:
        try:
            return self.gateways[platform]
        except KeyError:
            raise LookupError(f"no chat gateway is configured for platform {platform!r}") from None

    async def tell(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        """Send a private message; a failed delivery is logged, never raised at the person."""
        try:
            await self.gateway(user.platform).send_private(user, message, near=near)
        except Exception:
            log.exception("private message to %s could not be delivered", user.platform)
