# ruff: noqa: E501  (the seeding SQL reads best unwrapped)
"""The weekly digest at scale: composing one, and sending all of them through a rate-limited
fake Slack, on PostgreSQL.

    python bench/digest_fanout.py [--partnerships 2000] [--rounds 104] [--compose-samples 300]
                                  [--workspace-rate 50]

Seeding: one partnership plays a year of real rounds through the application (two rounds a
week, seven people each, answers citing clauses), then the database copies its rows to the
other partnerships, each with its own compact version, clauses, organisations, people and
Slack channel (about 1.5M reflections at the defaults).

1. Compose: `compose_for` for random partnerships; p50/p99 time, and the number of SQL
   statements per digest (constant, not one per reflection).
2. Fan-out: every partnership's digest sent (`send_all`, the code `compact-bot serve` and
   `digest send` run) to a fake Slack that enforces one message per second per channel and
   `--workspace-rate` messages per second per workspace with `429` + `Retry-After`, and
   accepts the chart uploads. The floor is what those limits allow: messages / rate. Printed
   beside it: the measured time and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from common import ROOT, create_database, drop_database, kept_database
from sqlalchemy import event, text

from adapters.slack.server import SlackServer
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.messages import Message
from bot.requests import Actor, CommandRequest, FormSubmission
from bot.usecases.compacts import load_compact_file
from bot.usecases.digest_send import send_all
from bot.usecases.digests import compose_for, period_named
from bot.usecases.place import Place
from rituals.compact_yaml import parse_compact
from rituals.refs import ConversationRef, UserRef
from storage.database import Database
from storage.migrate import upgrade_async

TEAM = "T0BENCH"
TOKEN = "xoxb-bench-token"
PERIOD = "2026-W47"
PEOPLE = ("ALICE", "BOB", "CAROL", "DAN", "ERIN", "FRANK", "GINA")


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


class Drop:
    """A gateway that posts nowhere (seeding only)."""

    def __init__(self) -> None:
        self.n = 0

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        self.n += 1
        return f"{self.n}.000"

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None:
        return None

    async def send_private(self, user: UserRef, message: Message, *, near: Any = None) -> None:
        return None


# --- the rate-limited fake Slack ----------------------------------------------------------------
class LimitedSlack:
    def __init__(self, workspace_rate: float) -> None:
        self.rate = workspace_rate
        self.last_in_channel: dict[str, float] = {}
        self.workspace_window: list[float] = []
        self.posted: dict[str, int] = defaultdict(int)
        self.limited = 0
        self.uploads = 0
        self.url = ""

    async def start(self) -> web.AppRunner:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/api/{method}", self.api)
        app.router.add_post("/upload/{file}", self.upload)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/"  # type: ignore[union-attr]
        return runner

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update({k: str(v) for k, v in (await request.post()).items()})
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": TEAM, "user_id": "U0BOT"})
        if method == "chat.postMessage":
            now = time.monotonic()
            channel = str(args["channel"])
            self.workspace_window = [t for t in self.workspace_window if now - t < 1.0]
            last = self.last_in_channel.get(channel)
            if (last is not None and now - last < 1.0) or len(self.workspace_window) >= self.rate:
                self.limited += 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
                )
            self.last_in_channel[channel] = now
            self.workspace_window.append(now)
            self.posted[channel] += 1
            return web.json_response({"ok": True, "channel": channel, "ts": f"{now:.6f}"})
        if method == "files.getUploadURLExternal":
            self.uploads += 1
            return web.json_response(
                {
                    "ok": True,
                    "upload_url": self.url.replace("/api/", f"/upload/F{self.uploads}"),
                    "file_id": f"F{self.uploads}",
                }
            )
        if method == "files.completeUploadExternal":
            return web.json_response({"ok": True, "files": [{"id": "F"}]})
        return web.json_response({"ok": True})

    async def upload(self, request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="OK")


# --- seeding -------------------------------------------------------------------------------------
def compact_text() -> str:
    import re

    text_ = (ROOT / "examples" / "compact.yaml").read_text(encoding="utf-8")
    return re.sub(
        r"^(\s+)email: (\w+)@(.*)$",
        lambda m: f"{m[1]}email: {m[2]}@{m[3]}\n{m[1]}ids: {{slack: U0{m[2].upper()}}}",
        text_,
        flags=re.MULTILINE,
    )


async def play_a_year(database: Database, rounds: int, period_end: datetime) -> None:
    """Partnership 1: `rounds` real rounds over the year before `period_end`."""
    clock = Clock(period_end - timedelta(days=365))
    wiring = bootstrap(
        Settings(),
        gateways={"slack": Drop()},
        clock=clock,
        database=database,
        secret=b"bench-secret-key-long-enough",
    )
    folder = Path(tempfile.mkdtemp())
    (folder / "compact.yaml").write_text(compact_text(), encoding="utf-8")
    channel = ConversationRef("slack", TEAM, "C1")
    await load_compact_file(wiring.services, folder / "compact.yaml", bind=(channel,))
    app = wiring.app
    people = [Actor(UserRef("slack", TEAM, f"U0{p}"), p.title()) for p in PEOPLE]
    clause_ids = [c.id for c in parse_compact(compact_text()).clauses]
    step = timedelta(days=365) / rounds
    for n in range(rounds):
        clock.moment = period_end - timedelta(days=365) + step * n
        await app.command(
            CommandRequest(people[0], channel, ("reflect", "as-gathered"), tuple(people))
        )
        async with database.unit_of_work() as uow:
            stored = await uow.rounds.open_in(channel)
        assert stored is not None
        for i, person in enumerate(people):
            clock.moment += timedelta(seconds=30)
            cited = tuple(random.sample(clause_ids, k=random.choice((1, 1, 2))))
            await app.submit(
                FormSubmission(
                    person,
                    channel,
                    "reflection",
                    {
                        "learned": f"Learned {n}-{i}: listening first",
                        "valued": f"Valued {n}-{i}: candour",
                        "clauses": cited,
                    },
                    {"round_id": stored.round.id},
                )
            )
        await app.command(CommandRequest(people[0], channel, ("end",)))


async def clone(database: Database, partnerships: int) -> None:
    """Copy partnership 1's compact, people and year of rounds to partnerships 2..N."""
    source = ROOT / "examples" / "compact.yaml"
    base = compact_text()
    started = time.perf_counter()
    for n in range(2, partnerships + 1):
        compact = parse_compact(base.replace("slug: nhs-vmi", f"slug: p{n}"), source=str(source))
        async with database.unit_of_work() as uow:
            stored, _ = await uow.compacts.load(compact, source_text=base, now=datetime.now(UTC))
            await uow.channels.bind(stored.partnership_id, ConversationRef("slack", TEAM, f"C{n}"))
            await uow.commit()
    print(f"  compacts, clauses, organisations, people: {time.perf_counter() - started:.1f} s")
    async with database.unit_of_work() as uow:  # reflection ids are copied with an offset
        assert int(await uow.session.scalar(text("SELECT max(id) FROM reflections")) or 0) < 1000
    started = time.perf_counter()
    statements = [
        # Newcomers (people not in the compact file) of partnership 1, for every other one.
        """INSERT INTO people (partnership_id, handle, display_name, email, organisation_id, asked_organisation_at, created_at)
           SELECT p.id, o.handle, o.display_name, o.email, NULL, o.asked_organisation_at, o.created_at
           FROM people o CROSS JOIN partnerships p WHERE o.partnership_id = 1 AND p.id > 1 AND o.handle IS NULL""",
        """INSERT INTO rounds (id, partnership_id, compact_version_id, platform, tenant, channel_id, thread_id,
                               status, started_by, state, version, turn_no, turn_deadline, opened_at, closed_at)
           SELECT 'p' || p.id || '-' || r.id, p.id, v.id, r.platform, r.tenant, 'C' || p.id, r.thread_id,
                  r.status, r.started_by, r.state, r.version, r.turn_no, r.turn_deadline, r.opened_at, r.closed_at
           FROM rounds r CROSS JOIN partnerships p JOIN compact_versions v ON v.partnership_id = p.id
           WHERE r.partnership_id = 1 AND p.id > 1""",
        """INSERT INTO reflections (id, round_id, partnership_id, person_id, author_platform, author_tenant,
                                    author_user_id, organisation_id, compact_version_id, learned, valued,
                                    turn_no, submitted_at, edited_at, position)
           SELECT r.id + p.id * 1000, 'p' || p.id || '-' || r.round_id, p.id, np.id, r.author_platform,
                  r.author_tenant, r.author_user_id, no.id, v.id, r.learned, r.valued, r.turn_no,
                  r.submitted_at, r.edited_at, r.position
           FROM reflections r CROSS JOIN partnerships p
           JOIN compact_versions v ON v.partnership_id = p.id
           LEFT JOIN people op ON op.id = r.person_id
           LEFT JOIN people np ON np.partnership_id = p.id AND np.display_name = op.display_name
           LEFT JOIN organisations oo ON oo.id = r.organisation_id
           LEFT JOIN organisations no ON no.partnership_id = p.id AND no.key = oo.key
           WHERE r.partnership_id = 1 AND p.id > 1""",
        """INSERT INTO reflection_clauses (reflection_id, clause_id, position, submitted_at)
           SELECT rc.reflection_id + p.id * 1000, nc.id, rc.position, rc.submitted_at
           FROM reflection_clauses rc JOIN reflections r ON r.id = rc.reflection_id AND r.partnership_id = 1
           JOIN clauses oc ON oc.id = rc.clause_id
           CROSS JOIN partnerships p
           JOIN compact_versions v ON v.partnership_id = p.id
           JOIN clauses nc ON nc.compact_version_id = v.id AND nc.clause_key = oc.clause_key
           WHERE p.id > 1""",
    ]
    async with database.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    print(f"  rounds, reflections and clause links copied: {time.perf_counter() - started:.1f} s")
    # What autovacuum does over a year of gradual inserts: hint bits set, visibility maps and
    # statistics up to date. Done now, so it does not run (on these two cores) mid-measurement.
    started = time.perf_counter()
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


