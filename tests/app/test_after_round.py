"""After the round closes, through the console: authors edit or withdraw their own
reflection for 24 hours (the injected clock), a facilitator hides one (kept, marked in the
export), the summary is redrawn, and the digest's facts leave hidden and withdrawn ones out."""

from __future__ import annotations

from datetime import timedelta

from tests.app.harness import T0, Chat, open_chat, reflections
from tests.fakes.memory import MemoryDatabase

A_ROUND = """
@alice: /compact reflect @alice @bob @carol
@alice: Early warning made it easy
@alice:
@alice: env-h1
@bob: The backlog is shared
@bob:
@bob: lis-h1
@carol: The regulator listened
@carol:
@carol:
"""


async def closed_round(memory: MemoryDatabase) -> Chat:
    chat = await open_chat(memory)
    await chat.play(A_ROUND)
    assert "== What we learned and valued ==" in chat.channel()
    return chat


async def digest_learnings(chat: Chat) -> list[str]:
    async with chat.store.unit_of_work() as uow:
        records = await uow.reflections.records_between(1, T0, T0 + timedelta(days=3))
    return [r.learned for r in records]


async def test_the_author_withdraws_theirs_and_the_summary_and_digest_drop_it(
    memory: MemoryDatabase,
) -> None:
    chat = await closed_round(memory)
    out = await chat.play("@bob: /compact reflection withdraw")
    assert "Your reflection is withdrawn" in chat.private("bob", out)
    redrawn = chat.channel(out)
    assert "The backlog is shared" not in redrawn and "Early warning made it easy" in redrawn
    assert "@bob — withdrew their reflection" in redrawn
    assert await digest_learnings(chat) == ["Early warning made it easy", "The regulator listened"]
    # Its words are gone from the record too; a second withdrawal changes nothing.
    assert [r.learned for r in await reflections(memory)] == [
        "Early warning made it easy",
        "The regulator listened",
    ]
    out = await chat.play("@bob: /compact reflection withdraw")
    assert "You withdrew your reflection" in chat.private("bob", out)
    assert chat.channel(out) == ""


async def test_an_edit_after_the_close_is_marked_and_refused_after_24_hours(
    memory: MemoryDatabase,
) -> None:
    chat = await closed_round(memory)
    chat.clock.advance(timedelta(hours=23, minutes=58))  # the script took under 2 minutes
    out = await chat.play(
        "@alice: /compact edit\n@alice: Early warning, said better\n@alice:\n@alice:"
    )
    assert "Your reflection is updated." in chat.private("alice", out)
    assert "“Early warning, said better” [env-h1] (edited)" in chat.channel(out)
    assert "Early warning, said better" in await digest_learnings(chat)
    chat.clock.advance(timedelta(minutes=5))
    out = await chat.play("@alice: /compact edit\n@alice: /compact reflection withdraw")
    refusals = chat.private("alice", out)
    assert refusals.count("until 24 hours after its round closes; that time has passed") == 2
    assert chat.channel(out) == ""


async def test_a_facilitator_hides_a_reflection_kept_and_marked_for_the_record(
    memory: MemoryDatabase,
) -> None:
    chat = await closed_round(memory)
    out = await chat.play("@bob: /compact reflection hide @carol")
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    chat.clock.advance(timedelta(days=3))  # no time limit for facilitators
    out = await chat.play("@alice: /compact reflection hide @carol")
    assert "Hidden: the reflection of @carol" in chat.private("alice", out)
    assert "A facilitator has hidden your reflection" in chat.private("carol", out)
    assert "The regulator listened" not in chat.channel(out)
    assert "The regulator listened" not in await digest_learnings(chat)
    [hidden] = [r for r in await reflections(memory) if r.learned == "The regulator listened"]
    assert hidden.hidden_at is not None
    out = await chat.play("@alice: /compact reflection unhide @carol")
    assert "Shown again" in chat.private("alice", out)
    assert "Your reflection in this round is shown again" in chat.private("carol", out)
    assert "The regulator listened" in chat.channel(out)
    out = await chat.play("@alice: /compact reflection hide @dan\n@alice: /compact reflection")
    told = chat.private("alice", out)
    assert "@dan has no reflection in this round to hide or show" in told
    assert "`/compact reflection withdraw`" in told


async def test_no_round_yet_and_help_lists_the_command(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        "@bob: /compact reflection withdraw\n@bob: /compact edit\n@bob: /compact help"
    )
    told = chat.private("bob", out)
    assert told.count("There has been no reflection round here yet") == 2
    assert "`/compact reflection withdraw`" in told


async def test_skip_for_someone_not_in_the_round_gives_the_command_that_adds_them(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@alice: /compact skip @zed\n@alice: /compact skip @dan")
    told = chat.private("alice", out)
    assert (
        "@zed isn't in this round, so nothing was changed. To add them, type: /compact add @zed"
        in told
    )
    assert "To add them, type: /compact add @dan" in told


async def test_a_late_reflection_lives_in_the_summary_so_a_withdrawal_takes_it_back(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(
        """
@alice: /compact reflect @alice @bob @carol
@alice: Early warning made it easy
@alice:
@alice:
@bob: /compact answer
@bob: What I learned while the round ended
@alice: /compact end
@alice: /compact end
"""
    )
    out = await chat.play("@bob: Valued the candour\n@bob:")
    channel = chat.channel(out)
    # The summary is redrawn with it; the note under it names whose, not what they said.
    assert "“What I learned while the round ended”" in channel
    note = next(line for line in channel.splitlines() if "Added after the round closed" in line)
    assert note.endswith(
        "Added after the round closed: @bob's reflection, now in the round's summary."
    )
    out = await chat.play("@bob: /compact reflection withdraw")
    redrawn = chat.channel(out)
    assert "What I learned" not in redrawn and "Early warning made it easy" in redrawn
