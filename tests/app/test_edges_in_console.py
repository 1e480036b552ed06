"""The rough edges a new facilitator trips over (issue 13), played through the console on the
in-memory store: settings answers, a restarted console, emoji, "/" at the start of a
reflection, the form prompts, clause ids, the help and the digest sent for everyone."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.console.renderer import safe
from adapters.console.session import console_channel, console_user
from bot import words
from bot.cli import console_greeting
from bot.config import Settings
from bot.requests import Actor, FormSubmission
from bot.routes.commands import ALIASES, COMMANDS
from bot.usecases.digest_send import Outcome
from bot.usecases.digests import week_containing
from bot.web import build_web_app, page
from rituals.schedule import DigestSchedule
from tests.app.harness import EXAMPLE, T0, open_chat, reflections
from tests.fakes.memory import MemoryDatabase

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SETTINGS = """
@alice: /compact settings
@alice: thursday
@alice: 16:30
@alice: Europe/Paris
"""


async def _schedule(memory: MemoryDatabase) -> DigestSchedule:
    async with memory.unit_of_work() as uow:
        pid = (await uow.compacts.latest_all())[0].partnership_id
        return await uow.schedules.get(pid)


async def test_an_unrecognised_yes_no_answer_is_refused_with_the_choices(
    memory: MemoryDatabase,
) -> None:
    """Bug 1: "maybe" (or a typo) to "Send the weekly digest?" used to save "off"."""
    chat = await open_chat(memory)
    out = await chat.play(SETTINGS + "@alice: maybe")
    assert "'maybe' is not one of Yes, No." in chat.private("alice", out)
    assert (await _schedule(memory)).enabled  # nothing saved yet: the field is asked again
    out = await chat.play("@alice: y\n@alice: perhaps")
    assert "'perhaps' is not one of Yes, No." in chat.private("alice", out)
    out = await chat.play("@alice: no")
    assert "Saved." in chat.private("alice", out)
    schedule = await _schedule(memory)
    assert (schedule.weekday, schedule.enabled) == (3, True)

    # A form filled elsewhere (a Teams card, a retried Slack modal) is refused at submit,
    # with every problem at once and nothing saved.
    result = await chat.wiring.app.submit(
        FormSubmission(
            Actor(console_user("alice"), "alice"),
            console_channel(),
            "settings",
            {"day": "someday", "at": "25:99", "zone": "UTC", "enabled": "maybe"},
            {"settings_channel": "partnership"},
        )
    )
    assert set(result.errors) == {"day", "at", "enabled"}
    assert "say yes or no" in result.errors["enabled"]
    assert (await _schedule(memory)).weekday == 3


async def test_a_console_restarted_mid_round_says_whose_turn_it_is(
    memory: MemoryDatabase,
) -> None:
    """Bug 2 (a plain line from the speaker answering is
    test_rounds_in_console.py::test_a_plain_line_is_an_answer_only_from_the_person_asked_now)."""
    before = await open_chat(memory)
    await before.play("@alice: /compact reflect as-gathered @alice @bob")
    after = await open_chat(memory)  # the console started again on the same database
    settings = Settings(DATABASE_URL="sqlite+aiosqlite://", COMPACT_FILE=EXAMPLE)
    greeting = await console_greeting(after.wiring.services, settings)
    assert greeting[-1] == "A round is open here: it is @alice's turn."
    out = await after.play("@alice: my learning")
    assert words.FIELD_VALUED in after.private("alice", out)
    out = await after.play("@bob: is it my go?")
    told = after.private("bob", out)
    assert "It is @alice's turn in the round, so your line was not shared." in told
    assert after.channel(out) == ""
    await after.play("@alice: my value\n@alice:")
    assert [r.learned for r in await reflections(memory)] == ["my learning"]


async def test_emoji_with_joiners_and_scripts_reach_the_summary_intact(
    memory: MemoryDatabase,
) -> None:
    """Bug 7: zero-width joiners were replaced, breaking 👩🏽‍⚕️ and scripts that use them."""
    learned = "👩🏽‍⚕️ नर्स क्‍ष and می‌خواهم 🏴󠁧󠁢󠁳󠁣󠁴󠁿"
    chat = await open_chat(memory)
    out = await chat.play(
        f"@alice: /compact reflect @alice\n@alice: {learned}\n@alice: \x1b[2J\u202eevil\n@alice:"
    )
    assert f"“{learned}”" in chat.channel(out)
    shown = "\n".join(out)
    assert "\x1b" not in shown and "\u202e" not in shown
    assert safe("a\u200db\u200cc\x07d\x9be") == "a\u200db\u200cc\ufffdd\ufffde"


async def test_a_reflection_may_start_with_a_slash(memory: MemoryDatabase) -> None:
    """Bug 10: only `/compact` is a command; "/24 of us turned up" is an answer."""
    chat = await open_chat(memory)
    out = await chat.play(
        "@alice: /compact reflect @alice\n@alice: /24 of us turned up\n@alice: /all of it\n@alice:"
    )
    assert "“/24 of us turned up”" in chat.channel(out)
    assert "Commands start with /compact" not in "\n".join(out)
    out = await chat.play("@bob: /compcat help")
    assert "Commands start with /compact" in chat.private("bob", out)


async def test_form_prompts_give_the_real_choices_and_limits(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@alice: /compact settings")
    prompts = chat.private("alice", out)
    assert "Day [one of: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]" in (
        prompts
    )
    out = await chat.play("@alice: thu\n@alice: 09:00\n@alice: UTC")
    assert "Send the weekly digest? [one of: Yes, No]" in chat.private("alice", out)
    assert "/compact show lists them" not in chat.private("alice", out)
    out = await chat.play("@bob: /compact callout\n@bob: lead-r1")
    assert "[one of: nhsei (NHS England and Improvement)" in chat.private("bob", out)
    out = await chat.play("@bob: NHS")  # the start of a short list's choice is enough
    assert "What happened? (up to 1,500 characters)" in chat.private("bob", out)
    out = await chat.play(f"@bob: {'x' * 1501}")
    assert "1,501 characters long; please keep it under 1,500" in chat.private("bob", out)


async def test_clause_ids_in_any_case_separated_by_spaces_commas_or_semicolons(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(
        "@alice: /compact reflect @alice\n@alice: learned\n@alice: valued\n"
        "@alice: ENV-H1; lis-h1,Exc-H1  env-h1"
    )
    (reflection,) = await reflections(memory)
    assert sorted(reflection.clause_ids) == ["env-h1", "exc-h1", "lis-h1"]


async def test_help_lists_every_command_of_the_table(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    shown = chat.private("bob", await chat.play("@bob: /compact help"))
    for word in COMMANDS:
        assert f"`/compact {ALIASES.get(word, word)}" in shown
    assert "`join`" in shown and "shuffled" in shown and "discussed <ref>" in shown


async def test_digest_for_everyone_skips_a_partnership_it_cannot_reach_and_claims_nothing(
    memory: MemoryDatabase,
) -> None:
    """Bug 6: `digest send --all` posted to the console channel and used up the period."""
    chat = await open_chat(memory)
    maintenance = chat.wiring.maintenance
    [result] = await maintenance.send_digests(None, None)
    assert result.outcome is Outcome.SKIPPED_NOWHERE
    async with memory.unit_of_work() as uow:
        pid = (await uow.compacts.latest_all())[0].partnership_id
        schedule = await uow.schedules.get(pid)
        await uow.schedules.save(pid, dataclasses.replace(schedule, enabled=False), T0)
        await uow.commit()
    [result] = await maintenance.send_digests(None, None)
    assert result.outcome is Outcome.SKIPPED_OFF
    week = week_containing(T0, schedule.tzinfo).label
    async with memory.unit_of_work() as uow:
        assert await uow.digests.claimed_among([(pid, week)]) == set()
    # Named on purpose, it still goes out (here, to the console channel).
    [result] = await maintenance.send_digests("nhs-vmi", None)
    assert result.outcome is Outcome.SENT


async def test_serve_answers_the_privacy_and_terms_pages_the_teams_package_links(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    web_app = build_web_app(
        chat.wiring.app, [], maintenance=chat.wiring.maintenance, tick_every=None
    )
    async with TestClient(TestServer(web_app)) as client:
        for path, title in (("/privacy", "privacy notice"), ("/terms", "terms of use")):
            response = await client.get(path)
            assert response.status == 200
            assert response.content_type == "text/html"
            body = await response.text()
            assert f"<h1>Compact Rituals: {title}</h1>" in body
    async with TestClient(TestServer(_one_page(page(("A <b> & c", "1 < 2"))))) as client:
        body = await (await client.get("/")).text()
    assert "<title>A &lt;b&gt; &amp; c</title>" in body and "<p>1 &lt; 2</p>" in body


def _one_page(handler: Handler) -> web.Application:
    app = web.Application()
    app.router.add_get("/", handler)
    return app
