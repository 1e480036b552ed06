"""Transactions: what a unit of work publishes, when, and what it throws away."""

from __future__ import annotations

from datetime import timedelta

from bot.repositories import UnitOfWorkFactory
from tests.storage.builders import T0


async def seen(store: UnitOfWorkFactory, key: str) -> bool:
    """Whether `key` was recorded (asking records it, so this unit of work never commits)."""
    async with store.unit_of_work() as uow:
        return not await uow.requests.first_time(key, T0)


async def test_committed_work_is_visible_to_the_next_unit_of_work(
    store: UnitOfWorkFactory,
) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.requests.first_time("k1", T0)
        await uow.commit()
    assert await seen(store, "k1")


async def test_leaving_without_commit_discards_everything(store: UnitOfWorkFactory) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.requests.first_time("k1", T0)
    assert not await seen(store, "k1")


async def test_an_error_in_the_block_discards_the_work(store: UnitOfWorkFactory) -> None:
    try:
        async with store.unit_of_work() as uow:
            await uow.requests.first_time("k1", T0)
            raise LookupError("use case failed")
    except LookupError:
        pass
    assert not await seen(store, "k1")


async def test_rollback_discards_since_the_last_commit_and_the_block_goes_on(
    store: UnitOfWorkFactory,
) -> None:
    async with store.unit_of_work() as uow:
        await uow.requests.first_time("kept", T0)
        await uow.commit()
        await uow.requests.first_time("dropped", T0)
        await uow.rollback()
        assert not await uow.requests.first_time("kept", T0)
        assert await uow.requests.first_time("later", T0)
        await uow.commit()
    assert await seen(store, "kept") and await seen(store, "later")
    assert not await seen(store, "dropped")


async def test_a_unit_of_work_sees_its_own_uncommitted_writes(store: UnitOfWorkFactory) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.requests.first_time("k1", T0)
        assert not await uow.requests.first_time("k1", T0 + timedelta(seconds=1))


async def test_request_keys_are_seen_once_and_forgotten_by_age(store: UnitOfWorkFactory) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.requests.first_time("old", T0)
        assert await uow.requests.first_time("new", T0 + timedelta(hours=2))
        await uow.commit()
    async with store.unit_of_work() as uow:
        # A key goes once its whole day is a day old (keys are stored with their day).
        assert await uow.requests.forget_before(T0 + timedelta(days=1, hours=1)) == 1
        await uow.commit()
    assert not await seen(store, "old")
    assert await seen(store, "new")


async def test_ping_answers(store: UnitOfWorkFactory) -> None:
    await store.ping()
