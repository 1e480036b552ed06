"""The dashboard page's server time, p50/p99, over many seeded partnerships (docs/benchmarks.md).

Seeds PostgreSQL the way `bench/digest_fanout.py` does (partnership 1 plays a year of real
weekly rounds through the application; partnerships 2..N are copies, by SQL; no call-outs are
seeded), then requests `GET /p/<slug>`
over loopback HTTP through `build_web_app` with a signed link, and times the server's side of
each request (a middleware around the handler: queries, composing, rendering).

Two baselines, interleaved with the pages in the same run so a busy machine moves all three:
the same address with a tampered link, which the same handler answers with the 403 "this link
has expired" page (the link checked, a small template rendered; no query), and `/readyz` (two
database round trips: a ping and the schema's revision).

    .venv/bin/python bench/dashboard.py --partnerships 2000 --rounds 52 --samples 400
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from aiohttp import ClientSession, web
from common import create_database, drop_database, kept_database, percentiles
from digest_fanout import Clock, Drop, clone, play_a_year

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.links import DASHBOARD
from bot.usecases.digests import period_named
from bot.web import build_web_app
from storage.database import Database
from storage.migrate import upgrade_async

SECRET = b"bench-secret-key-long-enough"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def main(args: argparse.Namespace) -> None:
    if args.keep:  # e.g. the database `bench/digest_fanout.py --keep` seeded
        url, seeded = await kept_database(args.keep)
    else:
        url, seeded = (
            await create_database("postgresql", Path(), f"compact_dash_{os.getpid()}"),
            False,
        )
    await upgrade_async(url)
    database = Database.from_url(url)
    period = period_named("2026-W47")
    try:
        if seeded:
            print(f"reusing the database {args.keep} (seeded before)")
        else:
            started = time.perf_counter()
            await play_a_year(database, args.rounds, period.end)
            print(
                f"partnership 1: {args.rounds} real rounds in {time.perf_counter() - started:.1f} s"
            )
            await clone(database, args.partnerships)
        clock = Clock(period.end + timedelta(hours=9))
        wiring = bootstrap(
            Settings(), gateways={"slack": Drop()}, clock=clock, database=database, secret=SECRET
        )
        timings: list[float] = []
        refusals: list[float] = []
        readiness: list[float] = []

        @web.middleware
        async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
            begun = time.perf_counter()
            try:
                return await handler(request)
            finally:
                if request.path == "/readyz":
                    readiness.append(time.perf_counter() - begun)
                else:
                    refused = "baseline" in request.query
                    (refusals if refused else timings).append(time.perf_counter() - begun)

        app = build_web_app(wiring.app, [], maintenance=wiring.maintenance, tick_every=None)
        app.middlewares.append(timed)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        links = wiring.services.links
        assert links is not None
        slugs = ["nhs-vmi"] + [f"p{n}" for n in range(2, args.partnerships + 1)]
        sample = random.Random(7).sample(slugs, min(args.samples, len(slugs)))
        sizes: list[int] = []
        async with ClientSession() as session:
            for i, slug in enumerate([*sample[:5], *sample]):  # five warm-up requests
                link = links.url(slug, DASHBOARD, "bench", clock.now())
                path = link.split("localhost:3000", 1)[1]
                async with session.get(f"http://127.0.0.1:{port}{path}") as reply:
                    body = await reply.read()
                    assert reply.status == 200, (slug, reply.status)
                    sizes.append(len(body))
                async with session.get(f"http://127.0.0.1:{port}{path}x&baseline=1") as reply:
                    assert reply.status == 403, (slug, reply.status)
                async with session.get(f"http://127.0.0.1:{port}/readyz") as reply:
                    assert reply.status == 200, await reply.text()
                if i == 4:
                    for measured in (timings, refusals, readiness):
                        measured.clear()
        await runner.cleanup()
        p50, p99, worst = percentiles(timings)
        print(
            f"{args.partnerships} partnerships, a year of rounds each; "
            f"{len(timings)} dashboard pages (random partnerships): server time "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms; "
            f"page {sum(sizes) // len(sizes) // 1024} KiB (target: under 300 ms)"
        )
        for name, measured in (
            ("refused links (the 403 page, no query)", refusals),
            ("/readyz (two database round trips)", readiness),
        ):
            p50, p99, worst = percentiles(measured)
            print(
                f"baseline, interleaved: {len(measured)} {name}: "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms"
            )
        print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        await database.dispose()
        if not args.keep:
            await drop_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partnerships", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=52)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument(
        "--keep",
        metavar="DATABASE",
        default="",
        help="seed this PostgreSQL database once and keep it, or reuse it if it is there "
        "(`bench/digest_fanout.py --keep` seeds the same shape, with its --rounds)",
    )
    asyncio.run(main(parser.parse_args()))
