"""Membership on Slack (issue 11), end to end through `/slack/events` and the fake Web API: a
claim declined on its button, a facilitator removed from the file, a channel held by another
partnership."""

from __future__ import annotations

from pathlib import Path

from bot import actions
from bot.usecases.compacts import load_compact_file
from rituals.refs import ConversationRef, UserRef
from storage.database import Database
from tests.adapters.slack.fake_slack import TEAM, Posted
from tests.adapters.slack.harness import ALICE, BOB, CHANNEL, SlackWorld, slack_world

ZED = "U0ZED"


def _newest_to(world: SlackWorld, user: str, words: str) -> Posted:
    return next(m for m in reversed(world.slack.private_to(user)) if words in m.all_text)


async def _wait_private(world: SlackWorld, user: str, words: str) -> Posted:
    await world.slack.wait_for(
        lambda: any(words in m.all_text for m in world.slack.private_to(user)), what=words
    )
    return _newest_to(world, user, words)


async def test_a_claim_declined_on_its_button(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        await world.people.command(ALICE, "reflect", channel=CHANNEL)
        await world.slack.wait_for(lambda: len(world.slack.in_channel(CHANNEL)) > 1, what="round")
        await world.people.command(ZED, "here", channel=CHANNEL)
        await _wait_private(world, ZED, "Which partner organisation do you represent?")
        await world.people.command(ZED, "iam southmere", channel=CHANNEL)
        question = await _wait_private(world, ALICE, "says they represent Southmere")
        told = await _wait_private(world, ZED, "your reflections count as unaffiliated")
        assert told.ephemeral_to == ZED

        status, _ = await world.people.click(ALICE, question, actions.CLAIM_DECLINE)
        assert status == 200
        await _wait_private(world, ALICE, "Declined:")
        await _wait_private(world, ZED, "did not confirm that you represent Southmere")
        async with database.unit_of_work() as uow:
            pid = await uow.compacts.partnership_id("nhs-vmi")
            assert pid is not None
            assert await uow.membership.pending(pid) == []
            assert await uow.people.partnerships_knowing(UserRef("slack", TEAM, ZED)) == []


async def test_a_facilitator_removed_from_the_file_is_refused_the_agenda(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        compact = tmp_path / "compact.yaml"  # the world's compact, alice's ids included
        text = compact.read_text(encoding="utf-8").replace(
            "facilitators: [alice]", "facilitators: [bob]"
        )
        start = text.index("      - handle: alice")
        end = text.index("  - id: northgate")
        changed = tmp_path / "changed.yaml"
        changed.write_text(text[:start] + text[end:], encoding="utf-8")
        await load_compact_file(world.wiring.services, changed)

        await world.people.command(ALICE, "agenda", channel=CHANNEL)
        await _wait_private(world, ALICE, "Only the partnership's facilitators")
        await world.people.command(BOB, "agenda", channel=CHANNEL)
        await world.slack.wait_for(lambda: world.slack.private_to(BOB), what="bob's agenda")
        assert not any("Only the" in m.all_text for m in world.slack.private_to(BOB))


async def test_a_channel_of_another_partnership_is_refused(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        text = (tmp_path / "compact.yaml").read_text(encoding="utf-8")
        other = tmp_path / "other.yaml"
        other.write_text(
            text.replace("slug: nhs-vmi", "slug: north-south", 1).replace(
                "facilitators: [alice]", "facilitators: [bob]"
            ),
            encoding="utf-8",
        )
        await load_compact_file(world.wiring.services, other)
        await world.people.command(BOB, "link north-south", channel=CHANNEL)
        await _wait_private(world, BOB, "already holds the rituals of another partnership")
        async with database.unit_of_work() as uow:
            holder = await uow.channels.partnership_of(ConversationRef("slack", TEAM, CHANNEL))
            assert holder == await uow.compacts.partnership_id("nhs-vmi")
