"""The inbox and the outbox: rows recorded with their request key, taken by one transaction,
leased to one process at a time and claimable once the lease runs out; the same answers from
the fake and from SQL."""

from __future__ import annotations

from datetime import timedelta

from bot.repositories import UnitOfWorkFactory
from bot.request_keys import RequestLedger
from rituals.stored import PendingDelivery, PendingRequest
from tests.contract.test_rounds_and_reflections import added
from tests.storage.builders import T0

SECOND = timedelta(seconds=1)
LEASE = 5 * SECOND
LEDGER = RequestLedger(b"contract-test-secret-key-0123456789")
REPLY = {"actor": ["slack", "T1", "U1", "alice"], "text": "We listened", "nested": {"n": [1]}}


async def accept(store: UnitOfWorkFactory, key: str, at: timedelta = timedelta(0)) -> bool:
    async with store.unit_of_work() as uow:
        fresh = await LEDGER.accepted(
            uow, key, "message", REPLY, T0 + at, by="one", until=T0 + at + LEASE
        )
        await uow.commit()
    return fresh


async def pending(store: UnitOfWorkFactory) -> tuple[int, int]:
    async with store.unit_of_work() as uow:
        return await uow.inbox.count(), await uow.outbox.count()


async def test_an_accepted_request_is_recorded_once_and_handled_once(
    store: UnitOfWorkFactory,
) -> None:
    assert await accept(store, "k1")
    assert not await accept(store, "k1")  # a redelivery: nothing more written
    assert await pending(store) == (1, 0)
    async with store.unit_of_work() as uow:
        assert await LEDGER.first_time(uow, "k1", T0 + SECOND)  # the handling takes the row
        assert not await LEDGER.first_time(uow, "k1", T0 + SECOND)
        await uow.commit()
    assert await pending(store) == (0, 0)
    async with store.unit_of_work() as uow:
        assert not await LEDGER.first_time(uow, "k1", T0 + 2 * SECOND)  # handled already


async def test_a_request_handled_already_is_not_accepted_again(store: UnitOfWorkFactory) -> None:
    async with store.unit_of_work() as uow:
        assert await LEDGER.first_time(uow, "k1", T0)  # handled before its acknowledgement
        await uow.commit()
    assert not await accept(store, "k1", SECOND)
    assert await accept(store, "k2", SECOND)
    assert await pending(store) == (1, 0)
    async with store.unit_of_work() as uow:
        (row,) = await uow.inbox.claim_due(T0 + 2 * LEASE, by="two", until=T0 + 3 * LEASE)
    assert row.key == LEDGER.sealed("k2")


async def test_a_take_that_is_not_committed_leaves_the_row(store: UnitOfWorkFactory) -> None:
    await accept(store, "k1")
    async with store.unit_of_work() as uow:
        assert await uow.inbox.take(LEDGER.sealed("k1"))
        await uow.rollback()
    async with store.unit_of_work() as uow:
        assert await uow.inbox.take(LEDGER.sealed("k1"))
        assert not await uow.inbox.take(LEDGER.sealed("k1"))
        await uow.commit()
    assert await pending(store) == (0, 0)


async def test_rows_of_handled_requests_and_sent_messages_go_together(
    store: UnitOfWorkFactory,
) -> None:
    for key in ("k1", "k2", "k3"):
        await accept(store, key)
    await added(store, "round-1")
    async with store.unit_of_work() as uow:
        owed = [await uow.outbox.add("round-1", T0, by="one", until=T0 + LEASE) for _ in "abc"]
        await uow.commit()
    handled = [LEDGER.sealed(key) for key in ("k1", "k2", "k9")]
    async with store.unit_of_work() as uow:
        assert await uow.inbox.drop(handled) == 2  # k9 was never there
        assert await uow.outbox.done([owed[0], owed[2], owed[2]]) == 2
        await uow.commit()
    assert await pending(store) == (1, 1)
    async with store.unit_of_work() as uow:
        assert await uow.inbox.drop(handled) == 0
        assert await uow.inbox.take(LEDGER.sealed("k3"))


async def test_only_rows_whose_lease_ran_out_are_claimed_oldest_first(
    store: UnitOfWorkFactory,
) -> None:
    await accept(store, "late", at=2 * SECOND)
    await accept(store, "early")
    await accept(store, "last", at=9 * SECOND)
    async with store.unit_of_work() as uow:
        assert await uow.inbox.claim_due(T0 + LEASE, by="two", until=T0 + 20 * SECOND) == []
        claimed = await uow.inbox.claim_due(
            T0 + 8 * SECOND, by="two", until=T0 + 20 * SECOND, limit=5
        )
        await uow.commit()
    assert claimed == [
        PendingRequest(LEDGER.sealed("early"), "message", REPLY),
        PendingRequest(LEDGER.sealed("late"), "message", REPLY),
    ]
    async with store.unit_of_work() as uow:
        # Claimed: leased to "two" now; "last" still runs on its own lease.
        assert await uow.inbox.claim_due(T0 + 10 * SECOND, by="three", until=T0 + LEASE) == []
        limited = await uow.inbox.claim_due(T0 + 30 * SECOND, by="three", until=T0, limit=1)
    assert [p.key for p in limited] == [LEDGER.sealed("early")]


async def test_renewing_keeps_only_the_renewers_rows(store: UnitOfWorkFactory) -> None:
    await accept(store, "mine")
    async with store.unit_of_work() as uow:
        await uow.inbox.put("theirs", "action", {}, T0, by="other", until=T0 + LEASE)
        assert await uow.inbox.renew(by="one", until=T0 + 60 * SECOND) == 1
        await uow.commit()
    async with store.unit_of_work() as uow:
        claimed = await uow.inbox.claim_due(T0 + 10 * SECOND, by="two", until=T0 + 20 * SECOND)
    assert claimed == [PendingRequest("theirs", "action", {})]


async def test_the_outbox_owes_a_round_until_done_and_leases_like_the_inbox(
    store: UnitOfWorkFactory,
) -> None:
    await added(store, "round-1")
    async with store.unit_of_work() as uow:
        first = await uow.outbox.add("round-1", T0, by="one", until=T0 + LEASE)
        second = await uow.outbox.add("round-1", T0, by="one", until=T0 + LEASE)
        await uow.commit()
    assert first != second
    assert await pending(store) == (0, 2)
    async with store.unit_of_work() as uow:
        assert await uow.outbox.done([first]) == 1
        assert await uow.outbox.done([first]) == 0
        assert await uow.outbox.claim_due(T0 + SECOND, by="two", until=T0 + LEASE) == []
        assert await uow.outbox.renew(by="one", until=T0 + 10 * SECOND) == 1
        assert await uow.outbox.claim_due(T0 + 8 * SECOND, by="two", until=T0 + LEASE) == []
        claimed = await uow.outbox.claim_due(T0 + 11 * SECOND, by="two", until=T0 + 20 * SECOND)
        assert claimed == [PendingDelivery(second, "round-1")]
        assert await uow.outbox.claim_due(T0 + 12 * SECOND, by="three", until=T0) == []
        await uow.commit()
    assert await pending(store) == (0, 1)
