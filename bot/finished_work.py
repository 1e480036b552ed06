"""Deleting the inbox and outbox rows of work that is done, many in one transaction.

Every deferred answer ends with two small deletions (its owed messages went out; its request
was handled); alone, each costs a transaction. Here all that finish while one deletion is
under way go into the next one (a group commit): one at a time when the bot is quiet, dozens
together under load. A crash before a row goes only means it is handled again, as for any
unfinished work (docs/durability.md).
"""

from __future__ import annotations

import logging

from bot.ports import UnitOfWorkFactory

log = logging.getLogger("compact.inbox")


class FinishedWork:
    def __init__(self, database: UnitOfWorkFactory) -> None:
        self._database = database
        self._deliveries: list[int] = []
        self._requests: list[str] = []
        self._writing = False

    async def delivered(self, delivery_id: int) -> None:
        """A round's owed messages went out: its outbox row can go."""
        self._deliveries.append(delivery_id)
        await self._write()

    async def handled(self, stored_key: str) -> None:
        """A request (by the key its inbox row is stored under) was handled."""
        self._requests.append(stored_key)
        await self._write()

    async def _write(self) -> None:
        if self._writing:
            return  # the deletion under way takes this one too before it ends
        self._writing = True
        try:
            while self._deliveries or self._requests:
                deliveries, self._deliveries = self._deliveries, []
                requests, self._requests = self._requests, []
                try:
                    async with self._database.unit_of_work() as uow:
                        if deliveries:
                            await uow.outbox.done(deliveries)
                        if requests:
                            await uow.inbox.drop(requests)
                        await uow.commit()
                except Exception:
                    log.exception("deleting finished work failed; the next deletion retries it")
                    self._deliveries[:0] = deliveries
                    self._requests[:0] = requests
                    return
        finally:
            self._writing = False
