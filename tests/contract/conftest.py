"""The contract suite's one fixture: the same cases on the in-memory fake, SQLite and
PostgreSQL, so the fake the application tests run on cannot drift from the real storage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.repositories import UnitOfWorkFactory
from storage.database import Database
from tests.conftest import _empty_all_tables
from tests.fakes.memory import MemoryDatabase


def _conforms(memory: MemoryDatabase, sql: Database) -> tuple[UnitOfWorkFactory, ...]:
    """Never called: mypy checks here that both implement the port."""
    return (memory, sql)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """ "memory", or the URL of a migrated database (the session fixtures are synchronous)."""
    if request.param == "memory":
        return "memory"
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def store(backend: str) -> AsyncIterator[UnitOfWorkFactory]:
    if backend == "memory":
        yield MemoryDatabase()
        return
    database = Database.from_url(backend)
    try:
        await _empty_all_tables(database)
        yield database
    finally:
        await database.dispose()
