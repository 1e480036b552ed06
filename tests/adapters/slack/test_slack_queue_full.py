"""Past the bound on acknowledged work (issue 12): a Slack event gets 503 (Slack retries it),
a command or a button a private "busy, try again", and nothing already acknowledged is lost.
The fake Slack holds the bot's posts, so the accepted work stays in flight; no clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import actions, words
from storage.database import Database
from storage.models import InboxRow, ProcessedRequestRow, RoundRow
from tests.adapters.slack.fake_slack import Posted
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, slack_world
from tests.adapters.slack.test_slack_round import header_of_or_none, next_prompt
from tests.app.harness import count_rows

MAX_RETRIES = 200  # Slack retries a 503; the test counts attempts, it never sleeps


async def test_a_full_queue_answers_politely_and_loses_no_acknowledged_work(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path, max_queued_work=1) as world:
        slack, people = world.slack, world.people
        slack.hold = asyncio.Event()
        mentions = " ".join(f"<@{u}|{u[2:].lower()}>" for u in (ALICE, BOB, CAROL))
        for _attempt in range(MAX_RETRIES):  # until the link's own work has finished
            status, body = await people.command(ALICE, f"reflect {mentions}", channel=CHANNEL)
            if body != words.BUSY_TRY_AGAIN:
                break
            await asyncio.sleep(0)
        assert (status, body) == (200, "")  # accepted: recorded, then acknowledged
        await slack.wait_for(lambda: slack.held, what="the round's header held at Slack")
        keys_before = await count_rows(database, ProcessedRequestRow)

        # The one slot is taken: new requests are refused, politely, and change nothing.
        status, body = await people.command(BOB, "reflect <@U0BOB|bob>", channel=CHANNEL)
        assert status == 200
        assert body == words.BUSY_TRY_AGAIN  # the command's answer: seen by Bob only
        status, _ = await people.reply(BOB, CHANNEL, "1700000000.000100", "an answer")
        assert status == 503
        press = Posted(
            CHANNEL,
            "1700000000.000200",
            [{"type": "actions", "elements": [button(actions.ROUND_PASS)]}],
            "",
        )
        status, _ = await people.click(BOB, press, actions.ROUND_PASS)
        assert status == 200
        told = await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if words.BUSY_TRY_AGAIN in m.text],
            what="Bob told privately that Compact is busy",
        )
        assert len(told) == 1
        assert await count_rows(database, ProcessedRequestRow) == keys_before
        assert await count_rows(database, RoundRow) == 1

        # Slack lets the posts through: the acknowledged round goes on, nothing lost.
        slack.hold.set()
        header = await slack.wait_for(lambda: header_of_or_none(world), what="the header")
        first = await next_prompt(world, header, 1)
        assert first is not None
        # An event Slack retries after the 503 is taken once there is room again.
        for _attempt in range(MAX_RETRIES):
            status, _ = await people.reply(
                ALICE, CHANNEL, header.ts, "hello", event_id="Ev0RETRIED"
            )
            if status != 503:
                break
            await asyncio.sleep(0)  # let the accepted work move on; no time is spent
        assert status == 200
    # The server stopped after finishing what it had acknowledged: no request left behind.
    assert await count_rows(database, InboxRow) == 0


def button(action_id: str) -> dict[str, str]:
    return {"type": "button", "action_id": action_id, "value": "r1"}
