"""Finished work's inbox and outbox rows are deleted together: one transaction for all that
finish while one deletion runs, and a failed deletion is retried by the next."""

from __future__ import annotations

import asyncio
from typing import Self

from bot.finished_work import FinishedWork
from bot.request_keys import RequestLedger
from tests.app.harness import T0
from tests.contract.test_rounds_and_reflections import added
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWork


class CountingDatabase(MemoryDatabase):
    """Counts the units of work opened: a look-up skipped is one fewer."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        self.opened += 1
        return super().unit_of_work()


LEDGER = RequestLedger(b"finished-work-test-secret-0123456789")


async def owe_and_accept(database: CountingDatabase, count: int) -> list[int]:
    await added(database, "round-1")
    async with database.unit_of_work() as uow:
        owed = [await uow.outbox.add("round-1", T0, by="me", until=T0) for _ in range(count)]
        for n in range(count):
            await LEDGER.accepted(uow, f"k{n}", "message", {}, T0, by="me", until=T0)
        await uow.commit()
    return owed


async def pending(database: CountingDatabase) -> tuple[int, int]:
    async with database.unit_of_work() as uow:
        return await uow.inbox.count(), await uow.outbox.count()


class YieldingUnitOfWork(MemoryUnitOfWork):
    """Waits for the database as a real one does, so other work can finish meanwhile."""

    async def __aenter__(self) -> Self:
        await asyncio.sleep(0)
        return await super().__aenter__()


class YieldingDatabase(CountingDatabase):
    def unit_of_work(self) -> MemoryUnitOfWork:
        self.opened += 1
        return YieldingUnitOfWork(self)


async def test_work_finishing_together_is_deleted_in_one_transaction_after_the_first() -> None:
    database = YieldingDatabase()
    owed = await owe_and_accept(database, 20)
    finished, opened = FinishedWork(database), database.opened
    await asyncio.gather(
        *(finished.delivered(i) for i in owed),
        *(finished.handled(LEDGER.sealed(f"k{n}")) for n in range(20)),
    )
    assert database.opened - opened == 2  # the first alone, then the other 39 at once
    assert await pending(database) == (0, 0)


async def test_one_at_a_time_each_is_deleted_before_it_returns() -> None:
    database = CountingDatabase()
    owed = await owe_and_accept(database, 2)
    finished = FinishedWork(database)
    await finished.delivered(owed[0])
    await finished.handled(LEDGER.sealed("k0"))
    assert await pending(database) == (1, 1)


class FailingOnce(YieldingDatabase):
    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("the database went away for a moment")
        return super().unit_of_work()


async def test_a_failed_deletion_leaves_its_rows_for_recovery_and_later_ones_still_go() -> None:
    database = FailingOnce()
    owed = await owe_and_accept(database, 2)
    finished = FinishedWork(database)
    database.fail_next = True
    await finished.delivered(owed[0])  # logged, not raised; nothing kept in memory
    assert await pending(database) == (2, 2)
    await finished.delivered(owed[1])
    assert await pending(database) == (2, 1)


class GatedUnitOfWork(MemoryUnitOfWork):
    async def __aenter__(self) -> Self:
        database = self._database
        assert isinstance(database, GatedDatabase)
        if database.gated:
            database.entered.release()
            await database.passes.acquire()
        return await super().__aenter__()


class GatedDatabase(CountingDatabase):
    """Once gated, each unit of work waits for a pass: the test decides when each goes on."""

    def __init__(self) -> None:
        super().__init__()
        self.gated = False
        self.passes, self.entered = asyncio.Semaphore(0), asyncio.Semaphore(0)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return GatedUnitOfWork(self)


async def test_a_batch_whose_writer_is_cancelled_is_written_by_another_waiting_for_it() -> None:
    database = GatedDatabase()
    owed = await owe_and_accept(database, 3)
    finished = FinishedWork(database)
    database.gated = True
    first = asyncio.create_task(finished.delivered(owed[0]))
    await database.entered.acquire()  # writing its batch alone, held
    writer = asyncio.create_task(finished.delivered(owed[1]))
    waiting = asyncio.create_task(finished.delivered(owed[2]))
    await asyncio.sleep(0)  # both joined the next batch and wait for the first
    database.passes.release()
    await first
    await database.entered.acquire()  # the first of the two to ask now writes the batch
    writer.cancel()
    database.passes.release()  # for whoever writes it next
    await asyncio.gather(writer, waiting, return_exceptions=True)
    assert writer.cancelled()
    database.gated = False
    assert await pending(database) == (3, 0)  # every delivery's row went
