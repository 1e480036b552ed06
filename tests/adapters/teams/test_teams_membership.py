"""Membership on Teams (issue 11), end to end through `/api/messages`: someone mentioned in a
round joins the round, not the partnership; their claim to an organisation reaches the
facilitator as a card with Approve / Decline, and the approval makes them a member."""

from __future__ import annotations

from pathlib import Path

from bot import actions
from bot.usecases.compacts import load_compact_file
from rituals.refs import ConversationRef
from storage.database import Database
from tests.adapters.teams.fake_connector import personal_chat
from tests.adapters.teams.harness import ALICE, CHANNEL, NAMES, TENANT, TeamsWorld, teams_world

ZED = "29:zed"
ZED_CHAT = ConversationRef("teams", TENANT, personal_chat(ZED))


async def _show_in_personal_chat(world: TeamsWorld, user: str) -> str:
    world.connector.clear()
    assert await world.people.personal(user, "show env-r1") in (200, 201)
    await world.idle()
    return " ".join(call.text for call in world.connector.to_chat(user))


async def test_someone_mentioned_joins_the_round_not_the_partnership(
    database: Database, tmp_path: Path
) -> None:
    """On main, being mentioned once made zed a person of the partnership for good, and his
    personal chat with the bot was linked to it (the compact, agenda and digest his to ask)."""
    NAMES[ZED] = "Zed Zimmer"
    try:
        async with teams_world(database, tmp_path) as world:
            status, _ = await world.people.command(ALICE, "reflect", mentions=(ALICE, ZED))
            assert status == 201
            await world.idle()
            assert world.connector.to_chat(ZED), "asked privately which organisation"

            shown = await _show_in_personal_chat(world, ZED)
            assert "isn't linked to a partnership" in shown
            assert "Behave in a positive" not in shown
            async with database.unit_of_work() as uow:
                assert await uow.channels.partnership_of(ZED_CHAT) is None

            # Zed claims an organisation; alice approves on the card she is sent.
            world.connector.clear()
            assert await world.people.personal(ZED, "iam northgate nhs-vmi") in (200, 201)
            await world.idle()
            card = world.connector.to_chat(ALICE)[-1]
            assert "Zed Zimmer says they represent Northgate" in card.text
            approve = card.button(actions.CLAIM_APPROVE)
            status = await world.people.press(
                ALICE,
                approve,
                card_id=card.new_id or "card",
                conversation=personal_chat(ALICE),
                kind="personal",
            )
            assert status in (200, 201)
            await world.idle()
            told = " ".join(c.text for c in world.connector.to_chat(ZED))
            assert "you're recorded as representing Northgate" in told

            # A member now: his personal chat belongs to the partnership.
            assert "Behave in a positive" in await _show_in_personal_chat(world, ZED)
    finally:
        NAMES.pop(ZED, None)


async def test_moving_a_channel_is_confirmed_on_the_card_in_the_personal_chat(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        text = (tmp_path / "compact.yaml").read_text(encoding="utf-8")
        other = tmp_path / "other.yaml"
        other.write_text(
            text.replace("slug: nhs-vmi", "slug: north-south", 1).replace(
                "name: NHS–VMI partnership", "name: North–South partnership", 1
            ),
            encoding="utf-8",
        )
        await load_compact_file(world.wiring.services, other)
        status, _ = await world.people.command(ALICE, "link north-south")
        assert status == 201
        await world.idle()
        card = world.connector.to_chat(ALICE)[-1]
        assert "Move it to North–South partnership?" in card.text
        assert not world.connector.in_channel(CHANNEL)  # nothing moved, nothing said there

        status = await world.people.press(
            ALICE,
            card.button(actions.LINK_MOVE),
            card_id=card.new_id or "card",
            conversation=personal_chat(ALICE),
            kind="personal",
        )
        assert status in (200, 201)
        await world.idle()
        assert any("North–South" in c.text for c in world.connector.in_channel(CHANNEL))
        async with database.unit_of_work() as uow:
            holder = await uow.channels.partnership_of(ConversationRef("teams", TENANT, CHANNEL))
            assert holder == await uow.compacts.partnership_id("north-south")
