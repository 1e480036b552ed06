"""SIGTERM to a real `compact-bot serve` in the middle of a burst of answers: every answer it
acknowledged is stored, nothing is left in its inbox, and it exits 0 (issue 12)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from aiohttp import ClientError, ClientSession

from rituals.refs import ConversationRef, UserRef
from storage.database import Database
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, Posted, SlackPeople
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    BOT_TOKEN,
    SIGNING_SECRET,
    compact_with_slack_ids,
)
from tests.adapters.slack.test_serve_process import free_port

ROUNDS = 6
CHANNELS = [f"C0BURST{n}" for n in range(ROUNDS)]


def first_prompt(fake: FakeSlack, channel: str) -> Posted | None:
    return next(
        (m for m in fake.in_channel(channel) if m.thread_ts and "your turn" in m.all_text), None
    )


async def start(folder: Path, fake: FakeSlack) -> tuple[asyncio.subprocess.Process, str, str]:
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{folder / 'served.sqlite3'}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "COMPACT_", "DATABASE_", "LOG_"))
    }
    environment.update(
        {
            "DATABASE_URL": database_url,
            "COMPACT_SECRET_KEY": "process-test-secret-key-long-enough",
            "COMPACT_FILE": str(compact_with_slack_ids(folder)),
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.url,
            "LOG_FORMAT": "json",
            # Alice links and starts a round in each channel at once: 2 commands a channel,
            # past the default burst of 10 (the limit has tests of its own).
            "COMPACT_PERSON_BURST": str(4 * ROUNDS),
        }
    )
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("compact-bot")),
        *("serve", "--host", "127.0.0.1", "--port", str(port)),
        env=environment,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    async with ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                break
            try:
                async with session.get(f"{base}/readyz") as ready:
                    if ready.status == 200:
                        return process, base, database_url
            except ClientError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    output = (await process.communicate())[0].decode()
    raise AssertionError(f"compact-bot serve did not become ready:\n{output}")


async def test_sigterm_in_a_burst_of_answers_loses_none_and_exits_0(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    process, base, database_url = await start(tmp_path, fake)
    try:
        async with ClientSession() as session:
            people = SlackPeople(f"{base}/slack/events", SIGNING_SECRET, session)
            prompts = await open_rounds(people, fake)
            reflect = 'compact_requests_total{kind="command:reflect",outcome="ok",platform="slack"}'
            for _ in range(100):  # a command is counted once its last message is out
                async with session.get(f"{base}/metrics") as scraped:
                    metrics = await scraped.text()
                if f"{reflect} {float(ROUNDS)}" in metrics:
                    break
                await asyncio.sleep(0.05)
            assert f"{reflect} {float(ROUNDS)}" in metrics, metrics
            assert "compact_scheduler_leader 1.0" in metrics  # the one process leads
            assert f"compact_rounds_open {float(ROUNDS)}" in metrics
            acknowledged = await burst_then_sigterm(people, prompts, process)
        output = (await process.communicate())[0].decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()

    assert process.returncode == 0, output
    assert acknowledged, "no answer was acknowledged before SIGTERM"
    stored = await reflections_by(database_url, acknowledged)
    assert stored == dict.fromkeys(acknowledged, 1), output  # none lost, none doubled
    assert await pending(database_url) == 0, output  # no acknowledged work left behind
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["message"] == "stopped" for line in lines)
    assert "Traceback" not in output and SIGNING_SECRET not in output


async def open_rounds(people: SlackPeople, fake: FakeSlack) -> dict[str, tuple[str, Posted]]:
    """A round of two in each channel; the first prompt of each, and who it asks."""
    for channel in CHANNELS:
        assert (await people.command(ALICE, "link nhs-vmi", channel=channel))[0] == 200
        await fake.wait_for(lambda c=channel: fake.in_channel(c), what="a link notice")  # type: ignore[misc]
        status, _ = await people.command(
            ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=channel
        )
        assert status == 200
    prompts: dict[str, tuple[str, Posted]] = {}
    for channel in CHANNELS:
        prompt = await fake.wait_for(lambda c=channel: first_prompt(fake, c), what="a prompt")  # type: ignore[misc]
        prompts[channel] = (ALICE if f"<@{ALICE}>" in prompt.all_text else BOB, prompt)
    return prompts


async def burst_then_sigterm(
    people: SlackPeople,
    prompts: dict[str, tuple[str, Posted]],
    process: asyncio.subprocess.Process,
) -> list[tuple[str, str]]:
    """Every asked person answers at once; SIGTERM as soon as the first answer is
    acknowledged. Returns the (channel, person) of every answer that got its 200."""
    first_ack = asyncio.Event()

    async def answer(channel: str, person: str, prompt: Posted) -> tuple[str, str] | None:
        assert prompt.thread_ts is not None
        try:
            status, _ = await people.reply(person, channel, prompt.thread_ts, f"burst {channel}")
        except ClientError:
            return None  # refused once the server stopped listening: never acknowledged
        if status != 200:
            return None
        first_ack.set()
        return channel, person

    answers = [
        asyncio.create_task(answer(channel, person, prompt))
        for channel, (person, prompt) in prompts.items()
    ]
    await first_ack.wait()
    process.send_signal(signal.SIGTERM)
    return [done for done in await asyncio.gather(*answers) if done is not None]


async def reflections_by(url: str, answers: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    database = Database.from_url(url)
    try:
        found: dict[tuple[str, str], int] = {}
        for channel, person in answers:
            async with database.unit_of_work() as uow:
                stored = await uow.rounds.open_in(ConversationRef("slack", TEAM, channel))
            assert stored is not None
            who = UserRef("slack", TEAM, person)
            found[channel, person] = sum(1 for r in stored.round.reflections if r.author == who)
        return found
    finally:
        await database.dispose()


async def pending(url: str) -> int:
    database = Database.from_url(url)
    try:
        async with database.unit_of_work() as uow:
            return await uow.inbox.count()
    finally:
        await database.dispose()
