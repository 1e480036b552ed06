"""Deleting the inbox and outbox rows of work that is done, many in one transaction.

Every deferred answer ends with two small deletions (its owed messages went out; its request
was handled); alone, each costs a transaction. Here they are written as a group commit: work
that finishes while a deletion is under way joins the next batch, and one of those waiting
writes it, so under load one transaction serves dozens. Each caller returns once its own
batch is written (or has failed): nothing waits in memory for later, and a row whose
deletion failed or was cancelled stays in the database, to be handled again by recovery as
any unfinished work is (docs/durability.md).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.ports import UnitOfWorkFactory

log = logging.getLogger("compact.inbox")


@dataclass(slots=True)
class _Batch:
    deliveries: list[int] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    done: bool = False


class FinishedWork:
    def __init__(self, database: UnitOfWorkFactory) -> None:
        self._database = database
        self._next = _Batch()
        self._one_at_a_time = asyncio.Lock()

    async def delivered(self, delivery_id: int) -> None:
        """A round's owed messages went out: its outbox row can go."""
        batch = self._next
        batch.deliveries.append(delivery_id)
        await self._written(batch)

    async def handled(self, stored_key: str) -> None:
        """A request (by the key its inbox row is stored under) was handled."""
        batch = self._next
        batch.requests.append(stored_key)
        await self._written(batch)

    async def _written(self, batch: _Batch) -> None:
        async with self._one_at_a_time:
            if batch.done:
                return  # another caller wrote it while this one waited
            if self._next is batch:
                self._next = _Batch()  # what finishes from now on waits for the next
            try:
                async with self._database.unit_of_work() as uow:
                    if batch.deliveries:
                        await uow.outbox.done(batch.deliveries)
                    if batch.requests:
                        await uow.inbox.drop(batch.requests)
                    await uow.commit()
            except Exception:
                log.exception("deleting finished work failed; recovery will handle it again")
            batch.done = True
