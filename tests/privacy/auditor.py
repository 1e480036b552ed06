"""The auditor: what a person with read access to everything the bot wrote (every row of
every table, every log line at DEBUG, every message and card sent, `compact-bot export`)
could learn about an anonymous reporter. Each check returns the problems it found, so a
failure names what leaked where (docs/privacy.md, "What the privacy suite checks")."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, literal_column, select

from storage.database import Database
from storage.models import Base


@dataclass(frozen=True)
class Reporter:
    """Everything that names one person: user ids, names, handles, e-mail addresses and
    conversation ids on each platform (`texts`), and their internal person id."""

    texts: frozenset[str]
    person_id: int | None = None

    def named_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return sorted(t for t in self.texts if t.lower() in lowered)


@dataclass(frozen=True)
class Row:
    table: str
    values: dict[str, Any]
    xmin: int | None  # PostgreSQL's id of the transaction that last wrote the row

    @property
    def identity(self) -> tuple[Any, ...]:
        return (self.table, self.xmin, _blob(self.values))

    def __str__(self) -> str:
        return f"{self.table} {_blob(self.values)}"


@dataclass(frozen=True)
class Snapshot:
    rows: tuple[Row, ...]

    def written_since(self, earlier: Snapshot) -> list[Row]:
        """Rows new or rewritten since `earlier` (on PostgreSQL a rewrite changes xmin)."""
        seen = {row.identity for row in earlier.rows}
        return [row for row in self.rows if row.identity not in seen]

    def in_transaction(self, xmin: int) -> list[Row]:
        return [row for row in self.rows if row.xmin == xmin]

    def find(self, table: str, **values: Any) -> Row:
        (found,) = [
            row
            for row in self.rows
            if row.table == table and all(row.values.get(k) == v for k, v in values.items())
        ]
        return found


async def snapshot(database: Database) -> Snapshot:
    """Every row of every table (with its xmin on PostgreSQL)."""
    postgres = database.engine.dialect.name == "postgresql"
    rows: list[Row] = []
    async with database.unit_of_work() as uow:
        for table in Base.metadata.sorted_tables:
            columns: list[Any] = list(table.c)
            if postgres:
                columns.insert(0, literal_column("xmin::text").label("__xmin"))
            for found in (await uow.session.execute(select(*columns))).mappings():
                values = dict(found)
                xmin = values.pop("__xmin", None)
                rows.append(Row(table.name, values, None if xmin is None else int(xmin)))
    return Snapshot(tuple(rows))


# --- the checks ------------------------------------------------------------------------------
def traces_in_rows(rows: Iterable[Row], reporter: Reporter) -> list[str]:
    """Rows naming the reporter, or pointing at their person."""
    problems = []
    for row in rows:
        named = reporter.named_in(_blob(row.values))
        if named:
            problems.append(f"{row} names {named}")
        if reporter.person_id is not None and reporter.person_id in _person_refs(row):
            problems.append(f"{row} points at the reporter's person")
    return problems


def traces_in_texts(texts: Iterable[str], reporter: Reporter, where: str) -> list[str]:
    return [
        f"{where}: {text!r} names {named}" for text in texts if (named := reporter.named_in(text))
    ]


def finer_than_a_day(rows: Iterable[Row]) -> list[str]:
    """Rows holding a moment that is not the start of a day."""
    return [
        f"{row} holds {name}={value.isoformat()}"
        for row in rows
        for name, value in row.values.items()
        if isinstance(value, datetime) and value.timetz().replace(tzinfo=None) != time(0)
    ]


def _person_refs(row: Row) -> set[Any]:
    table: Table = Base.metadata.tables[row.table]
    refs = {
        row.values.get(column.name)
        for column in table.c
        for key in column.foreign_keys
        if key.column.table.name == "people"
    }
    if row.table == "people":
        refs.add(row.values.get("id"))
    return refs


def _blob(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- log lines -------------------------------------------------------------------------------
@dataclass
class LogTap(logging.Handler):
    """Every log record, of every logger, at DEBUG, as a line with its exception."""

    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __hash__(self) -> int:
        return id(self)


@contextmanager
def every_log_line() -> Iterator[LogTap]:
    """Hear every line logged at DEBUG and up, as `serve` logs with its root logger at DEBUG
    (loggers that set a level of their own keep it, as they do there)."""
    tap = LogTap()
    root = logging.getLogger()
    level = root.level
    root.addHandler(tap)
    root.setLevel(logging.DEBUG)
    try:
        yield tap
    finally:
        root.removeHandler(tap)
        root.setLevel(level)
