"""What the benchmarks share: scratch databases, ports, waiting for a server, percentiles."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_healthy(
    session: ClientSession, url: str, process: Any, *, ok: tuple[int, ...] = (200,)
) -> None:
    """Until `url` answers with one of `ok` (a minute at most), or the process exits."""
    for _ in range(600):
        code = process.poll() if hasattr(process, "poll") else process.returncode
        if code is not None:
            raise RuntimeError(f"server exited with {code}")
        try:
            async with session.get(url) as reply:
                if reply.status in ok:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def compact_file(folder: Path, platform: str, user_id: Callable[[str], str]) -> Path:
    """The example compact, each person given an id on `platform`, turns never timing out."""
    text = (ROOT / "examples" / "compact.yaml").read_text(encoding="utf-8")
    text = re.sub(
        r"^(\s+)email: (\w+)@(.*)$",
        lambda m: f'{m[1]}email: {m[2]}@{m[3]}\n{m[1]}ids: {{{platform}: "{user_id(m[2])}"}}',
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(r"turn_timeout_minutes: \d+", "turn_timeout_minutes: null", text)
    path = folder / "compact.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def create_database(kind: str, folder: Path, name: str) -> str:
    """A fresh scratch database: a SQLite file in `folder`, or `name` on PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    from sqlalchemy.engine import make_url

    from storage.database import make_engine

    engine = make_engine(make_url(POSTGRES))
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await autocommit.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


async def kept_database(name: str) -> tuple[str, bool]:
    """`name` on PostgreSQL, created if missing (never dropped): the URL, and whether it was
    there already (a benchmark run with `--keep` then skips its seeding)."""
    from sqlalchemy.engine import make_url

    from storage.database import make_engine

    engine = make_engine(make_url(POSTGRES))
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        rows = await autocommit.exec_driver_sql(
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
        )
        existed = rows.first() is not None
        if not existed:
            await autocommit.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await engine.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False), existed


async def drop_database(url: str) -> None:
    """Drop a scratch PostgreSQL database made by `create_database` (SQLite: nothing to do)."""
    from sqlalchemy.engine import make_url

    from storage.database import make_engine

    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    engine = make_engine(target.set(database=make_url(POSTGRES).database))
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(
            f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'
        )
    await engine.dispose()


async def stored_reflections(url: str) -> int:
    """How many reflections the database holds (did every answer get stored?)."""
    from sqlalchemy import func, select

    from storage.database import Database
    from storage.models import ReflectionRow

    database = Database.from_url(url)
    try:
        async with database.unit_of_work() as uow:
            return int(
                await uow.session.scalar(select(func.count()).select_from(ReflectionRow)) or 0
            )
    finally:
        await database.dispose()


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


async def bounded(count: int, work: Callable[[int], Awaitable[Any]], limit: int) -> list[Any]:
    """`work(0..count-1)`, at most `limit` at a time."""
    gate = asyncio.Semaphore(limit)

    async def one(i: int) -> Any:
        async with gate:
            return await work(i)

    return await asyncio.gather(*(one(i) for i in range(count)))
