"""After the round, through the real Slack endpoint and a fake Slack: the author withdraws
with the button on their thanks, edits in the modal; a facilitator hides a reflection; the
summary already posted is redrawn in place (chat.update); after 24 hours edits are refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot import actions
from rituals.refs import ConversationRef
from storage.database import Database
from storage.models import ReflectionRow
from tests.adapters.slack.fake_slack import TEAM, Posted
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, SlackWorld, slack_world
from tests.adapters.slack.test_slack_round import asked, header_of_or_none, next_prompt

CHANNEL_REF = ConversationRef("slack", TEAM, CHANNEL)
SAID = {ALICE: "Alice learned early warning", BOB: "Bob learned candour", CAROL: "Carol learned"}


def summary_of(world: SlackWorld, header: Posted) -> Posted | None:
    found = [
        m
        for m in world.slack.in_channel(CHANNEL)
        if m.thread_ts == header.ts and "What we learned" in m.all_text
    ]
    return found[0] if found else None


async def summary_remembered(world: SlackWorld, summary: Posted) -> None:
    """The summary's message id is stored just after it is posted (a separate step: a change
    made in between keeps the old summary, docs/slack.md); wait for it, counting attempts."""
    for _ in range(200):
        async with world.database.unit_of_work() as uow:
            stored = await uow.rounds.latest_in(CHANNEL_REF)
        if stored is not None and stored.summary_id == summary.ts:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the summary's message id was never stored")


def thanks_to(world: SlackWorld, user: str) -> Posted:
    return next(
        m
        for m in world.slack.private_to(user)
        if any(b["action_id"] == actions.ROUND_WITHDRAW for b in m.buttons())
    )


async def test_reflections_change_after_the_round_and_the_summary_follows(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        mentions = " ".join(f"<@{u}|{u[2:].lower()}>" for u in (ALICE, BOB, CAROL))
        await people.command(ALICE, f"reflect {mentions}", channel=CHANNEL)
        header = await slack.wait_for(lambda: header_of_or_none(world), what="the header")
        for turn in range(1, 4):
            person = asked(await next_prompt(world, header, turn))
            await people.reply(person, CHANNEL, header.ts, SAID[person])
        summary = await slack.wait_for(lambda: summary_of(world, header), what="the summary")
        assert all(text in summary.all_text for text in SAID.values())
        await summary_remembered(world, summary)

        # Bob withdraws with the button on his private thanks: the summary drops his words.
        await people.click(BOB, thanks_to(world, BOB), actions.ROUND_WITHDRAW)
        await slack.wait_for(
            lambda: SAID[BOB] not in summary.all_text, what="the summary without Bob"
        )
        assert any("withdrawn" in m.all_text for m in slack.private_to(BOB))

        # Alice (facilitator) hides Carol's: gone from the summary, kept in storage.
        await people.command(ALICE, f"reflection hide <@{CAROL}|carol>", channel=CHANNEL)
        await slack.wait_for(
            lambda: SAID[CAROL] not in summary.all_text, what="the summary without Carol"
        )

        # Alice edits hers in the modal, from her thanks: the summary shows it, marked.
        await people.click(ALICE, thanks_to(world, ALICE), actions.ROUND_EDIT)
        modal = (await slack.wait_for(lambda: slack.forms(), what="the edit modal"))[-1]
        status, answer = await people.submit(
            ALICE, modal, {"learned": "Alice, on reflection", "valued": "", "clauses": []}
        )
        assert (status, answer) == (200, {})
        await slack.wait_for(
            lambda: "Alice, on reflection" in summary.all_text, what="the edited summary"
        )
        assert "(edited)" in summary.all_text
        assert len([m for m in slack.in_channel(CHANNEL) if "What we learned" in m.all_text]) == 1

        # A day and an hour later the edit button is refused, and says why.
        world.clock.advance(timedelta(hours=25))
        await people.click(ALICE, thanks_to(world, ALICE), actions.ROUND_EDIT)
        await slack.wait_for(
            lambda: any("24 hours" in m.all_text for m in slack.private_to(ALICE)),
            what="the refusal",
        )

    async with database.unit_of_work() as uow:
        rows = {
            user: (learned, withdrawn is not None, hidden is not None)
            for user, learned, withdrawn, hidden in (
                await uow.session.execute(
                    select(
                        ReflectionRow.author_user_id,
                        ReflectionRow.learned,
                        ReflectionRow.withdrawn_at,
                        ReflectionRow.hidden_at,
                    )
                )
            ).all()
        }
    assert rows == {
        ALICE: ("Alice, on reflection", False, False),
        BOB: ("", True, False),
        CAROL: (SAID[CAROL], False, True),
    }
