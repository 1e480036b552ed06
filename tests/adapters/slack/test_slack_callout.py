"""A call-out through its whole life in Slack, with anonymity checked in every call the fake
Slack received; and the App Home tab that shows a person only what is theirs."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot import actions
from storage.database import Database
from storage.models import CalloutRow
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import ALICE, BOB, CHANNEL, slack_world

WHAT = "The data request came with a two-day deadline & no warning"


def mentions_bob(call: Call) -> bool:
    return "U0BOB" in json.dumps(call.args) or "Bob Birch" in json.dumps(call.args)


def addressed_to_bob(call: Call) -> bool:
    return (
        call.args.get("user") == BOB
        or call.args.get("channel") == BOB
        or call.args.get("user_id") == BOB
    )


async def test_an_anonymous_callout_from_modal_to_resolved(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        before_in_channel = len(slack.in_channel(CHANNEL))

        status, body = await people.command(BOB, "callout", channel=CHANNEL)
        assert (status, body) == (200, "")
        modal = (await slack.wait_for(lambda: slack.forms(), what="callout modal"))[-1]
        assert modal["callback_id"] == actions.FORM_CALLOUT
        # Blank text is refused in the modal, beside its field, and nothing is stored.
        status, answer = await people.submit(
            BOB,
            modal,
            {
                "clause": "lis-r1",
                "partner": "nhsei",
                "what_happened": "   ",
                "disclosure": "anonymous",
            },
        )
        assert answer.get("response_action") == "errors" and "what_happened" in answer["errors"]
        status, answer = await people.submit(
            BOB,
            modal,
            {
                "clause": "lis-r1",
                "partner": "nhsei",
                "what_happened": WHAT,
                "what_would_help": "A week's notice, or a call first",
                "disclosure": "anonymous",
            },
        )
        assert (status, answer) == (200, {})
        ack = await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text],
            what="the acknowledgement",
        )
        assert "anonymously" in ack[0].all_text and ack[0].ephemeral_to == BOB
        assert len(slack.in_channel(CHANNEL)) == before_in_channel  # nothing in the channel

        # The facilitator sees it on the agenda, privately, with no trace of Bob.
        await people.command(ALICE, "agenda", channel=CHANNEL)
        agenda = (
            await slack.wait_for(
                lambda: [m for m in slack.private_to(ALICE) if "Call-outs tabled" in m.all_text],
                what="agenda",
            )
        )[-1]
        assert (
            "raised anonymously" in agenda.all_text
            and "two-day deadline &amp; no warning" in agenda.all_text
        )
        # Bob cannot see the agenda.
        await people.command(BOB, "agenda", channel=CHANNEL)
        await slack.wait_for(
            lambda: [
                m
                for m in slack.private_to(BOB)
                if "Only the partnership's facilitators" in m.all_text
            ],
            what="refusal",
        )

        # Discussed, with a learning note; Bob is told by DM although nobody knows it is him.
        await people.click(ALICE, agenda, actions.CALLOUT_DISCUSSED)
        note_modal = (await slack.wait_for(lambda: len(slack.forms()) >= 2 and slack.forms()))[-1]
        status, answer = await people.submit(
            ALICE, note_modal, {"note": "Give a week's notice by default"}
        )
        assert (status, answer) == (200, {})
        discussed = await slack.wait_for(
            lambda: [
                m for m in slack.messages if m.channel == BOB and "was discussed" in m.all_text
            ],
            what="DM",
        )
        assert "Give a week's notice by default" in discussed[0].all_text

        await people.command(ALICE, "agenda", channel=CHANNEL)
        agenda = (
            await slack.wait_for(
                lambda: [m for m in slack.private_to(ALICE) if "Call-outs tabled" in m.all_text][
                    1:
                ],
                what="agenda 2",
            )
        )[-1]
        await people.click(ALICE, agenda, actions.CALLOUT_RESOLVE)
        resolve_modal = (await slack.wait_for(lambda: len(slack.forms()) >= 3 and slack.forms()))[
            -1
        ]
        await people.submit(ALICE, resolve_modal, {"note": "Notice period agreed"})
        await slack.wait_for(
            lambda: [m for m in slack.messages if m.channel == BOB and "is resolved" in m.all_text],
            what="DM 2",
        )

        # Anonymity: no call Slack received names Bob, except those addressed to him.
        leaks = [c for c in slack.calls if mentions_bob(c) and not addressed_to_bob(c)]
        assert leaks == []
        async with database.unit_of_work() as uow:
            row = (await uow.session.execute(select(CalloutRow))).scalar_one()
        assert row.anonymous and row.reporter_user_id is None and row.status == "resolved"
        assert len(slack.in_channel(CHANNEL)) == before_in_channel


async def test_app_home_shows_only_ones_own(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms()))[-1]
        await people.submit(
            BOB,
            modal,
            {
                "clause": "lis-r1",
                "partner": "nhsei",
                "what_happened": WHAT,
                "what_would_help": "",
                "disclosure": "anonymous",
            },
        )
        await slack.wait_for(lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text])

        for user in (BOB, ALICE):
            await people.event(
                {"type": "app_home_opened", "user": user, "channel": "D0" + user, "tab": "home"}
            )
        homes = await slack.wait_for(lambda: len(slack.homes) == 2 and slack.homes)
        bob_home = json.dumps(homes[BOB])
        alice_home = json.dumps(homes[ALICE])
        assert "NHS" in bob_home and "two-day deadline" in bob_home
        assert "two-day deadline" not in alice_home  # Alice did not raise it
        assert homes[BOB]["type"] == "home"
