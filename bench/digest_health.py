"""What the health section costs inside the weekly digest (docs/benchmarks.md), against the
20 ms compose budget.

The digest's health section is its review lines: `compose_for` ends with
`triggers_to_announce`, which composes the quarter's health as of the period's end (the
health facts of this quarter and the one before, each digest week's citations, the review
states) and keeps the triggers no earlier digest announced. On a PostgreSQL database seeded
by `bench/digest_fanout.py --keep DATABASE` (a year of rounds in every partnership), for
random partnerships, three measures interleaved in one run, so a busy machine moves all three:

- the whole digest (`compose_for`, what the digest sends);
- the baseline: the same digest without its health section (`compose_for` with the review
  lines left out, i.e. the digest as it was before issue 14);
- the health section alone (`triggers_to_announce`, nothing recorded).

    .venv/bin/python bench/digest_fanout.py --keep compact_fanout   # seeds once (minutes)
    .venv/bin/python bench/digest_health.py --database compact_fanout [--samples 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from common import kept_database, percentiles
from sqlalchemy import event, text

import bot.usecases.digests as digests
from bot.repositories import UnitOfWork
from bot.usecases.digests import Period, compose_for, period_named
from bot.usecases.health import triggers_to_announce
from bot.usecases.place import Place
from storage.database import Database

BUDGET_MS = 20.0
Measure = Callable[[UnitOfWork, Place, Period, datetime], Awaitable[Any]]


async def _no_review_lines(*_: Any, **__: Any) -> tuple[()]:
    return ()


async def whole(uow: UnitOfWork, place: Place, period: Period, now: datetime) -> Any:
    return await compose_for(uow, place, period, now)


async def without_health(uow: UnitOfWork, place: Place, period: Period, now: datetime) -> Any:
    kept = digests.triggers_to_announce
    digests.triggers_to_announce = _no_review_lines  # type: ignore[assignment]
    try:
        return await compose_for(uow, place, period, now)
    finally:
        digests.triggers_to_announce = kept


async def health_alone(uow: UnitOfWork, place: Place, period: Period, now: datetime) -> Any:
    return await triggers_to_announce(uow, place, period.label, period.end, record=False)


MEASURES: dict[str, Measure] = {
    "whole digest": whole,
    "baseline: digest without its health section": without_health,
    "health section alone": health_alone,
}


async def main(args: argparse.Namespace) -> None:
    url, seeded = await kept_database(args.database)
    if not seeded:
        raise SystemExit(f"{args.database} is empty: seed it with bench/digest_fanout.py --keep")
    database = Database.from_url(url)
    period = period_named(args.period)
    now = period.end + timedelta(hours=9)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    timings: dict[str, list[float]] = {name: [] for name in MEASURES}
    counted: dict[str, set[int]] = {name: set() for name in MEASURES}
    try:
        async with database.unit_of_work() as uow:
            partnerships = int(await uow.session.scalar(text("SELECT max(id) FROM partnerships")))
        draw = random.Random(args.seed)
        warm_up = 5  # a running server's connection has its statements prepared
        for sample in range(warm_up + args.samples):
            pid = draw.randint(1, partnerships)
            order = list(MEASURES.items())
            draw.shuffle(order)  # no measure always runs first (or on a warmer cache)
            for name, measure in order:
                async with database.unit_of_work() as uow:
                    stored = await uow.compacts.latest_for(pid)
                    assert stored is not None
                    place = Place(pid, stored)
                    statements = 0
                    began = time.perf_counter()
                    await measure(uow, place, period, now)
                    seconds = time.perf_counter() - began
                if sample >= warm_up:
                    timings[name].append(seconds)
                    counted[name].add(statements)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        await database.dispose()
    print(
        f"{args.samples} digests of {args.period} for random partnerships of {partnerships} "
        f"(database {args.database}), the three measures interleaved:"
    )
    for name, samples in timings.items():
        p50, p99, worst = percentiles(samples)
        print(
            f"  {name:<45} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {worst:6.1f} ms  "
            f"SQL statements {sorted(counted[name])}"
        )
    share = [
        w - b for w, b in zip(timings["whole digest"], timings[list(MEASURES)[1]], strict=True)
    ]
    p50, p99, _ = percentiles([max(0.0, s) for s in share])
    print(f"  the health section's share (whole − baseline, per digest): p50 {p50:.1f} ms")
    print(f"  compose budget: {BUDGET_MS:.0f} ms for the whole digest")
    print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="compact_fanout")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--period", default="2026-W47")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
