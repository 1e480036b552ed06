"""Engine construction, the `Database` handle and the unit of work.

One unit of work is one use case: `async with db.unit_of_work() as uow:` opens a session and
a transaction, the repositories on `uow` share it, `await uow.commit()` makes the work
durable, and leaving the block any other way (an exception, a `return` before commit) rolls
all of it back. Nothing is ever half-written, and effects (messages) should run only after the
commit, so a conflict or a crash never announces something that was not stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from storage.repositories import (
    CalloutRepository,
    ChannelRepository,
    CompactRepository,
    DigestRepository,
    PeopleRepository,
    ReflectionRepository,
    RequestLog,
    RoundRepository,
)
from storage.repositories.addresses import AddressRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.callout_threads import (
    CalloutThreadRepository,
    FacilitatorSummaryRepository,
)
from storage.repositories.health import HealthRepository
from storage.repositories.inbox import InboxRepository, OutboxRepository
from storage.repositories.membership import MembershipRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.reviews import ReviewTriggerRepository
from storage.repositories.schedules import ScheduleRepository

# aiosqlite logs every statement with its parameters (user ids, call-out texts) at DEBUG: its
# logger gets a level of its own, so a service run at DEBUG never writes them
# (docs/privacy.md). Set this one to DEBUG by hand to see those lines.
DRIVER_LOG: Final = logging.getLogger("aiosqlite")
DRIVER_LOG.setLevel(logging.INFO)

_ASYNC_DRIVERS: Final = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}

# How long a SQLite connection waits for another writer before failing ("database is locked").
SQLITE_BUSY_TIMEOUT_SECONDS: Final = 30.0
# How long a use case waits for a pooled connection under a burst before failing.
POOL_TIMEOUT_SECONDS: Final = 300.0
# A PostgreSQL connection idle in the pool this long is pinged before use (see _ping_if_idle).
PING_AFTER_IDLE_SECONDS = 5.0


def normalise_url(url: str | URL) -> URL:
    """Turn an operator's URL into one for an async driver.

    `postgres://` and `postgresql://` (as Heroku-style platforms hand them out) become
    `postgresql+asyncpg://`, and `sqlite:///file` becomes `sqlite+aiosqlite:///file`; a URL
    that already names a driver is left alone.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _is_file_database(url: URL) -> bool:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    return not in_memory


def make_engine(url: str | URL, *, sqlite_foreign_keys: bool = True, **options: Any) -> AsyncEngine:
    """Create an async engine with the settings this application relies on.

    SQLite: foreign keys on (SQLite ignores them otherwise), WAL journal for file databases
    (readers do not block the writer), and transactions started with `BEGIN IMMEDIATE` by
    SQLAlchemy rather than by the driver, which makes SAVEPOINTs work and serialises writers
    up front instead of failing one of them half-way through a use case.
    PostgreSQL: a pool that checks connections idle for `PING_AFTER_IDLE_SECONDS` before use
    and recycles them, so a restarted server or a proxy's idle timeout costs a reconnect
    rather than a failed request.
    `options` are passed to `create_async_engine` and win over these defaults.
    `sqlite_foreign_keys=False` is for migrations only: SQLite alters a table by copying and
    dropping it, and with foreign keys enforced that drop would cascade into child rows.
    """
    target = normalise_url(url)
    if is_sqlite(target):
        if _is_file_database(target):
            _create_private_file(target.database or "")
        engine = create_async_engine(
            target,
            **{
                "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                "hide_parameters": True,
                # (an in-memory database has a single static connection and no queue)
                **(
                    {"pool_timeout": POOL_TIMEOUT_SECONDS}
                    if _is_file_database(target) and "poolclass" not in options
                    else {}
                ),
                **options,
            },
        )
        _configure_sqlite(engine, wal=_is_file_database(target), foreign_keys=sqlite_foreign_keys)
        return engine
    # Statement parameters hold call-out texts and reporter keys: never in error logs.
    defaults: dict[str, Any] = {"pool_recycle": 1800, "hide_parameters": True}
    if "poolclass" not in options:
        # Sizing applies to the default queue pool only (NullPool would reject it).
        # A burst waits its turn for a connection rather than failing after 30 s: requests
        # are acknowledged before their work runs, so a failure here would lose an answer.
        defaults.update(pool_size=10, max_overflow=10, pool_timeout=POOL_TIMEOUT_SECONDS)
    engine = create_async_engine(target, **{**defaults, **options})
    if not options.get("pool_pre_ping"):
        _ping_if_idle(engine)
    return engine


