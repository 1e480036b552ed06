"""A closing reflection round in a Teams channel, end to end through `/api/messages`.

Four people are prompted in turn by real @mentions: one answers with the dialog form (after
a refused first try), one replies in the round's thread, one passes, one times out. The
round's card is updated in place, the summary lands in the thread, and the database holds
exactly the two reflections.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.teams.cards import ZERO_WIDTH_SPACE
from bot import actions, words
from storage.database import Database
from tests.adapters.teams.fake_connector import Call, dumped, personal_chat
from tests.adapters.teams.harness import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    DAN,
    NAMES,
    TeamsWorld,
    teams_world,
)

FORGED = "<at>Alice Adeyemi</at> says see [the report](https://evil.example)"


def prompts(world: TeamsWorld, header: str) -> list[Call]:
    """Turn prompts posted in the round's thread, oldest first."""
    return [
        call
        for call in world.connector.posts(
            lambda c: c.conversation == f"{CHANNEL};messageid={header}"
        )
        if words.TURN_PROMPT in call.text
    ]


async def test_a_round_of_four_in_a_channel(database: Database, tmp_path: Path) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        status, _ = await people.command(ALICE, "reflect", mentions=(ALICE, BOB, CAROL, DAN))
        assert status == 201
        await world.idle()

        # The round card is a new post in the channel; prompts go into its thread.
        (header_post,) = connector.posts(lambda c: c.conversation == CHANNEL)
        header = header_post.new_id
        assert header is not None
        assert words.ROUND_TITLE in header_post.text
        assert set(header_post.mentioned) == {ALICE, BOB, CAROL, DAN}
        thread = f"{CHANNEL};messageid={header}"

        # 1st: answers with the dialog; a clause id that does not exist is refused first.
        first = prompts(world, header)[-1]
        one = first.mentioned[0]
        assert first.mentioned == [one] and f"<at>{NAMES[one]}</at>" in first.text
        status, dialog = await people.open_dialog(
            one, first.button(actions.ROUND_ANSWER), conversation=thread
        )
        assert status == 200 and dialog["task"]["type"] == "continue"
        form = dialog["task"]["value"]["card"]["content"]
        assert [e["id"] for e in form["body"] if e["type"].startswith("Input.")] == [
            "field.learned",
            "field.valued",
            "field.clauses",
        ]
        refused = people.dialog_submit_activity(
            one, dialog, conversation=thread, learned=FORGED, valued="Honesty", clauses="nope-1"
        )
        status, again = await people.post(refused)
        assert status == 200 and again["task"]["type"] == "continue"
        shown = again["task"]["value"]["card"]["content"]
        problems = [b["text"] for b in shown["body"] if b.get("color") == "Attention"]
        assert problems and "nope-1" in problems[0]
        learned = next(b for b in shown["body"] if b.get("id") == "field.learned")
        assert learned["value"] == FORGED  # what they typed is still there
        await world.idle()
        assert len(prompts(world, header)) == 1  # nothing moved on

        answer = people.dialog_submit_activity(
            one,
            dialog,
            conversation=thread,
            learned=FORGED,
            valued="Honesty about delays",
            clauses="env-r1,lis-h1",
        )
        status, closed = await people.post(answer)
        assert (status, closed) == (200, None)
        # Teams redelivers the same submit: applied once.
        status, closed = await people.post(answer)
        assert (status, closed) == (200, None)
        await world.idle()
        acks = [c for c in connector.to_chat(one) if words.ACK_REFLECTION in c.text]
        assert len(acks) == 1

        # 2nd: replies in the round's thread, without mentioning the bot.
        second = prompts(world, header)[-1]
        two = second.mentioned[0]
        assert two != one
        assert (
            await people.reply(
                two, "I learned how <b>much</b> we share; valued env-h1", thread=header
            )
            == 201
        )
        await world.idle()

        # 3rd: passes with the button.
        third = prompts(world, header)[-1]
        three = third.mentioned[0]
        assert three not in (one, two)
        assert (
            await people.press(
                three, third.button(actions.ROUND_PASS), card_id=third.new_id, conversation=thread
            )
            == 201
        )
        await world.idle()

        # 4th: says nothing; the turn times out and the round moves on.
        fourth = prompts(world, header)[-1]
        four = fourth.mentioned[0]
        assert four not in (one, two, three)
        world.clock.advance(timedelta(minutes=6))
        assert await world.wiring.maintenance.tick() == 1
        await world.idle()
        lapsed = [c for c in connector.to_chat(four) if "moved on" in c.text]
        assert lapsed, "the person passed over is told privately they may still answer"

        # The facilitator ends the round from the last prompt.
        assert (
            await people.press(
                ALICE, fourth.button(actions.ROUND_END), card_id=fourth.new_id, conversation=thread
            )
            == 201
        )
        await world.idle()

        (summary,) = [
            c
            for c in connector.posts(lambda c: c.conversation == thread)
            if words.SUMMARY_TITLE in c.text
        ]
        text = summary.text
        assert "Honesty about delays" in text and "I learned how much we share" in text
        assert f"{words.SUMMARY_PASSED}: <at>{NAMES[three]}</at>" in text
        assert f"{words.SUMMARY_NOT_HEARD}: <at>{NAMES[four]}</at>" in text
        # The forged mention and link are shown as typed, but are neither.
        z = ZERO_WIDTH_SPACE
        assert (
            f"<{z}at>Alice Adeyemi<{z}/at> says see [the report]{z}(https://evil.example)" in text
        )
        for call in connector.sent:
            body = dumped(call)
            assert "<at>Alice Adeyemi</at> says" not in body
            assert "](https://evil.example)" not in body

        # The round card was updated in place, never posted again, and ends closed.
        updates = connector.updates(header)
        assert updates and words.ROUND_CLOSED_NOTE in updates[-1].text
        assert len(connector.posts(lambda c: c.conversation == CHANNEL)) == 1
        assert not [c for c in connector.calls if c.status >= 300]

        async with world.database.unit_of_work() as uow:
            stored = await uow.reflections.export_rows(None)
        assert sorted(r.learned for r in stored) == sorted(
            [FORGED, "I learned how much we share; valued env-h1"]
        )
        by_dialog = next(r for r in stored if r.learned == FORGED)
        assert by_dialog.clause_ids == ("env-r1", "lis-h1")


