"""The Teams endpoint's contract: installs, restarts, bad input, throttling."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot import words
from storage.database import Database
from storage.models import PlatformAddressRow, ProcessedRequestRow
from tests.adapters.teams.fake_connector import FakeConnector, personal_chat
from tests.adapters.teams.harness import ALICE, BOB, CHANNEL, PAUSES, TENANT, teams_world
from tests.app.harness import ManualClock, count_rows


async def test_installing_the_bot_welcomes_and_remembers_the_place(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path, link=False) as world:
        status, _ = await world.people.post(world.people.install_activity())
        assert status == 201
        await world.idle()
        (welcome,) = world.connector.in_channel(CHANNEL)
        assert welcome.conversation == CHANNEL
        assert "Hello, I'm Compact" in welcome.text
        assert "@Compact reflect" in welcome.text and "/compact" not in welcome.text

        chat = personal_chat(BOB)
        status, _ = await world.people.post(
            world.people.install_activity(conversation=chat, kind="personal")
        )
        await world.idle()
        (hello,) = world.connector.to_chat(BOB) or world.connector.posts(
            lambda c: c.conversation == chat
        )
        assert "personal chat" in hello.text
        async with world.database.unit_of_work() as uow:
            stored = await uow.addresses.recall("teams", f"conversation:{CHANNEL}")
        assert stored is not None
        assert stored["serviceUrl"] == world.connector.url and stored["tenantId"] == TENANT


async def test_after_a_restart_the_bot_still_reaches_the_channel_and_people(
    database: Database, tmp_path: Path
) -> None:
    """A fresh process that has received nothing yet posts the weekly digest to the channel,
    a turn prompt after a timeout and a private "you were passed over" message, then a
    call-out's status message: all from stored conversation references."""
    connector = await FakeConnector().start()
    clock = ManualClock()
    try:
        async with teams_world(database, tmp_path, connector=connector, clock=clock) as world:
            people = world.people
            await people.command(ALICE, "reflect", mentions=(ALICE, BOB))
            assert await people.personal(BOB, "callout") == 201
            await world.idle()
            (header,) = connector.posts(lambda c: c.conversation == CHANNEL)
            prompt = next(c for c in reversed(connector.sent) if words.TURN_PROMPT in c.text)
            first, second = prompt.mentioned[0], ({ALICE, BOB} - {prompt.mentioned[0]}).pop()
            (form,) = connector.to_chat(BOB)
            named = people.submit_in_personal_chat(
                BOB,
                form,
                **{
                    "field.clause": "lis-h1",
                    "field.partner": "northgate",
                    "field.what_happened": "Late papers",
                    "field.anonymous": "no",
                },
            )
            await people.post(named)
            await world.idle()
            ack = next(c for c in connector.to_chat(BOB) if "Reference:" in c.text)
            ref = re.search(r"Reference: (\w+)", ack.text)
            assert ref is not None

        connector.clear()
        async with teams_world(
            database, tmp_path, connector=connector, clock=clock, link=False
        ) as world:
            # A new process that has received nothing yet: only the database knows Teams.
            async with world.database.unit_of_work() as uow:
                (stored,) = await uow.compacts.latest_all()
            await world.wiring.maintenance.send_scheduled_digest(stored.partnership_id)
            (digest,) = connector.posts(lambda c: c.conversation == CHANNEL)
            assert words.DIGEST_TITLE in digest.text and digest.authorization is None

            clock.advance(timedelta(minutes=6))
            assert await world.wiring.maintenance.tick() == 1
            await world.idle()
            thread = f"{CHANNEL};messageid={header.new_id}"
            (next_prompt,) = [
                c
                for c in connector.posts(lambda c: c.conversation == thread)
                if words.TURN_PROMPT in c.text
            ]
            assert next_prompt.mentioned == [second]
            assert connector.updates(header.new_id or ""), "the round card updated in place"
            assert [c for c in connector.to_chat(first) if "moved on" in c.text]

            status, _ = await world.people.command(
                ALICE, f"resolve {ref[1]} Papers now go out on Mondays"
            )
            assert status == 201
            await world.idle()
            told = [c for c in connector.to_chat(BOB) if f"{ref[1]} is resolved" in c.text]
            assert len(told) == 1
            opened_for_bob = [
                c
                for c in connector.calls
                if c.conversation == "" and c.body["members"][0]["id"] == BOB
            ]
            assert not opened_for_bob, "Bob's stored chat was used, not a new one"
    finally:
        await connector.stop()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"type": "message", "text": "hi"}', "application/json", 400),
        (b'{"type": 5, "conversation": "x"}', "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
    ],
)
async def test_malformed_activities_are_refused_and_leave_no_trace(
    database: Database, tmp_path: Path, body: bytes, content_type: str, status: int
) -> None:
    async with teams_world(database, tmp_path, link=False) as world:
        got, _ = await world.people.post(body, headers={"Content-Type": content_type})
        assert got == status
        bad_url = world.people.activity(BOB, conversation=CHANNEL, kind="channel", text="hi")
        bad_url["serviceUrl"] = "file:///etc/passwd"
        assert (await world.people.post(bad_url))[0] == 400
        not_ours = world.people.activity(
            BOB, conversation=CHANNEL, kind="channel", value={"compact": "action"}
        )
        assert (await world.people.post(not_ours))[0] == 201  # acknowledged, then ignored
        await world.idle()
        assert world.connector.calls == []
        assert await count_rows(world.database, ProcessedRequestRow) == 0
        assert await count_rows(world.database, PlatformAddressRow) == 0


