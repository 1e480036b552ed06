"""A whole reflection round through the real `/slack/events` endpoint and a fake Slack:
four people, one answering with the modal, one replying in the thread, one passing and one
timing out; on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot import actions
from storage.database import Database
from storage.models import ReflectionRow, RoundRow
from tests.adapters.slack.fake_slack import Posted
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, DAN, SlackWorld, slack_world

MENTION = re.compile(r"<@(U[0-9A-Z]+)>")


def header_of(world: SlackWorld) -> Posted:
    return next(
        m
        for m in world.slack.in_channel(CHANNEL)
        if m.thread_ts is None and "Reflections" in m.all_text
    )


def prompts(world: SlackWorld, header: Posted) -> list[Posted]:
    return [
        m
        for m in world.slack.in_channel(CHANNEL)
        if m.thread_ts == header.ts
        and any(b["action_id"] == actions.ROUND_ANSWER for b in m.buttons())
    ]


def asked(prompt: Posted) -> str:
    found = MENTION.search(prompt.all_text)
    assert found, prompt.all_text
    return found.group(1)


async def next_prompt(world: SlackWorld, header: Posted, count: int) -> Posted:
    found = await world.slack.wait_for(
        lambda: len(prompts(world, header)) >= count and prompts(world, header),
        what=f"prompt {count}",
    )
    return found[count - 1]


async def test_a_round_of_four_in_slack(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        mentions = " ".join(f"<@{u}|{u[2:].lower()}>" for u in (ALICE, BOB, CAROL, DAN))
        status, body = await people.command(ALICE, f"reflect {mentions}", channel=CHANNEL)
        assert (status, body) == (200, "")

        header = await slack.wait_for(lambda: header_of_or_none(world), what="the round header")
        ways = ["modal", "reply", "pass", "timeout"]
        who_did: dict[str, str] = {}
        for turn, way in enumerate(ways, start=1):
            prompt = await next_prompt(world, header, turn)
            person = asked(prompt)
            who_did[way] = person
            if way == "modal":
                await people.click(person, prompt, actions.ROUND_ANSWER)
                view = await slack.wait_for(lambda: slack.forms(), what="the modal")
                modal = view[-1]
                # An unknown clause is refused beside the field, and the modal stays open.
                status, answer = await people.submit(
                    person,
                    modal,
                    {
                        "learned": "Listening first <!channel> works",
                        "valued": "",
                        "clauses": ["nope-1"],
                    },
                )
                assert status == 200
                assert answer.get("response_action") == "errors", answer
                status, answer = await people.submit(
                    person,
                    modal,
                    {
                        "learned": "Listening first <!channel> works",
                        "valued": "Candour",
                        "clauses": ["env-r1"],
                    },
                )
                assert (status, answer) == (200, {})
            elif way == "reply":
                await people.reply(
                    person, CHANNEL, header.ts, "We kept to our timelines & it showed (lead-h1)"
                )
            elif way == "pass":
                await people.click(person, prompt, actions.ROUND_PASS)
            else:
                world.clock.advance(timedelta(minutes=6))
                assert await world.wiring.maintenance.tick() == 1

        # Everyone has been asked; the facilitator ends the round from the last prompt.
        last = await next_prompt(world, header, 4)
        await slack.wait_for(
            lambda: any("Everyone has had a turn" in m.all_text for m in slack.private_to(ALICE)),
            what="the facilitator told everyone was asked",
        )
        await people.click(ALICE, last, actions.ROUND_END)
        summary = await slack.wait_for(
            lambda: [
                m
                for m in slack.in_channel(CHANNEL)
                if m.thread_ts == header.ts and "What we learned" in m.all_text
            ],
            what="the summary",
        )
        text = summary[0].all_text
        assert "Listening first &lt;!channel&gt; works" in text  # escaped: nobody is pinged
        assert "<!channel>" not in text
        assert "We kept to our timelines &amp; it showed" in text
        await slack.wait_for(
            lambda: (
                "closed" in header_of(world).all_text.lower()
                or "Clauses celebrated" in header_of(world).all_text
            ),
            what="header closed",
        )
        final_header = header_of(world).all_text
        assert "Clauses celebrated" in final_header and "env-r1" in final_header
        assert f"<@{who_did['pass']}> — passed" in final_header

        # Every prompt mentioned its person in the round's thread.
        assert [asked(p) for p in prompts(world, header)] == [who_did[w] for w in ways]

        # Stored: two reflections (modal, reply), against the round, with their clauses.
        async with database.unit_of_work() as uow:
            rows = (
                await uow.session.execute(
                    select(ReflectionRow.author_user_id, ReflectionRow.learned)
                )
            ).all()
            stored_round = (
                await uow.session.execute(select(RoundRow.status, RoundRow.thread_id))
            ).one()
        assert sorted(rows) == sorted(
            [
                (who_did["modal"], "Listening first <!channel> works"),
                (who_did["reply"], "We kept to our timelines & it showed (lead-h1)"),
            ]
        )
        assert stored_round == ("closed", header.ts)


def header_of_or_none(world: SlackWorld) -> Posted | None:
    try:
        return header_of(world)
    except StopIteration:
        return None
