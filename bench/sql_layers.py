"""What the storage library costs: the floor's two transactions per answer, by hand on asyncpg
and through SQLAlchemy's `AsyncSession` as `storage/` uses it, in turns, in one process.

    python bench/sql_layers.py [--answers 4000] [--slices 4] [--concurrency 64]

`bench/slack_ack.py`'s floor does, per answer, exactly two transactions on asyncpg (before the
acknowledgement: the request key and its inbox row; after it: take the row, lock the round,
store the reflection, move the turn on). Here the same SQL runs the same number of times, once
on an asyncpg pool and once through SQLAlchemy 2 (`async_sessionmaker` on the asyncpg dialect,
a session and a transaction per unit of work, the statements as prebuilt Core constructs on
the session's connection, as the product's hot path runs them), and the process's CPU time per
answer is printed for each, PostgreSQL's not counted. The difference is what any
implementation on SQLAlchemy's sessions pays over the floor before doing anything of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from common import create_database, drop_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import make_engine

SCHEMA = """
CREATE TABLE rounds (channel text PRIMARY KEY, attendees text[] NOT NULL, turn int NOT NULL);
CREATE TABLE reflections (
    id bigserial PRIMARY KEY, channel text NOT NULL, author text NOT NULL, learned text NOT NULL);
CREATE TABLE requests (key text PRIMARY KEY);
CREATE TABLE inbox (key text PRIMARY KEY, request jsonb NOT NULL);
"""
PEOPLE = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN"]
RECORD = "INSERT INTO requests VALUES ($1) ON CONFLICT DO NOTHING"
PUT = "INSERT INTO inbox VALUES ($1, $2)"
TAKE = "DELETE FROM inbox WHERE key = $1"
LOCK = "SELECT attendees, turn FROM rounds WHERE channel = $1 FOR UPDATE"
STORE = "INSERT INTO reflections (channel, author, learned) VALUES ($1, $2, $3)"
MOVE = "UPDATE rounds SET turn = turn + 1 WHERE channel = $1"

Answer = Callable[[str, str, str], Awaitable[None]]


def by_hand(pool: Any) -> Answer:
    async def answer(key: str, channel: str, user: str) -> None:
        async with pool.acquire() as connection, connection.transaction():
            if await connection.execute(RECORD, key) == "INSERT 0 1":
                await connection.execute(PUT, key, json.dumps({"user": user}))
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(TAKE, key)
            round_ = await connection.fetchrow(LOCK, channel)
            if round_ is None or round_["attendees"][round_["turn"]] != user:
                return
            await connection.execute(STORE, channel, user, "We listened")
            await connection.execute(MOVE, channel)

    return answer


def _named(sql: str, *names: str) -> Any:
    for n, name in enumerate(names, start=1):
        sql = sql.replace(f"${n}", f":{name}")
    return text(sql)


# The floor's statements as SQLAlchemy text constructs, built once (as the product's hot path).
RECORD_, PUT_, TAKE_ = _named(RECORD, "k"), _named(PUT, "k", "r"), _named(TAKE, "k")
LOCK_, STORE_, MOVE_ = _named(LOCK, "c"), _named(STORE, "c", "a", "l"), _named(MOVE, "c")


async def record(connection: AsyncConnection, key: str, user: str) -> None:
    """Before the acknowledgement: the key and its inbox row."""
    if (await connection.execute(RECORD_, {"k": key})).rowcount == 1:
        await connection.execute(PUT_, {"k": key, "r": json.dumps({"user": user})})


async def store(connection: AsyncConnection, key: str, channel: str, user: str) -> bool:
    """After it: take the row, lock the round, store the answer, move the turn on."""
    await connection.execute(TAKE_, {"k": key})
    round_ = (await connection.execute(LOCK_, {"c": channel})).first()
    if round_ is None or round_.attendees[round_.turn] != user:
        return False
    await connection.execute(STORE_, {"c": channel, "a": user, "l": "We listened"})
    await connection.execute(MOVE_, {"c": channel})
    return True


def through_sessions(sessions: async_sessionmaker[AsyncSession]) -> Answer:
    async def answer(key: str, channel: str, user: str) -> None:
        async with sessions() as session:
            await session.begin()
            await record(await session.connection(), key, user)
            await session.commit()
        async with sessions() as session:
            await session.begin()
            if await store(await session.connection(), key, channel, user):
                await session.commit()

    return answer


def through_connections(engine: AsyncEngine) -> Answer:
    async def answer(key: str, channel: str, user: str) -> None:
        async with engine.begin() as connection:
            await record(connection, key, user)
        async with engine.connect() as connection:
            await connection.begin()
            if await store(connection, key, channel, user):
                await connection.commit()

    return answer


async def a_slice(answer: Answer, label: str, rounds: int, concurrency: int) -> tuple[int, float]:
    """`rounds` rounds of four answered in turn, `concurrency` at once; answers, CPU seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one_round(n: int) -> None:
        channel = f"{label}{n:06d}"
        for person in PEOPLE:
            async with gate:
                await answer(f"{channel}:{person}", channel, person)

    started = time.process_time()
    await asyncio.gather(*(one_round(n) for n in range(rounds)))
    return rounds * len(PEOPLE), time.process_time() - started


async def seed(dsn: str, labels: list[str], rounds: int) -> None:
    connection = await asyncpg.connect(dsn)
    await connection.execute(SCHEMA)
    rows = [(f"{label}{n:06d}", PEOPLE, 0) for label in labels for n in range(rounds)]
    await connection.copy_records_to_table("rounds", records=rows)
    await connection.close()


async def main(answers: int, slices: int, concurrency: int) -> None:
    url = await create_database("postgresql", Path("."), "bench_sql_layers")
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    rounds = answers // slices // len(PEOPLE)
    labels = [f"{n}{s}-" for s in ("W", *range(slices)) for n in range(3)]
    await seed(dsn, labels, rounds)
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=20)
    engine = make_engine(url, pool_size=20)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ways = {
        "asyncpg by hand": by_hand(pool),
        "SQLAlchemy Core connections": through_connections(engine),
        "SQLAlchemy sessions": through_sessions(sessions),
    }
    for n, answer in enumerate(ways.values()):  # warm the pools and caches
        await a_slice(answer, f"{n}W-", rounds, concurrency)
    totals = {name: [0, 0.0] for name in ways}
    for s in range(slices):
        for n, (name, answer) in enumerate(ways.items()):
            done, cpu = await a_slice(answer, f"{n}{s}-", rounds, concurrency)
            totals[name][0] += done
            totals[name][1] += cpu
            print(f"  slice {s + 1} {name}: {1000 * cpu / done:.2f} ms CPU per answer")
    hand = totals["asyncpg by hand"][1] / totals["asyncpg by hand"][0]
    for name, (done, cpu) in totals.items():
        per = cpu / done
        print(f"{name:28} {1000 * per:5.2f} ms CPU per answer, {1000 * (per - hand):+.2f} ms")
    await pool.close()
    await engine.dispose()
    await drop_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=4000)
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    arguments = parser.parse_args()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # the loop serve runs on
    asyncio.run(main(arguments.answers, arguments.slices, arguments.concurrency))
