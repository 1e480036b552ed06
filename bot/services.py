"""What every use case needs, built once by `bootstrap` and passed in (no module globals)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.anonymity import ReporterKeys
from bot.links import PageLinks
from bot.messages import Message
from bot.ports import ChatGateway, Clock, UnitOfWork, UnitOfWorkFactory
from rituals.refs import ConversationRef, UserRef
from rituals.stored import StoredCompact

log = logging.getLogger("compact.delivery")


@dataclass(frozen=True)
class Services:
    database: UnitOfWorkFactory
    gateways: Mapping[str, ChatGateway]
    clock: Clock
    reporter_keys: ReporterKeys
    links: PageLinks | None = None
    """Signed links to the partnership's pages (the dashboard, meeting papers)."""
    _versions: dict[int, StoredCompact] = field(default_factory=dict, repr=False)

    async def compact_version(self, uow: UnitOfWork, version_id: int) -> StoredCompact:
        """A stored compact version; versions never change, so each is read once per process."""
        stored = self._versions.get(version_id)
        if stored is None:
            stored = await uow.compacts.by_version_id(version_id)
            self._versions[version_id] = stored
        return stored

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
