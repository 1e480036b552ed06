"""Crash soak: is every acknowledged answer stored exactly once, and does the round still move,
when the server is killed (`kill -9`) right after Slack has its 200?

Per cycle: a round of two opens in #partners; the person asked answers (a reply in the
thread, the "pass" button, or the answer form); as soon as the answer is acknowledged the
real `compact-bot serve` is killed and restarted; then the answer must be stored exactly once
and the next person must have been prompted. The deterministic cycles arm a test-only
failpoint (`bot/failpoints.py`) that stalls the request between its acknowledgement and its
handling, so the kill always lands in that window; the random cycles kill 0-250 ms after the
acknowledgement with no failpoint. Outside the pytest suite (a cycle costs 2-3 s); a short
version runs as a `slow` test (tests/adapters/slack/test_crash_soak.py).

    python bench/crash_soak.py [--cycles 100] [--random 20] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    compact_file,
    create_database,
    drop_database,
    free_port,
    wait_healthy,
)

from bot import actions
from bot.views.rounds import parse_turn_value
from rituals.refs import UserRef
from storage.database import Database
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, Posted, SlackPeople

SECRET = "crash-soak-signing-secret"
TOKEN = "xoxb-test-token"
CHANNEL = "C0SOAK"
ALICE, BOB = "U0ALICE", "U0BOB"
KINDS = ("reply", "pass", "form")
WAIT_AFTER_RESTART = 20.0  # seconds for recovery to finish before an answer counts as lost


@dataclass
class Counts:
    cycles: int = 0
    acknowledged: int = 0
    exactly_once: int = 0
    lost: int = 0
    duplicated: int = 0
    round_stuck: int = 0
    pending_after_kill: int = 0
    seconds: float = 0.0  # whole cycles
    restarting: float = 0.0  # `serve` starting until /healthz answers
    recovering: float = 0.0  # from healthy until the answer is stored and the next person asked
    notes: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("cycles", "acknowledged", "exactly_once", "lost", "duplicated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.round_stuck += other.round_stuck
        self.pending_after_kill += other.pending_after_kill
        self.seconds += other.seconds
        self.restarting += other.restarting
        self.recovering += other.recovering
        self.notes += other.notes

    def line(self, label: str) -> str:
        return (
            f"{label:<24} cycles {self.cycles:4d}  acknowledged {self.acknowledged:4d}  "
            f"stored exactly once {self.exactly_once:4d}  lost {self.lost:3d}  "
            f"duplicated {self.duplicated:3d}  round stuck {self.round_stuck:3d}  "
            f"kills leaving work pending {self.pending_after_kill:4d}"
            + (
                f"  per cycle {self.seconds / self.cycles:.1f} s (restart "
                f"{self.restarting / self.cycles:.1f} s, "
                f"recovery {self.recovering / self.cycles:.1f} s)"
                if self.cycles
                else ""
            )
        )


class Server:
    """`compact-bot serve` as a subprocess that can be killed and started again."""

    def __init__(self, folder: Path, database_url: str, api_url: str) -> None:
        self.folder = folder
        self.stall_file = folder / "stall-armed"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("SLACK_", "TEAMS_", "COMPACT_", "DATABASE_"))
            },
            "DATABASE_URL": database_url,
            "COMPACT_SECRET_KEY": "crash-soak-secret-key-long-enough",
            "COMPACT_FILE": str(compact_file(folder, "slack", lambda h: f"U0{h.upper()}")),
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": api_url,
            "COMPACT_TEST_FAILPOINTS": "stall-after-ack",
            "COMPACT_TEST_ONLY": "yes",
            # A dead process's work is taken over after this lease (15 s by default): short,
            # so a cycle does not wait it out.
            "COMPACT_WORK_LEASE_SECONDS": "2",
            "COMPACT_TEST_STALL_FILE": str(self.stall_file),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (folder / "serve.log").open("ab")

    async def start(self, session: ClientSession) -> None:
        executable = str(Path(sys.executable).with_name("compact-bot"))
        self.process = subprocess.Popen(  # noqa: ASYNC220  (a bench: blocking is fine)
            [executable, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        await wait_healthy(session, f"{self.base}/healthz", self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None
        self.log.close()


class Soak:
    def __init__(self, server: Server, fake: FakeSlack, people: SlackPeople, url: str) -> None:
        self.server = server
        self.fake = fake
        self.people = people
        self.database = Database.from_url(url)

    def thread_prompts(self, header_ts: str) -> list[Posted]:
        return [
            m
            for m in self.fake.in_channel(CHANNEL)
            if m.thread_ts == header_ts
            and any(b["action_id"] == actions.ROUND_PASS for b in m.buttons())
        ]

    async def open_round(self) -> tuple[str, Posted, str]:
        """A new round of two; returns its header's ts, the first prompt and who it asks."""
        before = {m.ts for m in self.fake.in_channel(CHANNEL)}
        status, _ = await self.people.command(
            ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=CHANNEL
        )
        assert status == 200, status
        header = await self.fake.wait_for(
            lambda: next(
                (
                    m
                    for m in self.fake.in_channel(CHANNEL)
                    if m.ts not in before and m.thread_ts is None and "Reflections" in m.all_text
                ),
                None,
            ),
            within=30,
            what="the round header",
        )
        prompt = (await self.fake.wait_for(lambda: self.thread_prompts(header.ts), within=30))[0]
        person = ALICE if f"<@{ALICE}>" in prompt.all_text else BOB
        return header.ts, prompt, person

    async def answer(
        self, kind: str, person: str, header_ts: str, prompt: Posted, *, stall: bool
    ) -> int:
        """Send the answer (arming the failpoint just before, if `stall`); returns the HTTP
        status of the request that carries it."""
        if kind == "form":
            seen = set(self.fake.views)
            await self.people.click(person, prompt, actions.ROUND_ANSWER)
            modal = await self.fake.wait_for(
                lambda: [
                    v
                    for k, v in self.fake.views.items()
                    if k not in seen and any(b.get("type") == "input" for b in v["blocks"])
                ],
                within=30,
                what="the answer form",
            )
        if stall:
            self.server.stall_file.touch()
        if kind == "reply":
            status, _ = await self.people.reply(person, CHANNEL, header_ts, f"soak {uuid.uuid4()}")
        elif kind == "pass":
            status, _ = await self.people.click(person, prompt, actions.ROUND_PASS)
        else:
            values: dict[str, str | list[str] | None] = {
                "learned": f"soak {uuid.uuid4()}",
                "valued": "candour",
                "clauses": [],
            }
            status, _ = await self.people.submit(person, modal[-1], values)
        return status

    async def stored(self, kind: str, round_id: str, person: str) -> int:
        """How many times the answer is stored (0, 1, or more)."""
        async with self.database.unit_of_work() as uow:
            stored = await uow.rounds.get(round_id)
        assert stored is not None
        who = UserRef("slack", TEAM, person)
        if kind == "pass":
            return sum(1 for t in stored.round.turns if t.person == who and t.outcome == "passed")
        return sum(1 for r in stored.round.reflections if r.author == who)

    async def pending(self) -> int:
        """Rows left in the inbox and outbox (0 where those tables do not exist yet)."""
        total = 0
        for table in ("inbox", "outbox"):
            try:
                async with self.database.engine.connect() as connection:
                    found = await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")
                    total += int(found.scalar() or 0)
            except Exception:
                continue
        return total

    async def end_round(self, header_ts: str) -> None:
        """End the round as the facilitator would: `/compact end`, and once more when the
        bot asks to confirm (someone had begun answering); done when it is closed."""
        del header_ts  # the round is found by its channel
        for attempt in range(2):
            status, _ = await self.people.command(ALICE, "end", channel=CHANNEL)
            assert status == 200
            for _ in range(300 if attempt else 30):
                async with self.database.unit_of_work() as uow:
                    if await uow.rounds.open_in(_channel()) is None:
                        return
                await asyncio.sleep(0.1)
        raise AssertionError("the round did not close")

    async def cycle(self, kind: str, session: ClientSession, *, random_kill: bool) -> Counts:
        started = time.monotonic()
        counts = await self._cycle(kind, session, random_kill=random_kill)
        counts.seconds = time.monotonic() - started
        return counts

    async def _cycle(self, kind: str, session: ClientSession, *, random_kill: bool) -> Counts:
        counts = Counts(cycles=1)
        header_ts, prompt, person = await self.open_round()
        round_id, _ = parse_turn_value(prompt.button(actions.ROUND_PASS)["value"])
        status = await self.answer(kind, person, header_ts, prompt, stall=not random_kill)
        if random_kill:
            await asyncio.sleep(random.uniform(0, 0.25))
        self.server.kill()
        self.server.stall_file.unlink(missing_ok=True)
        if status != 200:
            counts.notes.append(f"{kind}: answer got HTTP {status}")
            await self.server.start(session)
            return counts
        counts.acknowledged = 1
        counts.pending_after_kill = 1 if await self.pending() else 0
        restarted = time.monotonic()
        await self.server.start(session)
        healthy = time.monotonic()
        counts.restarting = healthy - restarted
        deadline = time.monotonic() + WAIT_AFTER_RESTART
        times = 0
        while time.monotonic() < deadline:
            times = await self.stored(kind, round_id, person)
            if times and len(self.thread_prompts(header_ts)) >= 2:
                break
            await asyncio.sleep(0.2)
        counts.recovering = time.monotonic() - healthy
        counts.exactly_once = int(times == 1)
        counts.lost = int(times == 0)
        counts.duplicated = int(times > 1)
        counts.round_stuck = int(len(self.thread_prompts(header_ts)) < 2)
        await self.end_round(header_ts)
        return counts


