"""Platform addresses: how an adapter reaches a conversation or a person later.

Teams needs a stored conversation reference (service URL, conversation id, the bot's
account) to post anything the bot was not asked for in the same request: a turn prompt
after a timeout, a call-out's status change, a digest. The JSON is the platform's own;
storage only keeps it under a key the adapter chose, and the newest write wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PlatformAddressRow
from storage.repositories._sql import insert_if_absent, rowcount


class AddressRepository:
    """Remember and recall addresses by (platform, key); one instance per unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(
        self, platform: str, key: str, address: Mapping[str, Any], now: datetime
    ) -> None:
        """Store `address` under the key, replacing what was there (an upsert that works on
        SQLite and PostgreSQL alike, and survives two replicas racing to insert). The same
        address again writes nothing: a person's row rewritten with the time they raised a
        call-out would say who raised it (docs/privacy.md)."""
        if await self.recall(platform, key) == dict(address):
            return
        values = {"address": dict(address), "updated_at": now}
        where = (PlatformAddressRow.platform == platform, PlatformAddressRow.key == key)
        if await rowcount(self._session, update(PlatformAddressRow).where(*where).values(values)):
            return
        inserted = await insert_if_absent(
            self._session,
            insert(PlatformAddressRow).values(platform=platform, key=key, **values),
        )
        if inserted is None:
            # Inserted by a concurrent request a moment ago: the last writer wins, as above.
            await rowcount(self._session, update(PlatformAddressRow).where(*where).values(values))

    async def recall(self, platform: str, key: str) -> dict[str, Any] | None:
        """The address stored under the key, or None."""
        stored = await self._session.scalar(
            select(PlatformAddressRow.address).where(
                PlatformAddressRow.platform == platform, PlatformAddressRow.key == key
            )
        )
        return dict(stored) if stored is not None else None