async def seed(database: Database, args: argparse.Namespace, period_end: datetime) -> None:
    started = time.perf_counter()
    await play_a_year(database, args.rounds, period_end)
    print(
        f"seeded partnership 1 with {args.rounds} real rounds in {time.perf_counter() - started:.1f} s"
    )
    await clone(database, args.partnerships)


async def main(args: argparse.Namespace) -> None:
    if args.keep:  # seeded once, kept; each run sends the digests afresh
        url, seeded = await kept_database(args.keep)
    else:
        url, seeded = (
            await create_database("postgresql", Path(), f"compact_fanout_{os.getpid()}"),
            False,
        )
    await upgrade_async(url)
    database = Database.from_url(url)
    period = period_named(PERIOD)
    try:
        if seeded:
            async with database.engine.begin() as connection:
                await connection.execute(text("DELETE FROM digests_sent"))
            print(f"reusing the database {args.keep} (seeded before; its sent digests forgotten)")
        else:
            await seed(database, args, period.end)
        async with database.unit_of_work() as uow:
            total = await uow.session.scalar(text("SELECT count(*) FROM reflections"))
            links = await uow.session.scalar(text("SELECT count(*) FROM reflection_clauses"))
        print(f"{args.partnerships} partnerships, {total:,} reflections, {links:,} clause links")

        # 1. compose
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        samples: list[float] = []
        per_digest: set[int] = set()
        reflections_seen: list[int] = []
        now = period.end + timedelta(hours=9)
        # A running server has its connection open and its statements prepared: the first
        # few digests (a new connection, each statement planned once) are not measured.
        warm_up = 5
        for sample in range(warm_up + args.compose_samples):
            pid = random.randint(1, args.partnerships)
            async with database.unit_of_work() as uow:
                stored = await uow.compacts.latest_for(pid)
                assert stored is not None
                statements = 0
                began = time.perf_counter()
                digest = await compose_for(uow, Place(pid, stored), period, now)
                if sample < warm_up:
                    continue
                samples.append(time.perf_counter() - began)
                per_digest.add(statements)
                reflections_seen.append(digest.reflections_shared)
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        ordered = sorted(samples)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
        print("\ncompose one digest (period with ~14 reflections; a year of history behind it)")
        print(f"  p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(samples)} digests (target < 20 ms)")
        print(
            f"  SQL statements per digest: {sorted(per_digest)} (constant), "
            f"reflections in the period: {min(reflections_seen)}–{max(reflections_seen)}"
        )

        # 2. fan-out
        fake = LimitedSlack(args.workspace_rate)
        runner = await fake.start()
        sender = SlackServer(api_url=fake.url, signing_secret=None, bot_token=TOKEN)
        sending = bootstrap(
            Settings(),
            gateways={"slack": sender.gateway},
            clock=Clock(now),
            database=database,
            secret=b"bench-secret-key-long-enough",
        )
        periods = {pid: period for pid in range(1, args.partnerships + 1)}
        began = time.perf_counter()
        results = await send_all(sending.services, periods, asyncio.Semaphore(args.concurrency))
        seconds = time.perf_counter() - began
        messages = sum(fake.posted.values())
        floor = max(messages / args.workspace_rate, 1.0)
        sent = sum(1 for r in results if r.outcome.value == "sent")
        print("\nfan-out: every partnership's digest to its Slack channel")
        print(
            f"  {sent} digests sent ({messages} messages, {fake.uploads} chart uploads, "
            f"{fake.limited} answered 429) in {seconds:.1f} s"
        )
        print(
            f"  floor set by the rate limits ({args.workspace_rate:g} messages/s per workspace, "
            f"1/s per channel): {floor:.1f} s; ratio {seconds / floor:.2f}"
        )
        print(
            f"  every channel got exactly one: {all(v == 1 for v in fake.posted.values()) and len(fake.posted) == args.partnerships}"
        )
        await sender.stop()
        await runner.cleanup()
    finally:
        await database.dispose()
        if not args.keep:
            await drop_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partnerships", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=104)
    parser.add_argument("--compose-samples", type=int, default=300)
    parser.add_argument("--workspace-rate", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--keep",
        metavar="DATABASE",
        default="",
        help="seed this PostgreSQL database once and keep it; later runs reuse it "
        "(its partnership and round options are then those it was seeded with)",
    )
    asyncio.run(main(parser.parse_args()))
