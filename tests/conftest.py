"""Database fixtures: every test that asks for `database` runs on SQLite and on PostgreSQL;
`memory` is the in-memory unit of work (`tests/fakes/memory.py`) the application tests use.

Each backend is migrated once per session (with the real Alembic migrations, so the tests
also prove the migrations); each test then starts from empty tables, which is much faster
than migrating again. PostgreSQL tests run in a scratch database created for the session,
so two test runs on one server (colleagues, CI jobs, xdist workers) never truncate each
other's tables; without the right to create databases they fall back to the configured one.

PostgreSQL is `postgresql+asyncpg://postgres@127.0.0.1:5432/test` unless `TEST_POSTGRES_URL`
says otherwise. If it cannot be reached the PostgreSQL half is skipped with the reason, except
when `CI` is set: CI starts the server, so there an unreachable server fails loudly.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.database import Database, make_engine, normalise_url
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes.memory import MemoryDatabase

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SCRATCH_PREFIX = "compact_rituals_test_"


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


async def _execute_autocommit(url: URL, sql: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql(sql)
    finally:
        await engine.dispose()


async def _reachable(url: URL) -> str | None:
    """None if PostgreSQL answers at `url`, else why not."""
    try:
        await asyncio.wait_for(_execute_autocommit(url, "SELECT 1"), timeout=10)
    except (OSError, DBAPIError, TimeoutError) as problem:
        return f"{type(problem).__name__}: {problem}"
    return None


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file database for the whole session."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "storage.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A migrated PostgreSQL database for the whole session (see the module docstring)."""
    base = normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    problem = asyncio.run(_reachable(base))
    if problem is not None:
        message = f"PostgreSQL at {base.render_as_string()} is unreachable ({problem})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must provide it", pytrace=False)
        pytest.skip(f"{message}; set TEST_POSTGRES_URL or start the server to run these")

    name = f"{SCRATCH_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_execute_autocommit(base, f'CREATE DATABASE "{name}"'))
    except DBAPIError:
        scratch = None  # no CREATEDB privilege: share the configured database
    else:
        scratch = base.set(database=name)
    target = scratch or base
    upgrade(_render(target))
    try:
        yield _render(target)
    finally:
        if scratch is not None:
            asyncio.run(_execute_autocommit(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database, once per backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


async def _empty_all_tables(database: Database) -> None:
    tables = Base.metadata.sorted_tables
    async with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quote = connection.dialect.identifier_preparer.quote
            names = ", ".join(quote(table.name) for table in tables)
            await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(tables):
                await connection.execute(table.delete())


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A `Database` on empty, migrated tables; disposed after the test."""
    database = Database.from_url(database_url)
    try:
        await _empty_all_tables(database)
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def memory() -> MemoryDatabase:
    """An empty in-memory store implementing the unit-of-work port."""
    return MemoryDatabase()
