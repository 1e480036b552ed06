"""Exactly-once ledgers: the weekly digest claim and the idempotency log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from tests.storage.builders import T0, load_compact, make_compact

HOUR = timedelta(hours=1)


async def test_a_digest_is_claimed_once_and_the_transaction_survives(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        assert await uow.digests.claim(pid, "2026-W48", T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.requests.first_time("before", T0)
        assert not await uow.digests.claim(pid, "2026-W48", T0)
        # Still usable, and what came before the refused claim is still part of it.
        assert await uow.requests.first_time("after", T0)
        assert await uow.digests.claim(pid, "2026-W49", T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.requests.first_time("before", T0)
        assert not await uow.requests.first_time("after", T0)
        assert not await uow.digests.claim(pid, "2026-W49", T0)


async def test_sent_is_recorded_separately_from_claimed(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        assert await uow.digests.claim(pid, "2026-W48", T0)
        assert not await uow.digests.was_sent(pid, "2026-W48")
        await uow.digests.mark_sent(pid, "2026-W48", ["1700000000.000100"], T0 + HOUR)
        await uow.digests.mark_sent(pid, "2026-W47", ["m-1", "m-2"], T0)  # never claimed
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.digests.was_sent(pid, "2026-W48")
        assert await uow.digests.was_sent(pid, "2026-W47")
        assert not await uow.digests.was_sent(pid, "2026-W50")


async def test_an_abandoned_claim_can_be_taken_over_once(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        assert await uow.digests.claim(pid, "2026-W48", T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.digests.claim(pid, "2026-W48", T0 + HOUR, stale_after=2 * HOUR)
        assert await uow.digests.claim(pid, "2026-W48", T0 + 3 * HOUR, stale_after=2 * HOUR)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.digests.claim(pid, "2026-W48", T0 + 4 * HOUR, stale_after=2 * HOUR)
        await uow.digests.mark_sent(pid, "2026-W48", [], T0 + 4 * HOUR)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.digests.claim(pid, "2026-W48", T0 + 99 * HOUR, stale_after=HOUR)


async def test_claims_are_per_partnership(database: Database) -> None:
    one = await load_compact(database)
    other = await load_compact(database, make_compact(slug="other"))
    async with database.unit_of_work() as uow:
        assert await uow.digests.claim(one.partnership_id, "2026-W48", T0)
        assert await uow.digests.claim(other.partnership_id, "2026-W48", T0)


async def test_a_request_is_processed_the_first_time_only(database: Database) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.requests.first_time("Ev0123ABC", T0)
        assert not await uow.requests.first_time("Ev0123ABC", T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.requests.first_time("Ev0123ABC", T0 + HOUR)
        assert await uow.requests.first_time("Ev0456DEF", T0 + HOUR)


async def test_a_rolled_back_request_can_be_retried(database: Database) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.requests.first_time("Ev-failed", T0)
        # the use case fails here; nothing is committed
    async with database.unit_of_work() as uow:
        assert await uow.requests.first_time("Ev-failed", T0)


async def test_only_a_duplicate_counts_as_already_claimed(database: Database) -> None:
    """Any other integrity error (here: no such partnership) is a bug and must surface."""
    async with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.digests.claim(987654, "2026-W48", T0)
