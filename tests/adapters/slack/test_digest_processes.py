"""Exactly once with real processes: two `compact-bot serve` on one PostgreSQL with the digest
due, and `compact-bot digest send` run twice at once."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.console.session import console_channel
from adapters.slack.server import SlackServer
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.scheduler import LOCK_KEY
from bot.usecases.compacts import load_compact_file
from rituals.refs import ConversationRef
from rituals.schedule import DigestSchedule
from storage.database import Database
from storage.migrate import upgrade_async
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.slack.harness import BOT_TOKEN, CHANNEL, SIGNING_SECRET, compact_with_slack_ids
from tests.adapters.slack.test_serve_process import serving
from tests.app.harness import SECRET
from tests.conftest import _empty_all_tables

OTHER_CHANNEL = "C0SECOND"
LEADERS = f"""
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid = {LOCK_KEY >> 32} AND objid = {LOCK_KEY & 0xFFFFFFFF}
"""


@pytest.mark.slow  # real processes, and a real cron minute to wait for
async def test_two_serve_processes_on_one_postgresql_send_one_digest_per_channel(
    postgresql_url: str, tmp_path: Path
) -> None:
    database = Database.from_url(postgresql_url)
    await _empty_all_tables(database)
    fake = await FakeSlack().start()
    try:
        sender = SlackServer(api_url=fake.url, signing_secret=None, bot_token=BOT_TOKEN)
        wiring = bootstrap(
            Settings(), gateways={"slack": sender.gateway}, database=database, secret=SECRET
        )
        channels = tuple(ConversationRef("slack", TEAM, c) for c in (CHANNEL, OTHER_CHANNEL))
        await load_compact_file(wiring.services, compact_with_slack_ids(tmp_path), bind=channels)
        # Due at the next minute (at least 15 s away, for both processes to be up).
        now = datetime.now(UTC)
        due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
        if due - now < timedelta(seconds=15):
            due += timedelta(minutes=1)
        async with database.unit_of_work() as uow:
            pid = (await uow.compacts.latest_all())[0].partnership_id
            await uow.schedules.save(pid, DigestSchedule(due.weekday(), due.time(), "UTC"), now)
            await uow.commit()
        await sender.stop()

        env = {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": postgresql_url,
        }
        (tmp_path / "one").mkdir()
        (tmp_path / "two").mkdir()
        period = (due - timedelta(days=1)).strftime("%G-W%V")

        def digests(channel: str) -> int:
            return len(
                [m for m in fake.in_channel(channel) if "Weekly compact digest" in m.all_text]
            )

        async with serving(env, tmp_path / "one"), serving(env, tmp_path / "two"):
            wait = (due - datetime.now(UTC)).total_seconds() + 30
            await fake.wait_for(
                lambda: digests(CHANNEL) and digests(OTHER_CHANNEL), within=wait, what="the digest"
            )
            # The sender marks the period sent once every channel is reached.
            for _ in range(300):
                async with database.unit_of_work() as uow:
                    if await uow.digests.was_sent(pid, period):
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{period} was never marked sent")
            # Exactly one of the two runs the scheduler: one holds the leader lease.
            async with database.engine.connect() as connection:
                leaders = await connection.scalar(text(LEADERS))
            assert leaders == 1
        # Both processes have stopped, so every post either made is counted: one per channel.
        assert (digests(CHANNEL), digests(OTHER_CHANNEL)) == (1, 1)
        async with database.engine.connect() as connection:
            claims = await connection.scalar(text("SELECT count(*) FROM digests_sent"))
        assert claims == 1
    finally:
        await fake.stop()
        await database.dispose()


async def test_digest_send_twice_at_once_posts_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    await upgrade_async(url)
    database = Database.from_url(url)
    wiring = bootstrap(Settings(), gateways={}, database=database, secret=SECRET)
    await load_compact_file(
        wiring.services, compact_with_slack_ids(tmp_path), bind=(console_channel(),)
    )
    await database.dispose()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "TEAMS_", "COMPACT_"))
        },
        "DATABASE_URL": url,
        "COMPACT_SECRET_KEY": SECRET.decode(),
    }
    command = [
        str(Path(sys.executable).with_name("compact-bot")),
        "digest",
        "send",
        "--partnership",
        "nhs-vmi",
        "--period",
        "2026-W48",
    ]
    runs = [
        await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        for _ in range(2)
    ]
    outputs = [(await run.communicate())[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sum("nhs-vmi 2026-W48: sent" in out for out in outputs) == 1, outputs
    assert sum("Weekly compact digest" in out for out in outputs) == 1, outputs
    # And once more, later: already sent.
    again = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output = (await again.communicate())[0].decode()
    assert "nhs-vmi 2026-W48: already sent" in output and "Weekly compact digest" not in output
