"""A whole reflection round through the console, on the in-memory store: what people see
and what is stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.console.session import console_channel, console_user
from bot import words
from bot.requests import Actor, ChatMessage
from tests.app.harness import EXAMPLE, open_chat, reflections, stored_names, stored_rounds
from tests.fakes.memory import MemoryDatabase

ROUND_OF_THREE = """
@alice: /compact reflect @alice @bob @carol
@alice: Early warning made the hard conversation easy
@alice: Bob's candour about the backlog
@alice: env-h1 lis-h1
@bob: pass
@carol:
@carol: The regulator advocating for us
@carol: lis-r2
"""


async def test_a_round_of_three_runs_to_its_summary_and_is_stored(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(ROUND_OF_THREE)
    channel = chat.channel(out)
    # Each attendee is prompted in turn, alternating between organisations.
    assert channel.index("@alice, your turn") < channel.index("@bob, your turn")
    assert channel.index("@bob, your turn") < channel.index("@carol, your turn")
    # The summary holds every reflection and the clauses celebrated.
    summary = channel[channel.index("== What we learned and valued ==") :]
    assert "“Early warning made the hard conversation easy”" in summary
    assert "“The regulator advocating for us”" in summary
    assert "Passed: @bob" in summary
    assert "env-h1 ×1" in summary and "lis-r2 ×1" in summary
    assert "Thank you — your reflection is recorded." in chat.private("alice", out)
    assert len(await reflections(memory)) == 2
    assert sum(len(r.clause_ids) for r in await reflections(memory)) == 3
    [stored] = stored_rounds(memory)
    assert stored.is_closed


async def test_a_turn_times_out_and_the_person_may_still_answer(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play(":wait 6m")
    assert "@bob, your turn" in chat.channel(out)
    out = await chat.play(
        """
@bob: pass
@alice: /compact answer
@alice: Late but here
@alice:
@alice:
"""
    )
    assert "“Late but here”" in chat.channel(out)
    assert len(await reflections(memory)) == 1


async def test_someone_who_answers_early_is_not_asked_again(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect @alice @bob @carol
@carol: /compact answer
@carol: Learned early
@carol: Valued early
@carol:
@alice: pass
@bob: pass
"""
    )
    assert "you won't be asked again" in chat.private("carol", out)
    assert "@carol, your turn" not in chat.channel(out)
    assert "== What we learned and valued ==" in chat.channel(out)


