"""Schema migrations run from code, with the Alembic configuration built here so they work
from an installed wheel (docs/architecture.md, "Storage")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base
from storage.types import UtcDateTime

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
URL_ATTRIBUTE: Final = "database_url"


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | bool:
    """Write `UtcDateTime` columns into migrations as plain `sa.DateTime(timezone=True)`.

    A migration must keep working after the application code it was generated from has
    changed, so revisions should not import `storage.types`.
    """
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def context_options() -> dict[str, Any]:
    """Options for `context.configure`, shared by env.py and `schema_differences`."""
    return {
        "target_metadata": Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table there and is a
        # plain ALTER elsewhere, so future revisions work on both databases.
        "render_as_batch": True,
        # SQLite can roll back DDL too (given the driver recipe in `make_engine`), so a
        # failed upgrade leaves the schema as it was on both databases.
        "transactional_ddl": True,
        "compare_type": True,
        "render_item": render_item,
    }


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic `Config` pointing at the packaged migrations (and at `url`, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.attributes[URL_ATTRIBUTE] = (
            url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        )
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision` (blocking; see `upgrade_async`).

    Must not be called from a running event loop's thread: the migration environment runs
    its own loop for the async driver.
    """
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base": drop every table)."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str | URL, revision: str = "head") -> None:
    """`upgrade` for callers already inside an event loop: runs it in a worker thread."""
    await asyncio.to_thread(upgrade, url, revision)


def schema_differences(connection: Connection) -> list[Any]:
    """What differs between the migrated database and the models ([] when they agree).

    Takes a sync connection: from async code use `await conn.run_sync(schema_differences)`.
    """
    migration_context = MigrationContext.configure(connection, opts=context_options())
    return list(compare_metadata(migration_context, Base.metadata))


def head_revision() -> str | None:
    """The newest revision the packaged migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _database_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def schema_problem(engine: AsyncEngine) -> str | None:
    """Why the database's schema is not the one this code expects (None when it is): its
    Alembic revision must be the packaged head (`/readyz`)."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_database_revision)
    head = head_revision()
    if current == head:
        return None
    return f"database schema at {current or 'nothing'}, this code needs {head}"
