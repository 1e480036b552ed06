"""A running Slack endpoint on a real port, a fake Slack, a real database, a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession, web

from adapters.slack.pacing import ChannelPacer
from adapters.slack.server import SlackServer
from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.metrics import Metrics
from bot.usecases.compacts import load_compact_file
from bot.web import build_web_app
from storage.database import Database
from tests.adapters.slack.fake_slack import FakeSlack, SlackPeople
from tests.app.harness import SECRET, ManualClock, compact_with_ids

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
CHANNEL = "C0PARTNERS"
# People in the example compact, with the Slack ids the test compact gives them.
ALICE, BOB, CAROL, DAN, ERIN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAN", "U0ERIN"


def compact_with_slack_ids(folder: Path) -> Path:
    """The example compact, each person given a Slack id (U0 + their handle)."""
    return compact_with_ids(folder, "slack", lambda handle: f"U0{handle.upper()}")


@dataclass
class SlackWorld:
    slack: FakeSlack
    people: SlackPeople
    wiring: Wiring
    clock: ManualClock
    base_url: str
    retry_waits: list[float]

    @property
    def database(self) -> Database:
        return self.wiring.database


@asynccontextmanager
async def slack_world(
    database: Database,
    folder: Path,
    *,
    max_queued_work: int = 200,
    compact: Path | None = None,
    emails: Mapping[str, str | None] | None = None,
    link: bool = True,
) -> AsyncIterator[SlackWorld]:
    """Serve the bot's Slack endpoint on 127.0.0.1 and link #partners to the compact (by
    default the example with a Slack id for each person; `emails`: profiles by user id)."""
    fake = await FakeSlack().start()
    for user_id, email in (emails or {}).items():
        fake.person(user_id, email)
    clock = ManualClock()
    retry_waits: list[float] = []

    async def wait_out(seconds: float) -> None:  # a 429's Retry-After, counted, not spent
        retry_waits.append(seconds)
        await asyncio.sleep(0)

    paced = [0.0]  # the pacer's own clock: a wait for the channel's turn moves it on

    async def pace(seconds: float) -> None:
        paced[0] += seconds
        await asyncio.sleep(0)

    metrics = Metrics()  # the 429 waits counted as `serve` counts them
    server = SlackServer(
        api_url=fake.url,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        pacer=ChannelPacer(monotonic=lambda: paced[0], sleep=pace),
        retry_sleep=metrics.counted_sleep("slack", wait_out),
        max_queued_work=max_queued_work,
    )
    wiring = bootstrap(
        Settings(),
        gateways={"slack": server.gateway},
        clock=clock,
        database=database,
        secret=SECRET,
        metrics=metrics,
    )
    await load_compact_file(wiring.services, compact or compact_with_slack_ids(folder))
    runner = web.AppRunner(
        build_web_app(wiring.app, [server], maintenance=wiring.maintenance, tick_every=None),
        access_log=None,
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as session:
            people = SlackPeople(f"{base_url}/slack/events", SIGNING_SECRET, session)
            world = SlackWorld(fake, people, wiring, clock, base_url, retry_waits)
            if link:
                status, _ = await people.command(ALICE, "link nhs-vmi", channel=CHANNEL)
                assert status == 200
                await fake.wait_for(lambda: fake.in_channel(CHANNEL), what="the link notice")
            yield world
    finally:
        await runner.cleanup()
        await fake.stop()