async def test_reflect_everyone_takes_the_teams_members(database: Database, tmp_path: Path) -> None:
    async with teams_world(database, tmp_path) as world:
        status, _ = await world.people.command(ALICE, "reflect everyone")
        assert status == 201
        await world.idle()
        (header,) = world.connector.posts(lambda c: c.conversation == CHANNEL)
        assert set(header.mentioned) == {ALICE, BOB, CAROL, DAN}  # the bot left out
        looked_up = [
            c for c in world.connector.calls if c.activity_id is None and c.method == "GET"
        ]
        assert looked_up, "the team's members were listed from the connector"


async def test_the_prompted_person_is_mentioned_in_a_group_chat_and_may_just_reply(
    database: Database, tmp_path: Path
) -> None:
    chat = "19:meeting_abc@thread.v2"
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        status, _ = await people.command(ALICE, "link nhs-vmi", channel=chat, kind="groupChat")
        assert status == 201
        await world.idle()
        status, _ = await people.command(
            ALICE, "reflect", mentions=(ALICE, BOB), channel=chat, kind="groupChat"
        )
        await world.idle()
        prompt = next(c for c in reversed(connector.sent) if words.TURN_PROMPT in c.text)
        first = prompt.mentioned[0]
        assert prompt.conversation == chat and prompt.activity_id is not None  # a reply
        # A plain message in the meeting chat answers the round (no threads in chats).
        message = people.activity(
            first, conversation=chat, kind="groupChat", text="Valued the candour"
        )
        assert (await people.post(message))[0] == 201
        await world.idle()
        assert [c for c in connector.to_chat(first) if words.ACK_REFLECTION in c.text]
        assert personal_chat(first) in {c.conversation for c in connector.sent}


async def test_people_gather_with_im_here_then_the_facilitator_starts(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        await people.command(ALICE, "reflect")
        await world.idle()
        (header,) = connector.posts(lambda c: c.conversation == CHANNEL)
        assert words.BUTTON_JOIN in header.text
        thread = f"{CHANNEL};messageid={header.new_id}"
        for person in (BOB, CAROL):
            press = header.button(actions.ROUND_JOIN)
            assert (
                await people.press(person, press, card_id=header.new_id, conversation=thread) == 201
            )
            await world.idle()
        assert set(connector.updates(header.new_id or "")[-1].mentioned) == {BOB, CAROL}
        begin = header.button(actions.ROUND_BEGIN)
        assert await people.press(ALICE, begin, card_id=header.new_id, conversation=thread) == 201
        await world.idle()
        (prompt,) = prompts(world, header.new_id or "")
        assert prompt.mentioned[0] in (BOB, CAROL)


async def test_redelivered_replies_and_presses_count_once(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        await people.command(ALICE, "reflect as-gathered", mentions=(ALICE, BOB, CAROL))
        await world.idle()
        (header,) = connector.posts(lambda c: c.conversation == CHANNEL)
        thread = f"{CHANNEL};messageid={header.new_id}"
        first = prompts(world, header.new_id or "")[-1]
        assert first.mentioned == [ALICE]
        reply = people.activity(ALICE, conversation=thread, kind="channel", text="Learned a lot")
        for _ in range(2):  # Teams redelivers when it gets no answer in time
            assert (await people.post(reply))[0] == 201
        await world.idle()
        second = prompts(world, header.new_id or "")[-1]
        assert second.mentioned == [BOB]
        press = people.press_activity(
            BOB, second.button(actions.ROUND_PASS), card_id=second.new_id, conversation=thread
        )
        for _ in range(2):
            assert (await people.post(press))[0] == 201
        await world.idle()
        asked = [p.mentioned[0] for p in prompts(world, header.new_id or "")]
        assert asked == [ALICE, BOB, CAROL]  # Bob's pass moved the round on once, not twice
        thanks = [c for c in connector.to_chat(ALICE) if words.ACK_REFLECTION in c.text]
        assert len(thanks) == 1
        async with world.database.unit_of_work() as uow:
            assert [r.learned for r in await uow.reflections.export_rows(None)] == ["Learned a lot"]


async def test_a_redelivered_command_counts_once_and_a_command_word_in_the_thread_is_obeyed(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        start = people.command_activity(ALICE, "reflect as-gathered", mentions=(ALICE, BOB))
        for _ in range(2):  # Teams redelivers when it gets no answer in time
            assert (await people.post(start))[0] == 201
        await world.idle()
        (header,) = connector.posts(lambda c: c.conversation == CHANNEL)
        refused = words.ROUND_ALREADY_OPEN.split(".")[0]
        assert not [c for c in connector.to_chat(ALICE) if refused in c.text]
        # In the round's thread, "@Compact pass" from the person asked is the command, not
        # an answer that happens to mention the bot.
        thread = header.new_id or ""
        status, _ = await people.command(ALICE, "pass", thread=thread)
        assert status == 201
        await world.idle()
        assert [p.mentioned[0] for p in prompts(world, thread)] == [ALICE, BOB]
        async with world.database.unit_of_work() as uow:
            assert await uow.reflections.export_rows(None) == []
