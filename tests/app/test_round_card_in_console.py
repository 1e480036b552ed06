"""Issue 13, the round as a facilitator runs it: the card in speaking order, a reorder
confirmed, ending with nothing shared or with someone mid-answer, status and cancel."""

from __future__ import annotations

from datetime import timedelta

from bot.routes.commands import help_text
from tests.app.harness import open_chat, reflections, stored_rounds
from tests.fakes.memory import MemoryDatabase


def _last_card(channel: str) -> str:
    """The last drawing of the round's card (first post or "round updated")."""
    marks = [i for i, line in enumerate(channel.splitlines()) if "— speaking now" in line]
    lines = channel.splitlines()
    start = max(i for i, line in enumerate(lines[: marks[-1] + 1]) if line.startswith("[#"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[#")), len(lines))
    return "\n".join(lines[start:end])


def _listed(card: str) -> list[str]:
    return [line.split("•")[1].split("—")[0].strip() for line in card.splitlines() if "•" in line]


async def test_the_card_lists_people_in_speaking_order_and_a_reorder_is_confirmed(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect @alice @bob @carol @dan
@alice: /compact order @dan @carol @bob
"""
    )
    assert "Done — the new speaking order: @dan, @carol, @bob" in chat.private("alice", out)
    refused = await chat.play("@alice: /compact order @carol @dan")
    assert "Still waiting: @dan, @carol, @bob." in chat.private("alice", refused)
    card = _last_card(chat.channel(out))
    assert _listed(card) == ["@alice", "@dan", "@carol", "@bob"]
    out = await chat.play("@alice: pass")
    card = _last_card(chat.channel(out))
    assert _listed(card) == ["@alice", "@dan", "@carol", "@bob"]
    assert "@dan — speaking now" in card


async def test_a_shuffled_card_puts_whoever_speaks_now_at_their_place(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@alice: /compact reflect shuffled @alice @bob @carol @dan @erin")
    [round_] = stored_rounds(memory)
    expected = [f"@{user.user_id}" for user in round_.speaking_order()]
    card = _last_card(chat.channel(out))
    assert _listed(card) == expected
    first_bullet = next(line for line in card.splitlines() if "•" in line)
    assert f"{expected[0]} — speaking now" in first_bullet


async def test_the_card_is_redrawn_before_the_next_prompt_and_says_what_it_is(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@alice: pass")
    channel = chat.channel(out)
    assert channel.index("(round updated)") < channel.index("@bob, your turn")
    updated = next(line for line in channel.splitlines() if "(round updated)" in line)
    assert updated.rstrip().endswith("Reflections on the compact — in progress")


async def test_a_round_nobody_answered_posts_nothing_and_tells_the_facilitator(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@alice: /compact end")
    assert "What we learned and valued" not in "\n".join(out)
    assert "Not heard this time" not in "\n".join(out)
    assert "Nobody shared a reflection, so nothing was posted" in chat.private("alice", out)
    [round_] = stored_rounds(memory)
    assert round_.is_closed


END_WHILE_BOB_ANSWERS = """
@alice: /compact reflect @alice @bob @carol
@bob: /compact answer
@bob: What I learned while the round ended
@alice: /compact end
"""


async def test_ending_while_someone_answers_asks_to_confirm_and_keeps_a_prompt_answer(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play(END_WHILE_BOB_ANSWERS)
    assert "Still answering: @bob" in chat.private("alice", out)
    assert not stored_rounds(memory)[0].is_closed
    out = await chat.play("@alice: /compact end")
    assert stored_rounds(memory)[0].is_closed
    assert "ended while you were answering" in chat.private("bob", out)
    assert "posted if sent within 2 minutes: @bob." in chat.private("alice", out)
    out = await chat.play(
        """
@bob: Valued the candour
@bob:
"""
    )
    assert "Added after the round closed: @bob" in chat.channel(out)
    assert "your reflection is kept and added to the round" in chat.private("bob", out)
    assert "“What I learned while the round ended”" in chat.channel(out)
    [kept] = await reflections(memory)
    assert kept.learned == "What I learned while the round ended"


async def test_an_answer_sent_more_than_two_minutes_after_the_end_is_not_kept_and_says_so(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(END_WHILE_BOB_ANSWERS)
    await chat.play("@alice: /compact end")
    await chat.play(":wait 3m")
    out = await chat.play(
        """
@bob: Valued the candour
@bob:
"""
    )
    assert "more than 2 minutes before you sent your answer" in "\n".join(out)
    assert await reflections(memory) == []


async def test_status_says_who_has_spoken_and_who_is_next(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@dan: /compact status")
    assert "There is no reflection round open here." in chat.private("dan", out)
    out = await chat.play(
        """
@alice: /compact reflect as-gathered @alice @bob @carol @dan
@alice: pass
@dan: /compact status
"""
    )
    status = chat.private("dan", out)
    assert "Spoken: @alice" in status
    assert "Speaking now: @bob" in status
    assert "Next: @carol, @dan" in status
    assert "status" in help_text() and "cancel" in help_text()


async def test_cancel_closes_a_mistaken_round_without_a_summary(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@bob: /compact cancel")
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    out = await chat.play(
        """
@alice: Something learned
@alice:
@alice:
@alice: /compact cancel
"""
    )
    assert "What we learned and valued" not in chat.channel(out)
    assert "no summary was posted" in chat.private("alice", out)
    [round_] = stored_rounds(memory)
    assert round_.is_closed and round_.cancelled
    out = await chat.play("@alice: /compact reflect @alice @bob")
    assert "@alice, your turn" in chat.channel(out)


async def test_a_plain_line_from_the_speaker_is_named_as_their_answer_to_both_questions(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@alice: Candour about the backlog")
    private = chat.private("alice", out)
    assert private.index("What did you learn today? — your line is that answer.") < (
        private.index("What did you especially value?")
    )


async def test_re_sending_after_a_crash_posts_no_summary_for_a_round_nobody_answered(
    memory: MemoryDatabase,
) -> None:
    """What a dead process owed is said again from the round's state: for a round closed
    with nothing shared, that is still nothing in the channel."""
    chat = await open_chat(memory)
    await chat.play(
        """
@alice: /compact reflect @alice @bob
@alice: /compact end
"""
    )
    [round_] = stored_rounds(memory)
    async with memory.unit_of_work() as uow:
        await uow.outbox.add(
            round_.id, chat.clock.now(), by="a-dead-process", until=chat.clock.now()
        )
        await uow.commit()
    chat.clock.advance(timedelta(minutes=1))
    start = len(chat.lines)
    assert await chat.wiring.inbox.recover() == 1
    assert "What we learned and valued" not in "\n".join(chat.lines[start:])
