"""The real `compact-bot serve` process, configured only through the environment, talking to
the fake Slack; and a server without Slack's secret, which does not serve Slack at all."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import ClientError, ClientSession

from tests.adapters.slack.fake_slack import FakeSlack, SlackPeople
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    BOT_TOKEN,
    CHANNEL,
    SIGNING_SECRET,
    compact_with_slack_ids,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(env: dict[str, str], folder: Path) -> AsyncIterator[str]:
    """Run `compact-bot serve` until /healthz answers; yields its base URL."""
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "COMPACT_", "DATABASE_"))
    }
    environment.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'served.sqlite3'}",
            "COMPACT_SECRET_KEY": "process-test-secret-key-long-enough",
            "COMPACT_FILE": str(compact_with_slack_ids(folder)),
            **env,
        }
    )
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("compact-bot")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=environment,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"{base}/healthz") as health:
                        if health.status == 200:
                            break
                except ClientError:
                    pass
                if process.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("compact-bot serve did not become healthy")
        assert process.returncode is None, (await process.stdout.read()).decode()  # type: ignore[union-attr]
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
        output = (await process.stdout.read()).decode()  # type: ignore[union-attr]
        await process.wait()
        assert "Traceback" not in output, output
        assert SIGNING_SECRET not in output and BOT_TOKEN not in output  # secrets never logged


async def test_serve_runs_a_round_with_slack_from_its_environment(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.url,
    }
    try:
        async with serving(env, tmp_path) as base, ClientSession() as session:
            people = SlackPeople(f"{base}/slack/events", SIGNING_SECRET, session)
            assert (await people.command(ALICE, "link nhs-vmi", channel=CHANNEL))[0] == 200
            await fake.wait_for(lambda: fake.in_channel(CHANNEL), what="link notice")
            status, _ = await people.command(
                ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=CHANNEL
            )
            assert status == 200
            await fake.wait_for(
                lambda: [
                    m for m in fake.in_channel(CHANNEL) if m.thread_ts and "your turn" in m.all_text
                ],
                what="the first prompt",
            )
            # Teams is not configured in this environment, so its endpoint does not exist.
            async with session.post(f"{base}/api/messages", json={"type": "message"}) as teams:
                assert teams.status == 404
    finally:
        await fake.stop()


async def test_without_a_signing_secret_slack_is_not_served(tmp_path: Path) -> None:
    async with (
        serving({"SLACK_BOT_TOKEN": BOT_TOKEN}, tmp_path) as base,
        ClientSession() as session,
    ):
        async with session.post(f"{base}/slack/events", data="command=/compact&text=help") as reply:
            assert reply.status == 404
        async with session.get(f"{base}/healthz") as health:
            assert (await health.json()) == {"ok": True}
