"""The `AddressBook` port on the application's database.

Adapters may not import storage (import-linter says so), yet Teams must keep conversation
references somewhere that survives a restart. The composition root (`bot/cli.py`) builds a
`DatabaseAddressBook` and hands it to the adapter, which sees only the port.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.ports import Clock, SystemClock, UnitOfWorkFactory


class DatabaseAddressBook:
    """Addresses in the `platform_addresses` table; one short transaction per call."""

    def __init__(self, database: UnitOfWorkFactory, clock: Clock | None = None) -> None:
        self._database = database
        self._clock = clock or SystemClock()

    async def remember(self, platform: str, key: str, address: Mapping[str, Any]) -> None:
        async with self._database.unit_of_work() as uow:
            await uow.addresses.remember(platform, key, address, self._clock.now())
            await uow.commit()

    async def recall(self, platform: str, key: str) -> dict[str, Any] | None:
        async with self._database.unit_of_work() as uow:
            return await uow.addresses.recall(platform, key)
