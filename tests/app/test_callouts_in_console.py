"""Calling out a deviation: private, anonymous when asked, tabled, discussed, resolved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.console.session import console_channel, console_user
from bot.requests import Actor, FormSubmission
from rituals.callout import Callout, CalloutStatus
from storage.database import Database
from storage.models import CalloutRow, PersonRow
from tests.app.harness import EXAMPLE, Chat, open_chat
from tests.app.test_rounds_in_console import ROUND_OF_THREE
from tests.fakes.memory import MemoryDatabase


async def callouts(memory: MemoryDatabase) -> list[Callout]:
    """Every stored call-out, withdrawn ones too (through the port)."""
    async with memory.unit_of_work() as uow:
        exported = await uow.callouts.export_rows(None, include_withdrawn=True)
        pid = (await uow.compacts.latest_all())[0].partnership_id
        found = [await uow.callouts.get(pid, row.callout_id) for row in exported]
    return [callout for callout in found if callout is not None]


ANONYMOUS_CALLOUT = """
@bob: /compact callout
@bob: lead-r1
@bob: nhsei
@bob: Expectations on pace changed twice without warning
@bob: Agree a change notice before targets move
@bob: anonymous
"""


async def reference(chat: Chat, name: str) -> str:
    text = chat.private(name)
    return text.split("Reference: ")[-1].split(".")[0]


async def test_anonymous_callout_is_private_and_the_agenda_has_no_trace(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play(ANONYMOUS_CALLOUT)
    assert chat.channel(out) == ""  # nothing public
    assert "tabled for the next meeting, anonymously" in chat.private("bob", out)
    [stored] = await callouts(memory)
    assert stored.anonymous and stored.reporter is None
    assert "bob" not in stored.reporter_key
    out = await chat.play("@alice: /compact agenda")
    agenda = chat.private("alice", out)
    assert "raised anonymously" in agenda
    assert "Expectations on pace changed twice without warning" in agenda
    assert "bob" not in agenda.lower()


async def test_named_callout_shows_the_reporter_to_facilitators(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT.replace("@bob: anonymous", "@bob: named"))
    out = await chat.play("@alice: /compact agenda")
    assert "raised by @bob" in chat.private("alice", out)


async def test_only_facilitators_see_the_agenda(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    out = await chat.play("@carol: /compact agenda")
    assert "Only the partnership's facilitators" in chat.private("carol", out)
    assert "Expectations" not in "\n".join(out)


async def test_lifecycle_tells_the_anonymous_reporter_privately(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play(f"@alice: /compact discussed {ref} We agreed a two-week notice")
    assert f"Your call-out {ref} was discussed" in chat.private("bob", out)
    assert "We agreed a two-week notice" in chat.private("bob", out)
    out = await chat.play(f"@alice: /compact resolve {ref}")
    assert f"Your call-out {ref} is resolved" in chat.private("bob", out)
    out = await chat.play("@alice: /compact agenda")
    assert "The agenda is clear" in chat.private("alice", out)


async def test_only_the_reporter_withdraws(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play(f"@carol: /compact withdraw {ref}")
    refused = chat.private("carol", out)
    assert f"You can't change call-out {ref}" in refused
    # A reference that does not exist gets the very same words: trying refs reveals nothing.
    out = await chat.play("@carol: /compact withdraw ZZZZZZ")
    assert chat.private("carol", out) == refused.replace(ref, "ZZZZZZ")
    out = await chat.play(f"@bob: /compact withdraw {ref}")
    assert f"Your call-out {ref} is withdrawn" in chat.private("bob", out)
    [stored] = await callouts(memory)
    assert stored.status is CalloutStatus.WITHDRAWN


async def test_bad_callout_fields_are_asked_again(memory: MemoryDatabase) -> None:
    """The console checks each field as it is answered and asks for it again at once."""
    chat = await open_chat(memory)
    out = await chat.play(
        """
@bob: /compact callout
@bob: lead-r9
"""
    )
    assert "'lead-r9' is not one of env-r1, env-r2" in chat.private("bob", out)
    out = await chat.play(
        """
