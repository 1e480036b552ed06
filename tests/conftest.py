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

Every test is also kept on this machine (`network_guard`): a connection or a name look-up
beyond loopback raises before any packet leaves, and fails the test even if caught.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.database import Database, make_engine, normalise_url
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes.memory import MemoryDatabase

pytest_plugins = ["pytester"]  # tests of the test fixtures themselves

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SCRATCH_PREFIX = "compact_rituals_test_"


class NetworkBlocked(OSError):
    """A test reached for a host beyond loopback (see `network_guard`)."""


@dataclass
class NetworkGuard:
    """What a test tried to reach beyond loopback; any of it fails the test at teardown."""

    refused: list[str] = field(default_factory=list)

    def check(self, family: int, address: Any, what: str) -> None:
        if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
            return  # unix sockets, and anything that is not a network address
        if not _is_loopback(address[0]):
            self.refused.append(f"{what} {address[:2]!r}")
            raise NetworkBlocked(f"tests stay on loopback; refused {what} to {address[:2]!r}")


def _is_loopback(host: object) -> bool:
    """127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`; names are not resolved."""
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host in ("localhost", "localhost."):
        return True
    try:
        ip = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Refuse connects, datagrams and DNS look-ups beyond loopback, before they happen.
    asyncio's `create_connection`/`sock_connect` and aiohttp's resolver go through these."""
    guard = NetworkGuard()
    real = socket.socket
    real_connect, real_connect_ex, real_sendto = real.connect, real.connect_ex, real.sendto
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        guard.check(self.family, address, "connect")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard.check(self.family, address, "connect_ex")
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *rest: Any) -> int:
        guard.check(self.family, rest[-1], "sendto")
        return real_sendto(self, data, *rest)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check(socket.AF_INET, (host, port), "a look-up of")
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(real, "connect", connect)
    monkeypatch.setattr(real, "connect_ex", connect_ex)
    monkeypatch.setattr(real, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    if guard.refused:
        pytest.fail(f"the test reached beyond loopback: {guard.refused}", pytrace=False)


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
