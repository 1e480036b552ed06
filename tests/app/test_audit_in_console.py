"""The audit trail records facilitators' actions (who, what, to what, when) in the action's
own transaction, and never a call-out's content; a refused action records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.requests import Actor
from bot.usecases.compacts import link_channel
from rituals.audit import AuditAction, AuditEntry
from rituals.errors import NotAllowed
from rituals.refs import ConversationRef, UserRef
from tests.app.harness import T0, compact_with_ids, open_chat
from tests.app.test_callouts_in_console import ANONYMOUS_CALLOUT, reference
from tests.fakes.memory import MemoryDatabase

SETTINGS = """
@alice: /compact settings
@alice: thursday
@alice: 16:30
@alice: Europe/Paris
@alice: yes
@alice: yes
"""


async def trail(memory: MemoryDatabase) -> list[AuditEntry]:
    async with memory.unit_of_work() as uow:
        return await uow.audit.entries("nhs-vmi")


async def test_discussed_resolve_and_settings_are_recorded_with_who_and_when(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    await chat.play(f"@carol: /compact discussed {ref} Not mine to mark")  # refused
    await chat.play(f"@alice: /compact discussed {ref} We agreed a two-week notice")
    await chat.play(f"@alice: /compact resolve {ref}")
    await chat.play(SETTINGS)

    entries = await trail(memory)
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("@alice", AuditAction.DISCUSSED, ref),
        ("@alice", AuditAction.RESOLVE, ref),
        ("@alice", AuditAction.SETTINGS, "digest thursday 16:30 Europe/Paris"),
    ]
    assert all(e.at >= T0 and e.actor_person_id is not None for e in entries)
    recorded = repr(entries)
    for content in ("Expectations", "change notice", "two-week", "lead-r1", "bob"):
        assert content not in recorded, content


async def test_the_reporter_withdrawing_is_not_a_facilitator_action(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    await chat.play(f"@bob: /compact withdraw {ref}")
    assert await trail(memory) == []


async def test_linking_a_channel_is_recorded(memory: MemoryDatabase, tmp_path: Path) -> None:
    chat = await open_chat(memory, compact_with_ids(tmp_path, "console", lambda h: h))
    here = ConversationRef("console", "local", "C_NEW")
    with pytest.raises(NotAllowed):  # not a facilitator: refused, and nothing recorded
        await link_channel(
            chat.wiring.services, Actor(UserRef("console", "local", "bob"), "B"), here, ""
        )
    await link_channel(
        chat.wiring.services, Actor(UserRef("console", "local", "alice"), "A"), here, ""
    )
    assert [(e.actor, e.action, e.subject) for e in await trail(memory)] == [
        ("@alice", AuditAction.LINK, "console channel C_NEW")
    ]