def _channel() -> Any:
    from rituals.refs import ConversationRef

    return ConversationRef("slack", TEAM, CHANNEL)


async def soak_one(
    kind_of_database: str, cycles: int, random_cycles: int, kinds: tuple[str, ...] = KINDS
) -> dict[str, Counts]:
    """Run the soak on one database; counts by kind ("random" for the random-timing cycles)."""
    results: dict[str, Counts] = {}
    with tempfile.TemporaryDirectory(prefix="crash-soak-") as scratch:
        folder = Path(scratch)
        url = await create_database(kind_of_database, folder, f"crash_soak_{os.getpid()}")
        fake = await FakeSlack().start()
        server = Server(folder, url, fake.url)
        soak: Soak | None = None
        try:
            async with ClientSession() as session:
                await server.start(session)
                people = SlackPeople(f"{server.base}/slack/events", SECRET, session)
                soak = Soak(server, fake, people, url)
                status, _ = await people.command(ALICE, "link nhs-vmi", channel=CHANNEL)
                assert status == 200
                await fake.wait_for(lambda: fake.in_channel(CHANNEL), what="the link notice")
                for kind in kinds:
                    results[kind] = Counts()
                    for _ in range(cycles):
                        results[kind].add(await soak.cycle(kind, session, random_kill=False))
                results["random"] = Counts()
                for _ in range(random_cycles):
                    kind = random.choice(kinds)
                    results["random"].add(await soak.cycle(kind, session, random_kill=True))
        finally:
            server.stop()
            if soak is not None:
                await soak.database.dispose()
            await fake.stop()
            await drop_database(url)
    return results


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100, help="per kind and database")
    parser.add_argument("--random", type=int, default=20, help="random kill timing cycles")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--kinds", default=",".join(KINDS), help="reply,pass,form")
    options = parser.parse_args(argv)
    databases = ("sqlite", "postgresql") if options.database == "both" else (options.database,)
    kinds = tuple(k for k in options.kinds.split(",") if k)
    total = Counts()
    for database in databases:
        started = time.monotonic()
        results = await soak_one(database, options.cycles, options.random, kinds)
        for label, counts in results.items():
            print(counts.line(f"{database}/{label}"), flush=True)
            for note in counts.notes:
                print(f"    {note}")
            total.add(counts)
        print(f"{database}: {time.monotonic() - started:.0f} s", flush=True)
    print(total.line("all"))
    ok = total.lost == 0 and total.duplicated == 0 and total.round_stuck == 0
    return 0 if ok and total.acknowledged == total.cycles else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
