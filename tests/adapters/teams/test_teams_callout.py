"""A call-out through its lifecycle in Teams: raised anonymously in a personal chat, tabled,
discussed and resolved by a facilitator from the agenda; the reporter told privately at each
step, and no trace of who raised it in anything else the bot sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from bot import actions, words
from storage.database import Database
from storage.models import CalloutRow
from tests.adapters.teams.fake_connector import FakeConnector, personal_chat
from tests.adapters.teams.harness import ALICE, BOB, CHANNEL, NAMES, teams_world

REPORTER_TRACES = (BOB, NAMES[BOB], "Birch", "aad-bob", personal_chat(BOB))


def assert_nothing_names_bob(connector: FakeConnector) -> None:
    """No call the bot made, outside Bob's own chat, carries a trace of him."""
    assert connector.calls
    for call in connector.calls:
        if call.conversation == personal_chat(BOB):
            continue
        body = json.dumps([call.conversation, call.body], ensure_ascii=False)
        if call.conversation == "" and call.body["members"][0]["id"] == BOB:
            continue  # opening Bob's own chat with him
        for trace in REPORTER_TRACES:
            assert trace not in body, f"{trace!r} in {call.method} {call.conversation}"
    assert not connector.in_channel(CHANNEL)


async def test_an_anonymous_callout_from_raising_to_resolved(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector

        # Bob types `callout` in his personal chat: the form arrives there as a card.
        assert await people.personal(BOB, "callout") == 201
        await world.idle()
        (form,) = connector.to_chat(BOB)
        assert words.CALLOUT_TITLE in form.text
        assert not connector.in_channel(CHANNEL)

        values = {
            "field.clause": "lis-h1",
            "field.partner": "northgate",
            "field.what_happened": "Papers arrived the night before, again.",
            "field.what_would_help": "A week's notice",
            "field.disclosure": "anonymous",
        }
        submit = people.submit_in_personal_chat(
            BOB,
            form,
            **values,
        )
        assert (await people.post(submit))[0] == 201
        assert (await people.post(submit))[0] == 201  # redelivered: tabled once
        # a second activity (new id) from the same card
        double_click = people.submit_in_personal_chat(
            BOB,
            form,
            **values,
        )
        assert double_click["id"] != submit["id"]
        assert (await people.post(double_click))[0] == 201  # double-clicked: tabled once
        await world.idle()
        ack = next(c for c in connector.to_chat(BOB) if "tabled for the next meeting" in c.text)
        ref = re.search(r"Reference: (\w+)", ack.text)
        assert ref is not None
        callout_id = ref[1]
        replaced = connector.updates(form.new_id)
        assert replaced and words.TEAMS_FORM_SENT in replaced[-1].text
        async with world.database.unit_of_work() as uow:
            rows = (await uow.session.execute(select(CalloutRow))).scalars().all()
        assert [(r.id, r.anonymous, r.reporter_user_id) for r in rows] == [(callout_id, True, None)]

        # Alice (a facilitator) asks for the agenda in the channel: it comes to her privately.
        status, _ = await people.command(ALICE, "agenda")
        assert status == 201
        await world.idle()
        agenda = next(c for c in connector.to_chat(ALICE) if words.AGENDA_TITLE in c.text)
        assert callout_id in agenda.text and words.AGENDA_ANONYMOUS in agenda.text
        assert not connector.in_channel(CHANNEL)

        # Mark discussed: the button opens the learning-note dialog for Alice only.
        alice_chat = personal_chat(ALICE)
        status, dialog = await people.open_dialog(
            ALICE,
            agenda.button(actions.CALLOUT_DISCUSSED),
            conversation=alice_chat,
            kind="personal",
        )
        assert status == 200 and dialog["task"]["type"] == "continue"
        note = "Send papers a week ahead; the chair checks on Monday."
        status, closed = await people.post(
            people.dialog_submit_activity(
                ALICE, dialog, conversation=alice_chat, kind="personal", note=note
            )
        )
        assert (status, closed) == (200, None)
        await world.idle()
        told = [c for c in connector.to_chat(BOB) if f"{callout_id} was discussed" in c.text]
        assert len(told) == 1 and note in told[0].text

        # Resolve from the agenda the same way.
        status, _ = await people.command(ALICE, "agenda")
        await world.idle()
        agenda = [c for c in connector.to_chat(ALICE) if words.AGENDA_TITLE in c.text][-1]
        status, dialog = await people.open_dialog(
            ALICE, agenda.button(actions.CALLOUT_RESOLVE), conversation=alice_chat, kind="personal"
        )
        status, closed = await people.post(
            people.dialog_submit_activity(ALICE, dialog, conversation=alice_chat, kind="personal")
        )
        assert (status, closed) == (200, None)
        await world.idle()
        assert [c for c in connector.to_chat(BOB) if f"{callout_id} is resolved" in c.text]

        # Anonymous means anonymous: nothing outside Bob's own chat names him.
        assert_nothing_names_bob(connector)


async def test_callout_typed_in_a_channel_posts_nothing_there(
    database: Database, tmp_path: Path
) -> None:
    """Anything in the channel would show who is about to raise a call-out: the form and a
    one-line hint go to the person's personal chat only."""
    async with teams_world(database, tmp_path) as world:
        status, _ = await world.people.command(BOB, "callout")
        assert status == 201
        await world.idle()
        assert not world.connector.in_channel(CHANNEL)
        channel_calls = [c for c in world.connector.calls if c.conversation.startswith(CHANNEL)]
        assert channel_calls == []
        hint, form = world.connector.to_chat(BOB)
        assert words.TEAMS_CALLOUT_IN_PRIVATE in hint.text
        assert words.CALLOUT_TITLE in form.text


async def test_a_form_with_problems_is_shown_again_in_place(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        assert await people.personal(BOB, "callout") == 201
        await world.idle()
        (form,) = connector.to_chat(BOB)
        missing_answer = people.submit_in_personal_chat(
            BOB,
            form,
            **{"field.clause": "lis-h1", "field.what_happened": "It happened"},
        )
        assert (await people.post(missing_answer))[0] == 201
        await world.idle()
        (again,) = connector.updates(form.new_id)
        assert "Please choose who may know it was you" in again.text
        inputs = {e["id"]: e.get("value") for e in again.card["body"] if "id" in e}
        assert inputs["field.what_happened"] == "It happened"
        async with world.database.unit_of_work() as uow:
            assert not (await uow.session.execute(select(CalloutRow))).scalars().all()
