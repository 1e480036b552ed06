"""The reporter's voice, in the console: who may know it was them (named, someone from their
organisation, anonymous), stated exactly at the moment of choosing; the anonymous two-way
thread; and the facilitators' daily summary instead of notices at the moment things happen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import words
from rituals.callout import Disclosure
from storage.database import Database
from storage.models import CalloutMessageRow, CalloutRow
from tests.app.harness import EXAMPLE, Chat, open_chat
from tests.app.test_callouts_in_console import reference
from tests.fakes.memory import MemoryDatabase

NORTHGATE = "Northgate Hospitals NHS Trust"


def compact_file(folder: Path, *, extra: str = "", facilitators: str = "[alice]") -> Path:
    """The example compact with two more people at Northgate (three in all) and `extra`
    appended (e.g. a `privacy:` section)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        "        email: bob@northgate.example\n",
        "        email: bob@northgate.example\n"
        "      - handle: nia\n        name: Nia Nolan\n"
        "      - handle: ned\n        name: Ned North\n",
    )
    text = text.replace("facilitators: [alice]", f"facilitators: {facilitators}")
    path = folder / "compact.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def callout_by(who: str, choice: str, what: str = "Targets moved twice without warning") -> str:
    return f"""
@{who}: /compact callout
@{who}: lead-r1
@{who}: nhsei
@{who}: {what}
@{who}:
@{who}: {choice}
"""


def promise_in(form_text: str, disclosure: Disclosure) -> str:
    """The sentence the form said for `disclosure`, found by the start of its label."""
    start = {
        Disclosure.NAMED: "Use my name:",
        Disclosure.ORGANISATION: "Someone from ",
        Disclosure.ANONYMOUS: "Anonymous:",
    }[disclosure]
    found = re.search(re.escape(start) + r"[^()]*?(\([^)]*\))?\.(?= |\))", form_text)
    assert found is not None, f"no promise for {disclosure} in {form_text!r}"
    return found[0]


async def stored_row(database: Database) -> CalloutRow:
    async with database.unit_of_work() as uow:
        return (await uow.session.scalars(select(CalloutRow))).one()


@pytest.mark.parametrize("disclosure", list(Disclosure))
async def test_each_choice_says_exactly_what_the_agenda_mine_and_the_stored_row_then_hold(
    database: Database, tmp_path: Path, disclosure: Disclosure
) -> None:
    chat = await open_chat(database, compact_file(tmp_path))
    *fields, choice = callout_by("bob", disclosure.value).strip().splitlines()
    form = chat.private("bob", await chat.play("\n".join(fields)))
    said = promise_in(form, disclosure)  # what is said as the choice is asked for
    assert words.DISCLOSURE_ALWAYS in form
    await chat.play(choice)
    ref = await reference(chat, "bob")
    agenda = chat.private("alice", await chat.play("@alice: /compact agenda"))
    mine = chat.private("bob", await chat.play("@bob: /compact mine"))
    row = await stored_row(database)
    item = agenda.split(f"[{ref}]")[1]
    if disclosure is Disclosure.NAMED:
        assert "the facilitators see your name on the agenda" in said
        assert "raised by @bob" in item
        assert "stores who you are" in said and row.reporter_user_id == "bob"
        assert f"[{ref}] open, clause lead-r1, raised, with your name" in mine
    elif disclosure is Disclosure.ORGANISATION:
        shown = re.search(r'see "([^"]+)" on the agenda', said)
        assert shown is not None and shown[1] == f"raised by someone from {NORTHGATE}"
        assert shown[1] in item
        assert "never your name" in said and "bob" not in agenda.lower()
        assert "stores your organisation, not you" in said
        assert (row.reporter_user_id, row.reporter_organisation) == (None, "northgate")
        assert "(3 people from it are in the partnership)" in said
        assert f"raised, as someone from {NORTHGATE}" in mine
    else:
        assert "nobody, facilitators included, sees who raised it or from which" in said
        assert "raised anonymously" in item
        assert "bob" not in agenda.lower() and "Northgate" not in agenda
        assert "stores no trace of you" in said
        assert (row.reporter_user_id, row.reporter_organisation) == (None, None)
        assert f"[{ref}] open, clause lead-r1, raised, anonymously" in mine
    assert row.anonymous is (disclosure is not Disclosure.NAMED)


