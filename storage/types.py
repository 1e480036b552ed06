"""Column types shared by the models.

SQLite has no time zone type: SQLAlchemy stores its DATETIME as text without an offset and
hands back naive values, which the domain rejects (`Callout` insists on aware datetimes) or,
worse, would silently read in the host's zone. `UtcDateTime` therefore stores every moment
as UTC and always returns an aware UTC datetime, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp: naive input is refused, output is always UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            # Guessing a zone here would shift stored history by hours; refuse instead.
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        moment = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored as text; dropping the (always UTC) offset keeps values sortable as text.
            return moment.replace(tzinfo=None)
        return moment

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
