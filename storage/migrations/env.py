"""Alembic environment: runs migrations through the application's own async engine.

The URL comes from `storage.migrate` (programmatic runs), else `$DATABASE_URL`, else the
ini file's `sqlalchemy.url`. A caller may also hand over an open sync connection in
`config.attributes["connection"]`, which is then used as is.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from storage.database import make_engine, normalise_url
from storage.migrate import URL_ATTRIBUTE, context_options

config = context.config

if config.config_file_name is not None:
    # Only when run by the `alembic` CLI: a programmatic run keeps the app's logging.
    fileConfig(config.config_file_name)


def _database_url() -> str:
    url = (
        config.attributes.get(URL_ATTRIBUTE)
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL")
    return str(url)


MIGRATION_LOCK = 0x436F6D7061637432  # "Compact2": this application's migration lock


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade head --sql`) instead of touching a database."""
    context.configure(
        url=normalise_url(_database_url()),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **context_options())
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting at once migrate one after the other (the lock is released at
            # commit); the later ones then find the schema at head and do nothing.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            # Foreign keys were off while tables were rebuilt; check nothing broke before
            # committing, since SQLite would not have complained.
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with dangling foreign keys: {broken}")


async def _run_async() -> None:
    # NullPool: this engine lives for one migration run; nothing should outlive it.
    engine = make_engine(_database_url(), poolclass=NullPool, sqlite_foreign_keys=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
