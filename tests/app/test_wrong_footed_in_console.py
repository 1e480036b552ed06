"""Messages for someone who got a step wrong say what is true in their situation."""

from __future__ import annotations

from tests.app.harness import open_chat
from tests.fakes.memory import MemoryDatabase


async def test_someone_new_joins_by_speaking_for_themselves_only_once_a_round_is_open(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@alice: /compact reflect @alice @bob @zed")
    refused = chat.private("alice", out)
    assert "I don't know @zed; nothing was changed, so no round is open yet." in refused
    assert "Someone new can join" not in refused
    assert "once it is open, someone new can join by speaking for themselves" in refused
    out = await chat.play("@zed: /compact here")
    assert "There is no reflection round open here" in chat.private("zed", out)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@alice: /compact add @zed")
    told = chat.private("alice", out)
    assert "I don't know @zed; nothing was changed." in told
    assert "Someone new can join by speaking for themselves" in told
    out = await chat.play("@zed: /compact here")
    assert "@zed" in chat.channel(out)  # Zed spoke for themselves and joined