@bob: lead-r1
@bob: nhsei
@bob: Something happened
@bob:
@bob: maybe
"""
    )
    assert "'maybe' is not one of named (Use my name), Anonymous." in chat.private("bob", out)
    assert await callouts(memory) == []
    out = await chat.play("@bob: named")
    assert "tabled for the next meeting, with your name" in chat.private("bob", out)


async def test_one_persons_callouts_cannot_be_linked_in_the_database(database: Database) -> None:
    # On SQLite and PostgreSQL: this is about the rows themselves, not the port.
    chat = await open_chat(database)
    await chat.play(ANONYMOUS_CALLOUT)
    await chat.play(ANONYMOUS_CALLOUT.replace("@bob: anonymous", "@bob: named"))
    await chat.play(ANONYMOUS_CALLOUT.replace("@bob", "@zed"))
    async with database.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(CalloutRow))).all()
        zed = (
            await uow.session.scalars(select(PersonRow).where(PersonRow.display_name == "zed"))
        ).one()
    keys = [row.reporter_key for row in rows]
    assert len(set(keys)) == 3  # named and anonymous call-outs by bob share nothing
    # The newcomer who raised one is reachable, but nothing records the moment: not asked
    # anything yet, and created at the start of the day only.
    assert zed.asked_organisation_at is None
    assert (zed.created_at.hour, zed.created_at.minute, zed.created_at.second) == (0, 0, 0)


async def test_a_retried_callout_submission_is_tabled_once(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    app = chat.wiring.app
    submission = FormSubmission(
        Actor(console_user("bob"), "bob"),
        console_channel(),
        "callout",
        {
            "clause": "lead-r1",
            "partner": "nhsei",
            "what_happened": "Targets moved",
            "disclosure": "anonymous",
        },
        request_id="view-123:hash-1",
    )
    assert (await app.submit(submission)).ok
    assert (await app.submit(submission)).ok
    assert len(await callouts(memory)) == 1


async def test_a_facilitator_naming_an_unknown_callout_is_told_it_is_not_on_the_agenda(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    out = await chat.play("@alice: /compact discussed ZZZZZZ We talked")
    told = chat.private("alice", out)
    assert "no call-out ZZZZZZ on the agenda" in told
    assert "facilitators move call-outs on" not in told
    # Anyone else keeps the words that say nothing about whether it exists.
    out = await chat.play("@carol: /compact discussed ZZZZZZ We talked")
    assert "You can't change call-out ZZZZZZ" in chat.private("carol", out)
    assert "on the agenda;" not in chat.private("carol", out)


def co_chaired(folder: Path) -> Path:
    """The example compact with two facilitators, Alice and Dan."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "facilitators: [alice]", "facilitators: [alice, dan]"
    )
    path = folder / "compact.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_callout_withdrawn_after_discussion_is_told_on_the_next_days_agenda(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory, co_chaired(tmp_path))
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    await chat.play(f"@alice: /compact discussed {ref} We agreed a two-week notice")
    out = await chat.play(f"@bob: /compact withdraw {ref}")
    # Nobody but the reporter hears of it at the moment it happens.
    assert chat.private("alice", out) == "" and chat.private("dan", out) == ""
    out = await chat.play("@alice: /compact agenda")
    assert ref not in chat.private("alice", out)
    chat.clock.advance(timedelta(days=1))
    for chair in ("alice", "dan"):
        out = await chat.play(f"@{chair}: /compact agenda")
        agenda = chat.private(chair, out)
        assert f"[{ref}] clause lead-r1: withdrawn after it was discussed" in agenda
        assert "The learning stays: “We agreed a two-week notice”" in agenda
        assert "bob" not in agenda.lower()
    [stored] = await callouts(memory)
    assert stored.learning_note == "We agreed a two-week notice"


async def test_co_chairs_both_see_the_agenda_and_hear_of_every_step(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory, co_chaired(tmp_path))
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    for chair in ("alice", "dan"):
        out = await chat.play(f"@{chair}: /compact agenda")
        assert "Expectations on pace changed twice without warning" in chat.private(chair, out)
    out = await chat.play(f"@dan: /compact discussed {ref} We agreed a two-week notice")
    for chair in ("alice", "dan"):
        assert f"Call-out {ref} is now discussed" in chat.private(chair, out)
    assert "now discussed" not in chat.private("carol", out)
    out = await chat.play(f"@alice: /compact resolve {ref}")
    for chair in ("alice", "dan"):
        assert f"Call-out {ref} is now resolved" in chat.private(chair, out)


async def test_discussed_with_a_follow_up_and_carried_over_on_the_agenda(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play("@alice: /compact agenda")
    assert "carried over" not in chat.private("alice", out)
    # The next day's meeting holds its round; the call-out waits past it. (Raised anonymously,
    # it is stored with its day only: a meeting the same day could not say it came before.)
    chat.clock.advance(timedelta(days=1))
    await chat.play(ROUND_OF_THREE)
    out = await chat.play(
        f"""
@alice: /compact discussed {ref}
@alice: We agreed a two-week notice
@alice: nhsei
@alice: Share the target timetable in advance
@alice: 2026-12-14
"""
    )
    assert f"Call-out {ref} is now discussed" in chat.private("alice", out)
    out = await chat.play("@alice: /compact agenda")
    agenda = chat.private("alice", out)
    assert f"[{ref}] discussed (carried over)" in agenda
    assert "Owner: NHS England and Improvement." in agenda
    assert "Agreed action: “Share the target timetable in advance”" in agenda
    assert "Review on 2026-12-14." in agenda
    # The short form still works, with no follow-up.
    await chat.play(ANONYMOUS_CALLOUT)
    second = await reference(chat, "bob")
    out = await chat.play(f"@alice: /compact discussed {second} Noted for next time")
    assert f"Call-out {second} is now discussed" in chat.private("alice", out)


async def test_a_wrong_review_date_is_asked_again(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play(
        f"""
@alice: /compact discussed {ref}
@alice: We agreed a two-week notice
@alice:
@alice:
@alice: soon
"""
    )
    assert "'soon' is not a date" in chat.private("alice", out)
    [stored] = await callouts(memory)
    assert stored.status is CalloutStatus.OPEN


async def test_a_co_chair_runs_a_round_started_by_the_other_and_changes_the_settings(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory, co_chaired(tmp_path))
    await chat.play("@alice: /compact reflect @alice @bob")
    out = await chat.play("@dan: /compact next")
    assert "Only the round's facilitator" not in chat.private("dan", out)
    assert "@bob, your turn" in chat.channel(out)
    out = await chat.play("@dan: /compact settings\n@dan:\n@dan:\n@dan:\n@dan: no\n@dan:")
    assert "Saved. The weekly digest is switched off" in chat.private("dan", out)