def _create_private_file(database: str) -> None:
    """Create a new SQLite file readable by its owner only (0600): it holds call-outs and
    encrypted tokens. SQLite gives its -wal and -shm files the database file's mode."""
    if database.startswith("file:"):
        return  # a URI filename: SQLite parses it; left to the operator
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return  # an existing database keeps its mode; a missing folder fails on connect
    with contextlib.suppress(FileExistsError):  # another process created it just now
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _ping_if_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection before use only if it sat idle `PING_AFTER_IDLE_SECONDS`.

    asyncpg's ping (what `pool_pre_ping` does) is three round trips (BEGIN, `;`, ROLLBACK) on
    every checkout: under load that was as much as a use case's own statements. A connection
    used a moment ago has not been cut by a proxy's idle timeout, and one whose server went
    away is closed already (asyncpg saw the socket close), which needs no round trip to see.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _taken(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        returned = record.info.get("returned_at")
        if returned is None:  # connected just now
            return
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():
            raise DisconnectionError("the connection was closed while it sat in the pool")
        if time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as problem:
            raise DisconnectionError("the pooled connection did not answer a ping") from problem


def _configure_sqlite(engine: AsyncEngine, *, wal: bool, foreign_keys: bool) -> None:
    """The pysqlite/aiosqlite transaction recipe from the SQLAlchemy docs, plus pragmas."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the driver from issuing its own BEGIN (it would defeat SAVEPOINT handling).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            # Deleted and overwritten values are zeroed, not left in free pages for a copy of
            # the file to read back: an erasure (`people forget`, retention) really erases.
            cursor.execute("PRAGMA secure_delete=ON")
            if wal:
                # synchronous stays FULL: a commit survives even a power cut, which is what
                # "a crash loses no stored answer" asks of the embedded default.
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start: a use case that reads then writes can
        # no longer fail with SQLITE_BUSY after doing its reads; it waits its turn instead.
        # Sent straight to aiosqlite: one trip to its thread instead of three (open, execute
        # and close a cursor), on every transaction.
        connection.connection.dbapi_connection.run_async(_begin_immediate)


async def _begin_immediate(driver_connection: Any) -> None:
    await driver_connection.execute("BEGIN IMMEDIATE")


_REPOSITORIES: Final[dict[str, Callable[[AsyncSession], object]]] = {
    "compacts": CompactRepository,
    "people": PeopleRepository,
    "membership": MembershipRepository,
    "channels": ChannelRepository,
    "rounds": RoundRepository,
    "reflections": ReflectionRepository,
    "callouts": CalloutRepository,
    "threads": CalloutThreadRepository,
    "summaries": FacilitatorSummaryRepository,
    "digests": DigestRepository,
    "schedules": ScheduleRepository,
    "requests": RequestLog,
    "addresses": AddressRepository,
    "inbox": InboxRepository,
    "outbox": OutboxRepository,
    "health": HealthRepository,
    "reviews": ReviewTriggerRepository,
    "audit": AuditRepository,
    "retention": RetentionRepository,
}


class SqlUnitOfWork:
    """One session and one transaction, with every repository bound to it.

    Use it as `async with db.unit_of_work() as uow: ...; await uow.commit()`. Work done after
    the last `commit()` is rolled back when the block ends. The repository attributes exist
    only inside the block.
    """

    compacts: CompactRepository
    people: PeopleRepository
    membership: MembershipRepository
    channels: ChannelRepository
    rounds: RoundRepository
    reflections: ReflectionRepository
    callouts: CalloutRepository
    threads: CalloutThreadRepository
    summaries: FacilitatorSummaryRepository
    digests: DigestRepository
    schedules: ScheduleRepository
    requests: RequestLog
    addresses: AddressRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    health: HealthRepository
    reviews: ReviewTriggerRepository
    audit: AuditRepository
    retention: RetentionRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The underlying session, for queries no repository offers (reports, tests)."""
        if self._session is None:
            raise RuntimeError("the unit of work is only usable inside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        session = self._sessions()
        self._session = session
        await session.begin()
        return self

    if not TYPE_CHECKING:  # mypy keeps checking attributes against the annotations above

        def __getattr__(self, name: str) -> Any:
            """A repository is made on first use in the block (most use cases touch a few)."""
            repository = _REPOSITORIES.get(name)
            if repository is None:
                raise AttributeError(name)
            made = repository(self.session)
            setattr(self, name, made)
            return made

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        self._session = None
        for name in _REPOSITORIES.keys() & vars(self).keys():
            delattr(self, name)
        # Uncommitted work is discarded: committing is always an explicit decision. close()
        # rolls the transaction back as the connection returns to the pool, and unlike
        # rollback() it leaves values already read intact rather than expiring them.
        await session.close()

    async def commit(self) -> None:
        """Make everything done so far durable; the unit of work stays usable afterwards."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Discard everything since the last commit, without leaving the block."""
        await self.session.rollback()


class Database:
    """The application's handle on the database: an engine and a session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # expire_on_commit=False: values read in a use case stay readable after its commit,
        # when effects run; repositories return frozen domain values anyway.
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str | URL, **engine_options: Any) -> Database:
        """Build a `Database` for `url` (see `make_engine` for the URL forms accepted)."""
        return cls(make_engine(url, **engine_options))

    async def ping(self) -> None:
        """Raise unless the database answers (health checks)."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    def unit_of_work(self) -> SqlUnitOfWork:
        """A fresh unit of work; enter it with `async with`."""
        return SqlUnitOfWork(self.sessions)

    async def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or at the end of a test)."""
        await self.engine.dispose()
