"""The reporter's choice and the anonymous two-way thread in Slack, end to end through the
bot's real endpoint and the fake Slack Web API: the modal's choice and its promise, the
agenda's Ask button, the question's Reply button, and no call naming the reporter."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot import actions, words
from storage.database import Database
from storage.models import CalloutMessageRow
from tests.adapters.slack.fake_slack import Posted
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, slack_world
from tests.adapters.slack.test_slack_callout import WHAT, addressed_to_bob, mentions_bob


def newest(messages: list[Posted], text: str) -> Posted:
    return [m for m in messages if text in m.all_text][-1]


async def test_a_question_and_its_reply_through_slack_name_nobody(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms(), what="callout modal"))[-1]
        choice = next(b for b in modal["blocks"] if b.get("block_id") == "disclosure")
        offered = [o["value"] for g in choice["element"]["option_groups"] for o in g["options"]]
        assert offered == ["named", "anonymous"]  # one person per organisation here
        assert "Anonymous: nobody, facilitators included" in choice["hint"]["text"]
        answers = {"clause": "lis-r1", "partner": "nhsei", "what_happened": WHAT}
        status, answer = await people.submit(BOB, modal, {**answers, "disclosure": "anonymous"})
        assert (status, answer) == (200, {})
        ack = await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text], what="ack"
        )
        ref = ack[-1].all_text.split("Reference: ")[1][:6]

        # The facilitator asks from the agenda's button; the modal states and enforces the limit.
        await people.command(ALICE, "agenda", channel=CHANNEL)
        agenda = await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "Call-outs tabled" in m.all_text]
        )
        await people.click(ALICE, agenda[-1], actions.CALLOUT_ASK)
        ask = (await slack.wait_for(lambda: len(slack.forms()) >= 2 and slack.forms()))[-1]
        assert ask["callback_id"] == actions.FORM_CALLOUT_ASK
        [text_input] = [b for b in ask["blocks"] if b.get("block_id") == "text"]
        assert text_input["element"]["max_length"] == 2000
        assert "2,000 characters" in text_input["hint"]["text"]
        status, answer = await people.submit(ALICE, ask, {"text": "Which deadline was it?"})
        assert (status, answer) == (200, {})
        question = await slack.wait_for(
            lambda: [m for m in slack.messages if m.channel == BOB and "question" in m.all_text],
            what="the question, by DM",
        )
        assert "Which deadline was it?" in question[-1].all_text
        await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "on its way" in m.all_text]
        )

        # Bob answers from the question's own button, in his DM.
        await people.click(BOB, question[-1], actions.CALLOUT_REPLY)
        reply = (await slack.wait_for(lambda: len(slack.forms()) >= 3 and slack.forms()))[-1]
        assert reply["callback_id"] == actions.FORM_CALLOUT_REPLY
        before = len(slack.private_to(ALICE))
        status, answer = await people.submit(BOB, reply, {"text": "The quarterly return"})
        assert (status, answer) == (200, {})
        await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "under it on the agenda" in m.all_text]
        )
        assert len(slack.private_to(ALICE)) == before  # nothing told at the moment

        await people.command(ALICE, "agenda", channel=CHANNEL)
        latest = await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "Reply from whoever" in m.all_text]
        )
        assert "The quarterly return" in latest[-1].all_text

        # Someone else's reply gets the words of every other refusal, as for no such call-out.
        await people.command(CAROL, f"reply {ref} Not mine", channel=CHANNEL)
        await people.command(CAROL, "reply ZZZZZZ Not mine", channel=CHANNEL)

        def carols() -> list[str]:
            return [m.all_text for m in slack.private_to(CAROL) if "You can't change" in m.all_text]

        refusals = await slack.wait_for(lambda: len(carols()) >= 2 and carols())
        cannot = words.CALLOUT_CANNOT_CHANGE
        assert refusals[0].replace(ref, "ZZZZZZ") == refusals[1]
        assert cannot.format(ref="ZZZZZZ").split("`")[0] in refusals[1]

        # A modal is shown only to whoever's click opened it (Bob's reply form carries his DM).
        leaks = [
            c
            for c in slack.calls
            if mentions_bob(c) and not addressed_to_bob(c) and not c.method.startswith("views.")
        ]
        assert leaks == []
        async with database.unit_of_work() as uow:
            rows = (await uow.session.scalars(select(CalloutMessageRow))).all()
        assert sorted((r.side, r.at is None) for r in rows) == [
            ("question", True),
            ("reply", True),
        ]


async def test_the_facilitators_daily_summary_comes_by_direct_message_once(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await world.wiring.maintenance.tick()  # today's (of yesterday: nothing) is claimed
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms(), what="callout modal"))[-1]
        answers = {"clause": "lis-r1", "partner": "nhsei", "what_happened": WHAT}
        await people.submit(BOB, modal, {**answers, "disclosure": "anonymous"})
        ack = await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text], what="ack"
        )
        ref = ack[-1].all_text.split("Reference: ")[1][:6]
        assert not [m for m in slack.private_to(ALICE) if ref in m.all_text]  # not now

        world.clock.advance(timedelta(hours=16))  # 08:00 the next morning in London
        await world.wiring.maintenance.tick()
        summaries = [
            m for m in slack.messages if m.channel == ALICE and "since your last" in m.all_text
        ]
        assert len(summaries) == 1 and f"New: {ref} (clause lis-r1)" in summaries[0].all_text
        world.clock.advance(timedelta(minutes=5))
        await world.wiring.maintenance.tick()
        again = [
            m for m in slack.messages if m.channel == ALICE and "since your last" in m.all_text
        ]
        assert again == summaries
