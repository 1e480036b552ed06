"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import CursorResult, Executable, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

_PG_UNIQUE_VIOLATION: Final = "23505"
_SQLITE_UNIQUE_VIOLATIONS: Final = frozenset(
    {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
)


def is_unique_violation(error: IntegrityError) -> bool:
    """True for a duplicate key; False for other integrity errors (e.g. a missing parent)."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == _PG_UNIQUE_VIOLATION)
    return getattr(original, "sqlite_errorname", None) in _SQLITE_UNIQUE_VIOLATIONS


async def insert_if_absent(session: AsyncSession, statement: Executable) -> Result[Any] | None:
    """Run an INSERT inside a SAVEPOINT; None (and no harm done) if the key already exists.

    On PostgreSQL a failed statement aborts the whole transaction; rolling back to the
    savepoint keeps the surrounding unit of work usable, so "already done" is an answer
    rather than an error. Integrity errors other than a duplicate key still raise.
    """
    try:
        async with session.begin_nested():
            # The result of an async execute is buffered, so RETURNING rows outlive the block.
            return await session.execute(statement)
    except IntegrityError as error:
        if is_unique_violation(error):
            return None
        raise


async def insert_unless_present(
    session: AsyncSession, table: Table, values: Mapping[str, Any]
) -> bool:
    """INSERT a row unless one with the same key exists; True if it was inserted.

    `ON CONFLICT DO NOTHING` (PostgreSQL and SQLite both have it) answers "already there"
    without an error, so no SAVEPOINT is needed around it: two round trips fewer than
    `insert_if_absent`, on paths that run on every request. A concurrent insert of the same
    key waits for the other transaction and then does nothing, as a unique violation would.
    """
    connection = await session.connection()
    statement = _insert_ignoring_duplicates(table, connection.dialect.name)
    # On the session's connection: a Core statement needs none of the ORM's execution path.
    result = await connection.execute(statement, dict(values))
    return result.rowcount == 1


@cache
def _insert_ignoring_duplicates(table: Table, dialect: str) -> Executable:
    """`INSERT ... ON CONFLICT DO NOTHING` into `table`, built once per table and dialect: the
    values go as parameters, so SQLAlchemy finds the compiled statement in its cache instead
    of computing a new statement's cache key on every request."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")


async def rowcount(session: AsyncSession, statement: Executable) -> int:
    """Execute an UPDATE or DELETE and say how many rows it touched (for compare-and-swap)."""
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount
