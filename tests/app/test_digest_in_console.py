"""The digest as a console user reads it: plurals, call-outs per state, every learning note."""

from __future__ import annotations

from datetime import timedelta

from tests.app.harness import Chat, open_chat
from tests.app.test_callouts_in_console import ANONYMOUS_CALLOUT, reference
from tests.fakes.memory import MemoryDatabase


async def raise_one(chat: Chat, what: str) -> str:
    await chat.play(ANONYMOUS_CALLOUT.replace("Expectations on pace changed twice", what))
    return await reference(chat, "bob")


async def test_the_digest_says_each_callout_state_this_week_and_still_open(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    first = await raise_one(chat, "First")
    await raise_one(chat, "Second")
    third = await raise_one(chat, "Third")
    await chat.play(f"@alice: /compact discussed {first} Warn a week ahead")
    chat.clock.advance(timedelta(hours=2))
    await chat.play(f"@alice: /compact resolve {first} A notice period is now agreed")
    await chat.play(f"@alice: /compact discussed {third} Share drafts early")
    out = await chat.play("@carol: /compact digest preview")
    digest = chat.private("carol", out)
    assert "Call-outs this week: 3 raised, 2 discussed, 1 resolved." in digest
    assert "Still open: 1 waiting to be discussed, 1 discussed and waiting to be resolved." in (
        digest
    )
    assert "(s)" not in digest
    day = chat.clock.now().date().isoformat()
    # Both notes of the resolved one are kept, each with its day.
    assert f"learning ({day}): “Warn a week ahead”" in digest
    assert f"learning ({day}): “A notice period is now agreed”" in digest
    assert f"learning ({day}): “Share drafts early”" in digest


async def test_a_switched_off_digest_reads_naturally(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact settings
@alice: monday
@alice: 09:00
@alice: Europe/London
@alice: no
@alice: yes
"""
    )
    told = chat.private("alice", out)
    assert "never (switched off)" not in told
    assert "The weekly digest is switched off, so none goes out" in told
