"""The reporter's choice and the anonymous two-way thread in Teams, end to end through the
bot's real endpoint and the fake Bot Connector: the card's choice and its promise, Ask from
the agenda, Reply from the question in the reporter's personal chat, nobody named."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from bot import actions, words
from storage.database import Database
from tests.adapters.teams.fake_connector import personal_chat
from tests.adapters.teams.harness import ALICE, BOB, CAROL, TeamsWorld, teams_world
from tests.adapters.teams.test_teams_callout import assert_nothing_names_bob


async def bob_raises_anonymously(world: TeamsWorld, clause: str, partner: str) -> str:
    """Bob raises an anonymous call-out from his personal chat; its reference. The card's
    choice carries its promise."""
    people, connector = world.people, world.connector
    assert await people.personal(BOB, "callout") == 201
    await world.idle()
    form = connector.to_chat(BOB)[-1]
    card = json.dumps(form.card)
    assert '"field.disclosure"' in card and "Anonymous: nobody, facilitators included" in card
    submit = people.submit_in_personal_chat(
        BOB,
        form,
        **{
            "field.clause": clause,
            "field.partner": partner,
            "field.what_happened": "Papers arrived the night before, again.",
            "field.disclosure": "anonymous",
        },
    )
    assert (await people.post(submit))[0] == 201
    await world.idle()
    ack = next(c for c in connector.to_chat(BOB) if "tabled for the next meeting" in c.text)
    found = re.search(r"Reference: (\w+)", ack.text)
    assert found is not None
    return found[1]


async def test_a_question_and_its_reply_through_teams_name_nobody(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        ref = await bob_raises_anonymously(world, "lis-h1", "northgate")

        # Alice asks from the agenda's button: a dialog that states and enforces the limit.
        await people.command(ALICE, "agenda")
        await world.idle()
        agenda = next(c for c in connector.to_chat(ALICE) if words.AGENDA_TITLE in c.text)
        alice_chat = personal_chat(ALICE)
        status, dialog = await people.open_dialog(
            ALICE, agenda.button(actions.CALLOUT_ASK), conversation=alice_chat, kind="personal"
        )
        assert status == 200 and dialog["task"]["type"] == "continue"
        assert '"maxLength": 2000' in json.dumps(dialog)
        status, closed = await people.post(
            people.dialog_submit_activity(
                ALICE, dialog, conversation=alice_chat, kind="personal", text="Which papers?"
            )
        )
        assert (status, closed) == (200, None)
        await world.idle()
        question = [c for c in connector.to_chat(BOB) if "have a question" in c.text][-1]
        assert "Which papers?" in question.text and "Alice" not in question.text

        # Bob replies from the question's button, in his own chat; Alice is told nothing now.
        bob_chat = personal_chat(BOB)
        before = len(connector.to_chat(ALICE))
        status, dialog = await people.open_dialog(
            BOB, question.button(actions.CALLOUT_REPLY), conversation=bob_chat, kind="personal"
        )
        assert status == 200 and dialog["task"]["type"] == "continue"
        status, closed = await people.post(
            people.dialog_submit_activity(
                BOB, dialog, conversation=bob_chat, kind="personal", text="The board pack."
            )
        )
        assert (status, closed) == (200, None)
        await world.idle()
        assert [c for c in connector.to_chat(BOB) if "under it on the agenda" in c.text]
        assert len(connector.to_chat(ALICE)) == before

        await people.command(ALICE, "agenda")
        await world.idle()
        latest = [c for c in connector.to_chat(ALICE) if words.AGENDA_TITLE in c.text][-1]
        assert "The board pack." in latest.text and "Reply from whoever raised it" in latest.text

        # Carol typing a reply gets the same words whether or not the call-out exists.
        await people.command(CAROL, f"reply {ref} Mine?")
        await people.command(CAROL, "reply ZZZZZZ Mine?")
        await world.idle()
        refusals = [c.text for c in connector.to_chat(CAROL) if "You can't change" in c.text]
        assert len(refusals) == 2 and refusals[0].replace(ref, "ZZZZZZ") == refusals[1]

        assert_nothing_names_bob(connector)


async def test_the_facilitators_daily_summary_reaches_their_personal_chat_once(
    database: Database, tmp_path: Path
) -> None:
    """Nothing reaches the facilitator when the call-out is raised; the next morning's summary
    names the reference and the clause (never who), in her personal chat, once."""
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        await people.command(ALICE, "agenda")  # Alice's personal chat is known from now on
        await world.wiring.maintenance.tick()  # today's (of yesterday: nothing) is claimed
        await world.idle()
        ref = await bob_raises_anonymously(world, "lis-r1", "nhsei")
        assert not [c for c in connector.to_chat(ALICE) if ref in c.text]  # not now

        def summaries() -> list[str]:
            return [c.text for c in connector.to_chat(ALICE) if "since your last" in c.text]

        world.clock.advance(timedelta(hours=24))  # past 08:00 the next morning in London
        await world.wiring.maintenance.tick()
        await world.idle()
        assert len(summaries()) == 1 and f"New: {ref} (clause lis-r1)" in summaries()[0]
        world.clock.advance(timedelta(minutes=5))
        await world.wiring.maintenance.tick()
        await world.idle()
        assert len(summaries()) == 1
        assert_nothing_names_bob(connector)
