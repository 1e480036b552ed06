"""Every form the app builds, rendered on each platform (issue 11): each Slack modal input has a
hint of the format expected, each required Adaptive Card input an `errorMessage`."""

from __future__ import annotations

from typing import Any

from adapters.console.session import console_channel, console_user
from adapters.slack.blocks import modal
from adapters.teams.cards import Renderer
from bot import actions
from bot.messages import Form
from bot.requests import ActionRequest, Actor, CommandRequest
from tests.app.harness import Chat, open_chat
from tests.fakes.memory import MemoryDatabase

FORM_IDS = {value for name, value in vars(actions).items() if name.startswith("FORM_")}


async def _command(chat: Chat, who: str, *words: str) -> Form:
    request = CommandRequest(Actor(console_user(who), who), console_channel(), words)
    form = await chat.wiring.app.command(request)
    assert form is not None, words
    return form


async def every_form(chat: Chat) -> list[Form]:
    """The forms people are given: by command, and by a call-out's Resolve button."""
    await chat.play("@alice: /compact reflect @alice @bob")
    forms = [
        await _command(chat, "alice", "answer"),
        await _command(chat, "bob", "callout"),
        await _command(chat, "alice", "settings"),
        await _command(chat, "alice", "discussed", "C-1"),
    ]
    await chat.play("@alice: Learned\n@alice: Valued\n@alice:")
    forms.append(await _command(chat, "alice", "edit"))
    resolve = ActionRequest(
        Actor(console_user("alice"), "alice"), console_channel(), actions.CALLOUT_RESOLVE, "C-1"
    )
    resolving = await chat.wiring.app.action(resolve)
    assert resolving is not None
    forms.append(resolving)
    out = await chat.play(
        "@carol: /compact callout\n@carol: lis-h1\n@carol: northgate\n@carol: Papers came late"
        "\n@carol:\n@carol: named"
    )
    ref = chat.private("carol", out).split("Reference: ")[-1].split(".")[0]
    forms.append(await _command(chat, "alice", "ask", ref))
    forms.append(await _command(chat, "carol", "reply", ref))
    return forms


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for element in card["body"] if element["type"].startswith("Input.")]


async def test_every_form_explains_what_it_wants_on_slack_and_teams(
    memory: MemoryDatabase,
) -> None:
    forms = await every_form(await open_chat(memory))
    assert {form.form_id for form in forms} == FORM_IDS  # a new form is walked here too
    for form in forms:
        view = modal(form).to_dict()
        inputs = [block for block in view["blocks"] if block["type"] == "input"]
        assert len(inputs) == len(form.fields)
        for block in inputs:
            assert block["hint"]["text"].strip(), (form.form_id, block["block_id"])
        card = Renderer().form_card(form)
        for field, element in zip(form.fields, _inputs(card), strict=True):
            assert element["isRequired"] is field.required
            if field.required:
                assert field.label in element["errorMessage"], (form.form_id, field.name)
            else:
                assert "errorMessage" not in element


async def test_a_hint_says_the_format_when_the_form_gives_none(memory: MemoryDatabase) -> None:
    """On main, the call-out modal's clause, partner and "what happened" inputs had no hint,
    and its required card inputs no errorMessage."""
    callout = next(f for f in await every_form(await open_chat(memory)) if f.form_id == "callout")
    hints = {
        b["block_id"]: b["hint"]["text"] for b in modal(callout).to_dict()["blocks"] if "hint" in b
    }
    assert hints["clause"] == "Choose one from the list."
    assert hints["what_happened"].startswith("Free text, up to ")
    errors = {e["id"]: e.get("errorMessage") for e in _inputs(Renderer().form_card(callout))}
    assert errors["field.what_happened"] == "Please fill in \u201cWhat happened?\u201d."
