"""What an operator relies on (issue 12, "Operable"): `/metrics` counts what a Slack round
did and never times a call-out by kind; JSON log lines; `/readyz` on an old schema."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import ClientSession, web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import actions
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.logs import JsonFormatter
from bot.metrics import may_scrape
from bot.web import build_web_app
from storage.database import Database
from storage.migrate import schema_problem
from tests.adapters.slack.harness import ALICE, BOB, CHANNEL, SlackWorld, slack_world

WHAT = "Minutes were circulated before anyone checked them"


async def scrape(world: SlackWorld) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with (
        ClientSession() as session,
        session.get(f"{world.base_url}/metrics") as reply,
    ):
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain")
        text = await reply.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_what_a_slack_round_and_a_callout_did(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        slack.rate_limit(2, retry_after=0)  # the header waits out two 429s
        status, _ = await people.command(
            ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=CHANNEL
        )
        assert status == 200
        await slack.wait_for(
            lambda: [m for m in slack.in_channel(CHANNEL) if "your turn" in m.all_text],
            what="the first prompt",
        )
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms(), what="callout modal"))[-1]
        assert modal["callback_id"] == actions.FORM_CALLOUT
        status, answer = await people.submit(
            BOB,
            modal,
            {
                "clause": "lis-r1",
                "partner": "nhsei",
                "what_happened": WHAT,
                "disclosure": "anonymous",
            },
        )
        assert (status, answer) == (200, {})
        await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text],
            what="the call-out's acknowledgement",
        )

        await people.command(ALICE, "xyzzy-not-a-command", channel=CHANNEL)
        await slack.wait_for(
            lambda: (
                [m for m in slack.private_to(ALICE) if "xyzzy" in m.all_text.lower()]
                or slack.private_to(ALICE)
            ),
            what="the help for an unknown word",
        )
        other = {"platform": "slack", "kind": "command:other", "outcome": "ok"}
        for _ in range(100):  # a request is counted once its last message is out
            samples = await scrape(world)
            if value(samples, "compact_requests_total", **other) == 1:
                break
            await asyncio.sleep(0.02)

    requests = "compact_requests_total"
    assert value(samples, requests, platform="slack", kind="command:link", outcome="ok") == 1
    assert value(samples, requests, platform="slack", kind="command:reflect", outcome="ok") == 1
    # The call-out command and its form: one private bucket, never a kind of their own.
    assert value(samples, requests, platform="slack", kind="private", outcome="ok") == 2
    kinds = {dict(labels).get("kind", "") for (_, labels) in samples}
    assert not any("callout" in kind for kind in kinds), kinds
    # Words nobody knows are one label, so labels stay bounded whatever people type.
    assert not any("xyzzy" in kind for kind in kinds), kinds
    assert value(samples, requests, **other) == 1
    assert value(samples, "compact_request_seconds_count", platform="slack", kind="private") == 2
    # Every HTTP request to Slack's endpoint (link, reflect, callout, its submission).
    assert value(samples, "compact_http_requests_total", platform="slack", outcome="2xx") >= 4
    assert value(samples, "compact_rounds_open") == 1
    assert value(samples, "compact_work_queued", where="inbox") == 0
    assert value(samples, "compact_digests_total", outcome="sent") == 0
    assert value(samples, "compact_rate_limit_retries_total", platform="slack") == 2
    assert value(samples, "compact_scheduler_leader") == 0  # no scheduler in the harness


def test_metrics_answer_loopback_freely_and_others_only_with_the_token() -> None:
    assert may_scrape("127.0.0.1", None, None)
    assert may_scrape("::1", None, None)
    assert may_scrape("::ffff:127.0.0.1", None, None)
    # Anyone else: refused without a token set, whatever they send; with one, only it.
    assert not may_scrape("203.0.113.9", "Bearer anything", None)
    assert not may_scrape("203.0.113.9", None, "s3cret-token")
    assert not may_scrape("203.0.113.9", "Bearer wrong", "s3cret-token")
    assert not may_scrape("203.0.113.9", "Basic s3cret-token", "s3cret-token")
    assert may_scrape("203.0.113.9", "Bearer s3cret-token", "s3cret-token")
    assert not may_scrape(None, None, "s3cret-token")  # a Unix socket's peer is not vouched


@contextmanager
def json_log() -> Iterator[io.StringIO]:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield sink
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_json_log_lines_parse_and_carry_no_callout_text(
    database: Database, tmp_path: Path
) -> None:
    with json_log() as sink:
        async with slack_world(database, tmp_path) as world:
            slack, people = world.slack, world.people
            await people.command(BOB, "callout", channel=CHANNEL)
            modal = (await slack.wait_for(lambda: slack.forms(), what="callout modal"))[-1]
            await people.submit(
                BOB,
                modal,
                {
                    "clause": "lis-r1",
                    "partner": "nhsei",
                    "what_happened": WHAT,
                    "disclosure": "anonymous",
                },
            )
            await slack.wait_for(
                lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text],
                what="the call-out's acknowledgement",
            )
            try:
                raise ValueError('a "quoted"\nproblem')
            except ValueError:
                logging.getLogger("compact.test").exception("it failed")
    lines = sink.getvalue().splitlines()
    assert lines
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    for line in parsed:
        assert {"time", "level", "logger", "message"} <= set(line)
    failed = next(line for line in parsed if line["message"] == "it failed")
    assert failed["level"] == "ERROR" and "ValueError" in failed["exception"]
    assert WHAT not in sink.getvalue() and BOB not in sink.getvalue()


async def test_readyz_refuses_an_old_schema_while_healthz_stays_alive(
    database: Database,
) -> None:
    """Only the revision stamp goes back (the tables stay): what /readyz must notice is that
    the database says it is behind the code."""
    engine = database.engine
    wiring = bootstrap(Settings(), gateways={}, database=database, secret=b"k" * 32)

    async def readiness() -> str | None:
        return await schema_problem(engine)

    web_app = build_web_app(
        wiring.app, [], maintenance=wiring.maintenance, tick_every=None, readiness=readiness
    )
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    async with engine.connect() as connection:
        head = (await connection.exec_driver_sql(STAMP)).scalar_one()
    try:
        async with ClientSession() as session:
            async with session.get(f"{base}/readyz") as ready:
                assert (ready.status, await ready.json()) == (200, {"ready": True})
            await restamp(engine, "0006")
            async with session.get(f"{base}/readyz") as ready:
                assert ready.status == 503
                reason = (await ready.json())["reason"]
                assert "0006" in reason and head in reason
            async with session.get(f"{base}/healthz") as health:
                assert health.status == 200  # alive all the same: liveness is not readiness
    finally:
        await restamp(engine, head)
        await runner.cleanup()


STAMP = "SELECT version_num FROM alembic_version"


async def restamp(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision}
        )