async def test_throttling_is_waited_out_not_dropped(database: Database, tmp_path: Path) -> None:
    async with teams_world(database, tmp_path) as world:
        world.connector.failures = [429, 412, 502, 504]
        PAUSES.clear()
        assert await world.people.personal(BOB, "help") == 201
        await world.idle()
        attempts = [c for c in world.connector.calls if c.conversation == personal_chat(BOB)]
        assert [c.status for c in attempts] == [429, 412, 502, 504, 200]
        assert len(PAUSES) == 4  # a back-off pause before each retry
        assert all(c.body == attempts[-1].body for c in attempts)
        assert "@Compact reflect" in attempts[-1].text


async def test_the_endpoint_answers_before_the_work_is_done(
    database: Database, tmp_path: Path
) -> None:
    """The HTTP answer does not wait for the reply to reach Teams (it redelivers after ~15 s)."""
    async with teams_world(database, tmp_path) as world:
        world.connector.hold = asyncio.Event()  # Teams takes its time over the reply
        status, _ = await world.people.command(ALICE, "help")
        assert status == 201
        assert not world.connector.sent  # answered; the reply is still on its way
        world.connector.hold.set()
        await world.idle()
        assert world.connector.to_chat(ALICE)


async def test_a_digest_chart_goes_to_teams_as_a_picture(
    database: Database, tmp_path: Path
) -> None:
    """Where the digest has a chart, the picture follows the card as an image attachment."""
    from bot.messages import Chart, Message, Paragraph, Series
    from rituals.refs import ConversationRef

    async with teams_world(database, tmp_path) as world:
        world.connector.clear()
        chart = Chart(
            "Clauses celebrated and call-outs raised",
            ("2026-11-09", "2026-11-16"),
            (Series("celebrated", (3, 5)), Series("call-outs", (1, 0))),
        )
        message = Message("Weekly compact digest", (Paragraph.of("Weekly compact digest"), chart))
        channel = ConversationRef("teams", "tenant-1", CHANNEL)
        await world.wiring.services.gateway("teams").post(channel, message)
        card, picture = world.connector.posts(lambda c: c.conversation == CHANNEL)
        assert "Weekly compact digest" in card.text
        (image,) = picture.body["attachments"]
        assert image["contentType"] == "image/png"
        assert image["contentUrl"].startswith("data:image/png;base64,iVBORw0KGgo")
