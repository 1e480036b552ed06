"""What every use case needs, built once by `bootstrap` and passed in (no module globals)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from bot.anonymity import ReporterKeys
from bot.finished_work import FinishedWork
from bot.known_people import KnownPeople
from bot.links import PageLinks
from bot.messages import Message
from bot.metrics import Metrics
from bot.ports import ChatGateway, Clock, UnitOfWork, UnitOfWorkFactory
from bot.profiles import Profiles
from bot.request_keys import RequestLedger
from rituals.refs import ConversationRef, UserRef
from rituals.stored import StoredCompact

log = logging.getLogger("compact.delivery")

# How long a process's claim on acknowledged work (an inbox or outbox row) lasts unless it
# renews it (four times a lease while it runs): a process killed mid-way frees its work this
# soon. Long enough that a busy process's renewals never fall behind it (at 2 s, a loaded
# leader re-sent its own live work). The default of the `COMPACT_WORK_LEASE_SECONDS` setting.
LEASE: Final = timedelta(seconds=15)


@dataclass(frozen=True)
class Services:
    database: UnitOfWorkFactory
    gateways: Mapping[str, ChatGateway]
    clock: Clock
    reporter_keys: ReporterKeys
    request_keys: RequestLedger
    """Where request keys are recorded, as keyed hashes (`bot/request_keys.py`)."""
    links: PageLinks | None = None
    """Signed links to the partnership's pages (the dashboard, meeting papers)."""
    _versions: dict[int, StoredCompact] = field(default_factory=dict, repr=False)
    worker: str = field(default_factory=lambda: uuid.uuid4().hex)
    """This process's name on the work it claims (inbox and outbox rows)."""
    lease: timedelta = LEASE
    metrics: Metrics = field(default_factory=Metrics, repr=False)
    """This process's measures (`GET /metrics`), on a registry of their own."""
    profiles: Mapping[str, Profiles] = field(default_factory=dict, repr=False)
    """Per platform, where people's profile emails are looked up (`bot/profiles.py`)."""
    known_people: KnownPeople = field(default_factory=KnownPeople, repr=False)
    """Who this process lately found recognised already (`bot/known_people.py`)."""

    @functools.cached_property
    def finished(self) -> FinishedWork:
        """Where the inbox and outbox rows of finished work are deleted, many at once."""
        return FinishedWork(self.database)

    def lease_until(self) -> datetime:
        return self.clock.now() + self.lease

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
