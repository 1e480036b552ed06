"""Calling out a deviation: private, anonymous when asked, tabled, discussed, resolved."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import Database
from storage.models import CalloutRow
from tests.app.harness import Chat, open_chat

ANONYMOUS_CALLOUT = """
@bob: /compact callout
@bob: lead-r1
@bob: nhsei
@bob: Expectations on pace changed twice without warning
@bob: Agree a change notice before targets move
@bob: yes
"""


async def reference(chat: Chat, name: str) -> str:
    text = chat.private(name)
    return text.split("Reference: ")[-1].split(".")[0]


async def test_anonymous_callout_is_private_and_the_agenda_has_no_trace(
    database: Database,
) -> None:
    chat = await open_chat(database)
    out = await chat.play(ANONYMOUS_CALLOUT)
    assert chat.channel(out) == ""  # nothing public
    assert "tabled for the next meeting, anonymously" in chat.private("bob", out)
    async with database.unit_of_work() as uow:
        row = (await uow.session.scalars(select(CalloutRow))).one()
    assert row.anonymous and row.reporter_user_id is None and row.reporter_platform is None
    assert "bob" not in row.reporter_key
    out = await chat.play("@alice: /compact agenda")
    agenda = chat.private("alice", out)
    assert "raised anonymously" in agenda
    assert "Expectations on pace changed twice without warning" in agenda
    assert "bob" not in agenda.lower()


async def test_named_callout_shows_the_reporter_to_facilitators(database: Database) -> None:
    chat = await open_chat(database)
    await chat.play(ANONYMOUS_CALLOUT.replace("@bob: yes", "@bob: no"))
    out = await chat.play("@alice: /compact agenda")
    assert "raised by @bob" in chat.private("alice", out)


async def test_only_facilitators_see_the_agenda(database: Database) -> None:
    chat = await open_chat(database)
    await chat.play(ANONYMOUS_CALLOUT)
    out = await chat.play("@carol: /compact agenda")
    assert "Only the partnership's facilitators" in chat.private("carol", out)
    assert "Expectations" not in "\n".join(out)


async def test_lifecycle_tells_the_anonymous_reporter_privately(database: Database) -> None:
    chat = await open_chat(database)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play(f"@alice: /compact discussed {ref} We agreed a two-week notice")
    assert f"Your call-out {ref} was discussed" in chat.private("bob", out)
    assert "We agreed a two-week notice" in chat.private("bob", out)
    out = await chat.play(f"@alice: /compact resolve {ref}")
    assert f"Your call-out {ref} is resolved" in chat.private("bob", out)
    out = await chat.play("@alice: /compact agenda")
    assert "The agenda is clear" in chat.private("alice", out)


async def test_only_the_reporter_withdraws(database: Database) -> None:
    chat = await open_chat(database)
    await chat.play(ANONYMOUS_CALLOUT)
    ref = await reference(chat, "bob")
    out = await chat.play(f"@carol: /compact withdraw {ref}")
    assert "Only the person who raised a call-out can withdraw it" in chat.private("carol", out)
    out = await chat.play(f"@bob: /compact withdraw {ref}")
    assert f"Your call-out {ref} is withdrawn" in chat.private("bob", out)
    async with database.unit_of_work() as uow:
        status = await uow.session.scalar(select(CalloutRow.status))
    assert status == "withdrawn"


async def test_bad_callout_fields_are_asked_again(database: Database) -> None:
    chat = await open_chat(database)
    out = await chat.play(
        """
@bob: /compact callout
@bob: lead-r9
@bob: nhsei
@bob: Something happened
@bob:
@bob: maybe
"""
    )
    assert "Please answer yes or no." in chat.private("bob", out)
    out = await chat.play("@bob: no")
    assert "There is no clause 'lead-r9'" in chat.private("bob", out)
    out = await chat.play("@bob: lead-r1")
    assert "tabled for the next meeting, with your name" in chat.private("bob", out)
