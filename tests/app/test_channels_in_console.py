"""Channels (issue 11): `/compact link` never takes a channel from another partnership behind
its facilitators' backs, and a compact file may declare its channels itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console.session import console_channel, console_user
from bot.usecases.compacts import load_compact_file
from rituals.errors import CompactFileError
from tests.app.harness import EXAMPLE, open_chat
from tests.fakes.memory import MemoryDatabase


def _other_partnership(folder: Path, facilitators: str, extra: str = "") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("slug: nhs-vmi", "slug: north-south", 1)
    text = text.replace("name: NHS–VMI partnership", "name: North–South partnership", 1)
    text = text.replace("facilitators: [alice]", f"facilitators: {facilitators}{extra}", 1)
    path = folder / "other.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def _holder(memory: MemoryDatabase, name: str = "partnership") -> str:
    async with memory.unit_of_work() as uow:
        pid = await uow.channels.partnership_of(console_channel(name))
        stored = None if pid is None else await uow.compacts.latest_for(pid)
    return "" if stored is None else stored.partnership_slug


async def test_a_channel_held_by_another_partnership_is_not_taken(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    """On main, bob (facilitating only north-south) moved nhs-vmi's channel to it."""
    chat = await open_chat(memory)
    await load_compact_file(chat.wiring.services, _other_partnership(tmp_path, "[bob]"))
    async with memory.unit_of_work() as uow:  # bob has been met in north-south already
        pid = await uow.compacts.partnership_id("north-south")
        assert pid is not None
        bob = await uow.people.find_by_handle(pid, "bob")
        assert bob is not None
        await uow.people.link_identity(bob.id, console_user("bob"))
        await uow.commit()
    out = await chat.play("@bob: /compact link north-south")
    told = chat.private("bob", out)
    assert "already holds the rituals of another partnership, NHS–VMI partnership" in told
    assert "Only someone who facilitates both partnerships can move it." in told
    assert await _holder(memory) == "nhs-vmi"


async def test_someone_facilitating_both_moves_it_once_they_confirm(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory)
    await load_compact_file(chat.wiring.services, _other_partnership(tmp_path, "[alice, bob]"))
    out = await chat.play("@alice: /compact link north-south")
    asked = chat.private("alice", out)
    assert "This channel holds the rituals of NHS–VMI partnership. Move it to North–South" in (
        asked
    )
    assert "[Move it: /compact link north-south partnership]" in asked
    assert await _holder(memory) == "nhs-vmi"
    out = await chat.play("@alice: /compact link north-south")
    assert "now holds the rituals of North–South partnership" in chat.channel(out)
    assert await _holder(memory) == "north-south"


async def test_a_channel_the_file_declares_needs_no_link(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory)
    other = _other_partnership(tmp_path, "[bob]", "\n  channels: [{console: trusts}]")
    await load_compact_file(chat.wiring.services, other)
    assert await _holder(memory, "trusts") == ""  # bound when first used there
    chat.session.channel = console_channel("trusts")  # the console speaking there
    out = await chat.play("@bob: /compact show env-r1")
    assert "Behave in a positive" in chat.private("bob", out)  # a read: nothing is stored
    out = await chat.play("@bob: /compact reflect @bob @carol")
    assert "@bob, your turn" in chat.channel(out)
    assert await _holder(memory, "trusts") == "north-south"


async def test_a_channel_another_file_declares_is_refused_with_the_reason(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory)
    first = _other_partnership(tmp_path, "[bob]", "\n  channels: [{slack: C0SHARED}]")
    await load_compact_file(chat.wiring.services, first)
    second = tmp_path / "third.yaml"
    second.write_text(
        first.read_text(encoding="utf-8").replace("slug: north-south", "slug: third", 1),
        encoding="utf-8",
    )
    with pytest.raises(CompactFileError, match="channel slack C0SHARED is declared by partnership"):
        await load_compact_file(chat.wiring.services, second)
    async with memory.unit_of_work() as uow:
        assert await uow.compacts.partnership_id("third") is None  # nothing stored