async def test_only_the_facilitator_ends_and_bad_input_changes_nothing(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play(
        """
@bob: /compact end
@bob: /compact frobnicate
@alice: I learned things
@alice: and valued others
@alice: env-h1 nope-9
"""
    )
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    assert "I don't know `/compact frobnicate`" in chat.private("bob", out)
    assert "These clause ids aren't in the compact: nope-9" in chat.private("alice", out)
    assert len(await reflections(memory)) == 0
    # The clause field is asked again; fixing it records the answer.
    out = await chat.play("@alice: env-h1")
    assert len(await reflections(memory)) == 1
    assert "@bob, your turn" in chat.channel(out)


async def test_over_long_answers_are_refused_with_the_limit(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice")
    out = await chat.play(f"@alice: {'x' * 1600}\n@alice: ok\n@alice:")
    assert "please keep it under 1,500" in chat.private("alice", out)
    assert len(await reflections(memory)) == 0


async def test_answers_can_be_edited_while_the_round_runs(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(
        """
@alice: /compact reflect @alice @bob
@alice: first thought
@alice: first value
@alice:
@alice: /compact edit
@alice: second thought
@alice: second value
@alice: exc-h1
@alice: /compact end
"""
    )
    channel = chat.channel()
    assert "“second thought”" in channel and "first thought”" not in channel.split("==")[-1]
    assert len(await reflections(memory)) == 1
    out = await chat.play("@bob: /compact edit")  # (after the close: see test_after_round.py)
    assert "You haven't shared a reflection in this round yet" in chat.private("bob", out)


async def test_a_second_round_cannot_open_while_one_runs(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@bob: /compact reflect @bob")
    assert "already open here" in chat.private("bob", out)
    assert len(stored_rounds(memory)) == 1


async def test_gathering_with_im_here_then_start(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect
@bob: /compact here
@carol: /compact here
@bob: /compact start
@alice: /compact start
"""
    )
    assert "press *I'm here*" in chat.channel(out)
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    assert "@bob, your turn" in chat.channel(out)


async def test_a_newcomer_is_asked_their_organisation_once(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect
@frank: /compact here
@frank: /compact here
@frank: /compact iam northgate
"""
    )
    asked = chat.private("frank", out).count("Which partner organisation do you represent?")
    assert asked == 1
    assert "confirm that you represent Northgate" in chat.private("frank", out)


async def test_naming_someone_unknown_changes_nothing(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@alice: /compact reflect @alice @alcie")
    assert "I don't know @alcie; nothing was changed" in chat.private("alice", out)
    assert len(stored_rounds(memory)) == 0
    await chat.play("@alice: /compact reflect @alice")
    out = await chat.play("@bob: /compact add @mallory")
    assert "I don't know @mallory" in chat.private("bob", out)
    out = await chat.play("@bob: /compact add @carol")
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    assert "mallory" not in stored_names(memory)


async def test_user_text_cannot_drive_the_terminal(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        "@alice: /compact reflect @alice\n@alice: evil \x1b[2J here\n@alice: x\n@alice:"
    )
    assert "\x1b" not in "\n".join(out)


async def test_digest_preview_counts_the_week_privately(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ROUND_OF_THREE)
    out = await chat.play("@carol: /compact digest preview")
    digest = chat.private("carol", out)
    assert chat.channel(out) == ""
    assert "1 reflection round held; 2 reflections shared." in digest
    # One person in each organisation: none is shown on its own, so nobody's pass is told.
    assert "Northgate" not in digest
    assert "All partners together: took part 3 times in rounds, shared 2 reflections" in digest
    assert "“The regulator advocating for us” — a partner" in digest
    assert "Quiet clauses" in digest


async def test_show_the_compact_a_theme_and_a_clause(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@dan: /compact show lead-h4\n@dan: /compact show fostering")
    shown = chat.private("dan", out)
    assert "lead-h4 (Leadership, Hospital): Acknowledge collective responsibility" in shown
    assert "== Fostering excellence ==" in shown
    out = await chat.play("@dan: /compact show nonsense")
    assert "Nothing in the compact matches 'nonsense'" in chat.private("dan", out)


async def test_the_facilitator_reorders_who_is_next(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect @alice @bob @carol @dan
@alice: /compact order @dan @carol @bob
@bob: /compact order @bob
@alice: pass
"""
    )
    assert "Only the round's facilitator can do that" in chat.private("bob", out)
    assert "@dan, your turn" in chat.channel(out)
    assert "@bob, your turn" not in chat.channel(out)


async def test_a_reply_in_the_rounds_thread_by_the_person_asked_is_their_answer(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    async with memory.unit_of_work() as uow:
        stored = await uow.rounds.open_in(console_channel())
    assert stored is not None and stored.round.conversation.thread is not None
    thread = stored.round.conversation
    app = chat.wiring.app
    # Someone other than the person asked is just chatting.
    await app.message(ChatMessage(Actor(console_user("bob"), "bob"), thread, "hello all"))
    # The same words outside the round's thread are not an answer either.
    elsewhere = thread.in_thread("some-other-thread")
    await app.message(ChatMessage(Actor(console_user("alice"), "alice"), elsewhere, "hi"))
    assert len(await reflections(memory)) == 0
    await app.message(
        ChatMessage(Actor(console_user("alice"), "alice"), thread, "Candour helped; see env-h1")
    )
    [reflection] = await reflections(memory)
    assert reflection.learned == "Candour helped; see env-h1"
    assert "@bob, your turn" in chat.channel()


async def test_the_digest_draws_a_chart_once_there_are_two_weeks(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ROUND_OF_THREE)
    out = await chat.play("@alice: /compact digest preview")
    assert "week by week" not in chat.private("alice", out)
    chat.clock.advance(timedelta(days=7))
    await chat.play(ROUND_OF_THREE)
    out = await chat.play("@alice: /compact digest preview")
    digest = chat.private("alice", out)
    assert "Clauses celebrated and call-outs raised, week by week:" in digest
    assert "2026-11-16" not in digest  # no empty weeks before the first one with data
    assert "2026-11-23 celebrated ██████████████████████████████ 3" in digest


async def test_someone_passed_over_is_told_they_may_still_answer(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob @carol")
    out = await chat.play(":wait 6m")
    assert "you can still share your reflection" in chat.private("alice", out)
    out = await chat.play("@alice: /compact skip")
    assert "you can still share your reflection" in chat.private("bob", out)
    out = await chat.play("@carol: pass")
    assert "Everyone has had a turn" in chat.private("alice", out)


async def test_an_organisation_given_after_answering_still_counts(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    # With `privacy.min_group` 1, so that an organisation of one may be shown at all.
    compact = tmp_path / "compact.yaml"
    compact.write_text(EXAMPLE.read_text(encoding="utf-8") + "\nprivacy: {min_group: 1}\n")
    chat = await open_chat(memory, compact)
    await chat.play(
        """
@alice: /compact reflect
@frank: /compact here
@alice: /compact start
@frank: Learned from the trusts
@frank: Valued the candour
@frank:
@frank: /compact iam highfield
@alice: /compact approve nhs-vmi/6/highfield
"""
    )
    out = await chat.play("@alice: /compact digest preview")
    digest = chat.private("alice", out)
    highfield = "Highfield Valley Hospitals NHS Foundation Trust"
    assert f"{highfield}: took part 1 time in rounds, shared 1 reflection" in digest
    assert "Organisation not yet known" not in digest


async def test_a_platform_failing_loses_no_stored_answer(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    gateways = chat.wiring.services.gateways
    assert isinstance(gateways, dict)
    working = gateways["console"]

    class Down:
        async def post(self, *args: object, **kwargs: object) -> str:
            raise ConnectionError("platform unreachable")

        update = send_private = post

    gateways["console"] = Down()  # type: ignore[assignment]
    await chat.play("@alice: What I learned\n@alice: What I valued\n@alice:")
    gateways["console"] = working
    assert len(await reflections(memory)) == 1
    async with memory.unit_of_work() as uow:
        stored = await uow.rounds.open_in(console_channel())
    assert stored is not None and stored.round.current_turn is not None
    assert stored.round.current_turn.person == console_user("bob")


async def test_the_speaking_order_can_be_chosen_per_round(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@alice: /compact reflect as-gathered @dan @carol @bob")
    turn = chat.channel(out)
    assert "@dan, your turn" in turn
    await chat.play("@alice: /compact end")
    out = await chat.play("@alice: /compact reflect sideways @bob")
    assert "the order may be one of as-gathered, shuffled, alternating" in chat.private(
        "alice", out
    )


async def test_the_person_asked_is_reminded_once_before_their_turn_moves_on(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect as-gathered @alice @bob")
    reminder = "A gentle reminder: it's still your turn"
    maintenance = chat.wiring.maintenance
    start = len(chat.lines)
    chat.clock.advance(timedelta(minutes=2))  # 3 minutes of the 5 left: too early
    await maintenance.tick()
    assert reminder not in chat.private("alice", chat.lines[start:])
    chat.clock.advance(timedelta(minutes=1, seconds=30))  # under 2 minutes left
    await maintenance.tick()
    await maintenance.tick()  # another tick (or another replica's): no second reminder
    assert chat.private("alice", chat.lines[start:]).count(reminder) == 1
    assert reminder not in chat.private("bob", chat.lines[start:])
    chat.clock.advance(timedelta(minutes=2))  # the turn times out and moves on to Bob
    assert await maintenance.tick() == 1
    await maintenance.tick()
    chat.clock.advance(timedelta(minutes=3, seconds=30))
    await maintenance.tick()
    assert chat.private("bob", chat.lines[start:]).count(reminder) == 1


async def test_a_plain_line_is_an_answer_only_from_the_person_asked_now(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect as-gathered @alice @bob")
    await chat.play(":wait 6m")  # Alice's turn times out: Bob is asked now
    out = await chat.play("@alice: I was away, sorry")
    # Once asked, but not now: no form, nothing in the channel; she is told what to do.
    assert chat.channel(out) == "" and "/compact answer" in chat.private("alice", out)
    out = await chat.play("@bob: Learned from the trusts")
    assert words.FIELD_VALUED in chat.private("bob", out)  # the line was the first field
    await chat.play("@bob: Valued the candour\n@bob:")
    (reflection,) = await reflections(memory)
    assert (reflection.learned, reflection.valued) == (
        "Learned from the trusts",
        "Valued the candour",
    )
    await chat.play("@alice: /compact end")
    out = await chat.play("@bob: anything more?")
    assert out == []  # the round is closed: just chat
