"""`/compact health` over Slack's wire: answered privately (an ephemeral message in Block
Kit), nothing in the channel, and a stranger refused with clear private words."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from tests.adapters.slack.harness import BOB, CHANNEL, slack_world

STRANGER = "U0ZED"


async def test_health_is_answered_privately_in_slack(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        in_channel = len(slack.in_channel(CHANNEL))

        status, body = await people.command(BOB, "health lead", channel=CHANNEL)
        assert (status, body) == (200, "")
        [health] = await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "Health of the compact" in m.all_text],
            what="the health message",
        )
        assert health.ephemeral_to == BOB
        assert "Leadership (lead)" in health.all_text
        assert "Proposed for review" in health.all_text

        await people.command(STRANGER, "health", channel=CHANNEL)
        [refusal] = await slack.wait_for(
            lambda: [m for m in slack.private_to(STRANGER) if "members" in m.all_text],
            what="the refusal",
        )
        assert "Only the partnership's members and facilitators" in refusal.all_text
        assert refusal.ephemeral_to == STRANGER
        assert len(slack.in_channel(CHANNEL)) == in_channel  # nothing public
