"""The engine settings, the unit of work's all-or-nothing transactions and UTC timestamps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.pool import NullPool

import storage.database
from storage.database import Database, normalise_url
from storage.models import ClauseRow, PartnershipRow, ProcessedRequestRow
from tests.storage.builders import T0, make_compact


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("sqlite:///compact.sqlite3", "sqlite+aiosqlite:///compact.sqlite3"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_urls_are_rewritten_for_the_async_drivers(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


async def count(database: Database, table: type[object]) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_foreign_keys_are_enforced(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                insert(ClauseRow).values(
                    compact_version_id=999, clause_key="x", theme_key="t", role_key="r", text="-"
                )
            )


async def test_leaving_without_commit_writes_nothing(database: Database) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.requests.first_time("event-1", T0)
    assert await count(database, ProcessedRequestRow) == 0


async def test_an_exception_inside_the_unit_of_work_rolls_everything_back(
    database: Database,
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with database.unit_of_work() as uow:
            await uow.compacts.load(make_compact(), source_text="", now=T0)
            await uow.requests.first_time("event-1", T0)
            raise Boom
    assert await count(database, PartnershipRow) == 0
    assert await count(database, ClauseRow) == 0
    assert await count(database, ProcessedRequestRow) == 0


async def test_work_after_the_last_commit_is_rolled_back(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.requests.first_time("kept", T0)
        await uow.commit()
        await uow.requests.first_time("dropped", T0)
    async with database.unit_of_work() as uow:
        assert not await uow.requests.first_time("kept", T0)
        assert await uow.requests.first_time("dropped", T0)


async def test_repositories_exist_only_inside_the_block(database: Database) -> None:
    uow = database.unit_of_work()
    with pytest.raises(RuntimeError):
        _ = uow.session


async def test_timestamps_come_back_aware_and_in_utc(database: Database) -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 23, 17, 30, 15, 123456, tzinfo=paris)
    async with database.unit_of_work() as uow:
        await uow.requests.first_time("k", moment)
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.session.scalar(select(ProcessedRequestRow.first_seen_at))
    assert stored == moment
    assert stored is not None and stored.tzinfo is UTC
    assert stored.hour == 16


async def test_naive_timestamps_are_refused(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(StatementError, match="naive"):
            await uow.requests.first_time("k", datetime(2026, 11, 23, 16, 0))


async def test_timestamps_compare_in_sql_as_moments(database: Database) -> None:
    """A later moment written with another offset still sorts later in the database."""
    async with database.unit_of_work() as uow:
        await uow.requests.first_time("early", datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
        await uow.requests.first_time(
            "late", datetime(2026, 1, 1, 10, 30, tzinfo=timezone(timedelta(hours=-5)))
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        # Keys go once their whole day is over by the cutoff: a day before it, 12:00 UTC
        # falls between the two moments.
        cutoff = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
        dropped = await uow.requests.forget_before(cutoff)
        await uow.commit()
    assert dropped == 1
    async with database.unit_of_work() as uow:
        assert not await uow.requests.first_time("late", T0)


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    database = Database.from_url(sqlite_url)
    try:
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    finally:
        await database.dispose()


async def _cut_other_connections(database: Database) -> int:
    """What a server restart does to pooled connections: the server ends them (and this
    returns once they are gone, not merely asked to go)."""
    killer = Database.from_url(database.engine.url, poolclass=NullPool)
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    try:
        async with killer.engine.connect() as connection:
            cut = await connection.execute(
                text(f"SELECT count(pg_terminate_backend(pid)) {others}")
            )
            for _ in range(1000):
                left = await connection.execute(text(f"SELECT count(*) {others}"))
                await connection.commit()  # the next look sees a fresh pg_stat_activity
                if left.scalar_one() == 0:
                    break
                await asyncio.sleep(0.01)
            return int(cut.scalar_one())
    finally:
        await killer.dispose()


async def test_a_pooled_connection_the_server_ended_is_replaced_not_failed(
    postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without pinging on every checkout: a connection idle long enough is pinged, and one
    the server closed is seen closed, and both are replaced by a fresh connection."""
    for idle_before_ping in (0.0, 3600.0):
        monkeypatch.setattr(storage.database, "PING_AFTER_IDLE_SECONDS", idle_before_ping)
        database = Database.from_url(postgresql_url, pool_size=1, max_overflow=0)
        try:
            await database.ping()
            assert await _cut_other_connections(database) >= 1
            for _ in range(20):  # the loop reads the server's goodbye, as it would when idle
                await asyncio.sleep(0)
            async with database.unit_of_work() as uow:
                answer = await uow.session.execute(text("SELECT 41 + 1"))
                assert answer.scalar_one() == 42
        finally:
            await database.dispose()