async def test_a_choice_needs_a_large_enough_group_and_the_form_says_why(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    # The example compact: one person per organisation, five in all, min_group 3.
    chat = await open_chat(memory)
    *fields, _choice = callout_by("bob", "named").strip().splitlines()
    form = chat.private("bob", await chat.play("\n".join(fields)))
    assert "[one of: named (Use my name), Anonymous]" in form
    assert words.DISCLOSURE_NOT_OFFERED["organisation"].format(min_group=3) in form
    # A form that offers it cannot be forged: the submission is checked again.
    submitted = await chat.wiring.app.submit(
        _submission("bob", {"disclosure": "organisation"}),
    )
    assert "needs at least 3 people from your organisation" in submitted.errors["disclosure"]
    async with memory.unit_of_work() as uow:
        assert await uow.callouts.export_rows(None, include_withdrawn=True) == []
    # A partnership smaller than the group: only the name is offered, and the words say why.
    small = await open_chat(
        MemoryDatabase(), compact_file(tmp_path, extra="privacy:\n  min_group: 9\n")
    )
    form = small.private("bob", await small.play("\n".join(fields)))
    assert "[one of: named (Use my name)]" in form
    assert words.DISCLOSURE_NOT_OFFERED["anonymous"].format(min_group=9) in form


def _submission(who: str, disclosure: dict[str, str]) -> object:
    from adapters.console.session import console_channel, console_user
    from bot.requests import Actor, FormSubmission

    values = {"clause": "lead-r1", "partner": "nhsei", "what_happened": "It happened"}
    return FormSubmission(
        Actor(console_user(who), who), console_channel(), "callout", {**values, **disclosure}
    )


async def anonymous_callout(chat: Chat, who: str = "bob") -> str:
    await chat.play(callout_by(who, "anonymous"))
    return await reference(chat, who)


async def test_a_question_and_its_answer_travel_without_names(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    ref = await anonymous_callout(chat)
    out = await chat.play(f"@alice: /compact ask {ref} What changed between the two targets?")
    asked = chat.private("bob", out)
    assert f"The facilitators have a question about your call-out {ref} (clause lead-r1)" in asked
    assert "What changed between the two targets?" in asked and "alice" not in asked.lower()
    assert words.ASK_SENT.format(ref=ref) in chat.private("alice", out)
    out = await chat.play(f"@bob: /compact reply {ref} The deadline moved by a month, twice.")
    assert "under it on the agenda, shown the way you raised it, anonymously" in chat.private(
        "bob", out
    )
    assert chat.private("alice", out) == "" and chat.channel(out) == ""  # nobody told now
    agenda = chat.private("alice", await chat.play("@alice: /compact agenda"))
    assert "Question from the facilitators (2026-11-23): “What changed" in agenda
    assert "Reply from whoever raised it (2026-11-23): “The deadline moved" in agenda
    assert "bob" not in agenda.lower()


async def test_refusals_say_nothing_about_whether_a_callout_exists(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    ref = await anonymous_callout(chat)
    cannot = words.CALLOUT_CANNOT_CHANGE
    for line in (f"/compact ask {ref} Why?", f"/compact reply {ref} Because."):
        out = await chat.play(f"@carol: {line}")
        assert (
            chat.private("carol", out) == f"[private to @carol] compact: {cannot.format(ref=ref)}"
        )
        out = await chat.play(f"@carol: {line.replace(ref, 'ZZZZZZ')}")
        assert chat.private("carol", out).endswith(cannot.format(ref="ZZZZZZ"))
    out = await chat.play("@alice: /compact ask ZZZZZZ Why?")
    assert words.CALLOUT_NOT_ON_AGENDA.format(ref="ZZZZZZ") in chat.private("alice", out)
    # Withdrawn: the reporter's reply and the facilitator's question are refused alike.
    await chat.play(f"@bob: /compact withdraw {ref}")
    out = await chat.play(f"@bob: /compact reply {ref} Still here?")
    assert chat.private("bob", out).endswith(cannot.format(ref=ref))
    out = await chat.play(f"@alice: /compact ask {ref} Still there?")
    assert words.CALLOUT_NOT_ON_AGENDA.format(ref=ref) in chat.private("alice", out)
    # The forms are refused before anything is typed, in the same words.
    out = await chat.play(f"@carol: /compact reply {ref}")
    assert chat.private("carol", out).endswith(cannot.format(ref=ref))


async def test_questions_are_limited_per_day_and_long_text_is_refused_with_the_limit(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(
        memory, compact_file(tmp_path, extra="privacy:\n  questions_per_day: 2\n")
    )
    ref = await anonymous_callout(chat)
    for n in (1, 2):
        out = await chat.play(f"@alice: /compact ask {ref} Question {n}?")
        assert f"Question {n}?" in chat.private("bob", out)
    out = await chat.play(f"@alice: /compact ask {ref} Question 3?")
    assert "has had its 2 questions for today" in chat.private("alice", out)
    assert chat.private("bob", out) == ""
    out = await chat.play(f"@alice: /compact ask {ref} {'x' * 2001}")
    assert "2,001 characters long; please keep it under 2,000" in chat.private("alice", out)
    # The form states the limit, and the console refuses a longer line before sending it.
    out = await chat.play(f"@bob: /compact reply {ref}")
    assert "Your answer (up to 2,000 characters)" in chat.private("bob", out)
    out = await chat.play(f"@bob: {'y' * 2001}")
    assert "please keep it under 2,000" in chat.private("bob", out)
    await chat.play(":wait 24h")
    out = await chat.play(f"@alice: /compact ask {ref} A new day?")
    assert "A new day?" in chat.private("bob", out)


async def test_a_reply_about_an_anonymous_callout_keeps_only_its_day(database: Database) -> None:
    chat = await open_chat(database)
    ref = await anonymous_callout(chat)
    await chat.play(f"@alice: /compact ask {ref} When?")
    await chat.play(f"@bob: /compact reply {ref} Last week.")
    async with database.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(CalloutMessageRow))).all()
    [question, answer] = sorted(rows, key=lambda row: row.side)
    # Not even the question's moment: it would bracket the reply written after it.
    assert (question.at, question.on_day.isoformat()) == (None, "2026-11-23")
    assert (answer.at, answer.on_day.isoformat()) == (None, "2026-11-23")


async def test_facilitators_hear_once_a_day_never_at_the_moment(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory, compact_file(tmp_path, facilitators="[alice, dan]"))
    await chat.play(":wait 1m")  # today's summary (of yesterday: nothing) is claimed, not sent
    kept = await anonymous_callout(chat)
    gone = await anonymous_callout(chat, "carol")
    out = await chat.play(
        f"""
@alice: /compact discussed {gone} Early warning needs a named contact
@carol: /compact withdraw {gone}
@alice: /compact ask {kept} Which month?
@bob: /compact reply {kept} October.
"""
    )
    dan_now = chat.private("dan", out)
    assert "withdrawn" not in dan_now and "Reply" not in dan_now and "October" not in dan_now
    assert "withdrawn" not in chat.private("alice", out)
    out = await chat.play(":wait 15h")  # 07:00 the next day, London: not yet
    assert chat.private("alice", out) == ""
    out = await chat.play(":wait 1h")  # 08:00
    for chair in ("alice", "dan"):
        summary = chat.private(chair, out)
        assert "Call-outs since your last summary (2026-11-24)" in summary
        assert f"New: {kept} (clause lead-r1)" in summary
        assert f"Withdrawn by whoever raised it: {gone} (clause lead-r1), its learning" in summary
        assert f"New replies to your questions: {kept} (clause lead-r1)" in summary
        assert "bob" not in summary.lower() and "carol" not in summary.lower()
        assert "October" not in summary  # the words stay on the agenda
    out = await chat.play(":wait 1h")
    assert chat.private("alice", out) == ""  # once a day


async def test_a_review_date_that_has_come_is_in_the_summary(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    await chat.play(":wait 1m")
    ref = await anonymous_callout(chat)
    await chat.play(
        f"""
@alice: /compact discussed {ref}
@alice: Notice needs a named contact
@alice: nhsei
@alice: Name a contact for pace changes
@alice: 2026-11-25
"""
    )
    out = await chat.play(":wait 16h")  # the 24th, 08:00
    assert "Review date come" not in chat.private("alice", out)
    out = await chat.play(":wait 24h")  # the 25th
    assert f"Review date come: {ref} (clause lead-r1)" in chat.private("alice", out)


async def test_approved_claims_make_an_organisation_large_enough_to_hide_in(
    memory: MemoryDatabase,
) -> None:
    """Members are the file's people and approved claims: two newcomers approved for
    Northgate make three there with Bob, and "someone from my organisation" is offered;
    a claim still pending does not count."""
    chat = await open_chat(memory)
    *fields, _choice = callout_by("bob", "named").strip().splitlines()
    await chat.play("@alice: /compact reflect")
    for newcomer in ("nia", "ned"):
        out = await chat.play(f"@{newcomer}: /compact here\n@{newcomer}: /compact iam northgate")
        question = chat.private("alice", out)
        ref = question.split("/compact approve ")[1].split("]")[0]
        form = chat.private("bob", await chat.play("\n".join(fields)))
        assert "Someone from" not in form.split("[one of:")[1].split("]")[0]
        await chat.play("@bob: /compact mine")  # leaves the form unanswered
        await chat.play(f"@alice: /compact approve {ref}")
    form = chat.private("bob", await chat.play("\n".join(fields)))
    assert f"organisation (Someone from {NORTHGATE})" in form
