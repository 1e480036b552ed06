"""A partnership with a quarter of history, played through the application (the console),
for the tests of the partnership's pages: the larger demo's rounds and call-outs
(examples/quarter.txt), then a meeting that discusses and resolves some call-outs."""

from __future__ import annotations

import re
from datetime import date

from bot.repositories import UnitOfWorkFactory
from tests.app.harness import ROOT, Chat, open_chat

LARGE = ROOT / "examples" / "partnership-large.yaml"
SLUG = "nhs-vmi-large"
LINK = re.compile(r"https?://\S+/p/\S+")
NOTES = ("Agree target changes at the monthly board", "A shared calendar of deadlines")


async def seeded_chat(store: UnitOfWorkFactory) -> Chat:
    chat = await open_chat(store, LARGE)
    await chat.play((ROOT / "examples" / "quarter.txt").read_text(encoding="utf-8"))
    async with store.unit_of_work() as uow:
        raised = await uow.callouts.export_rows(None)
    first, second = sorted(raised, key=lambda c: (c.raised_on, c.callout_id))[:2]
    await chat.play(
        f"""
        @alice: /compact discussed {first.callout_id} {NOTES[0]}
        @alice: /compact discussed {second.callout_id} {NOTES[1]}
        @alice: /compact resolve {second.callout_id}
        """
    )
    return chat


def meeting_day(chat: Chat) -> date:
    """The day of the quarter's last round, when the call-outs above were discussed."""
    return chat.clock.now().date()


async def link_from(chat: Chat, command: str, who: str = "alice") -> str:
    """Ask the bot for a page link as `who`; the link it sends privately."""
    lines = await chat.play(f"@{who}: /compact {command}")
    found = LINK.search(chat.private(who, lines))
    assert found is not None, lines
    return found.group(0)
