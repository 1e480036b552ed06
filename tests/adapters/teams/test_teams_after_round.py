"""After the round, end to end through `/api/messages` and a fake Bot Connector: the author
withdraws with the card button in their personal chat and edits in the dialog; a
facilitator hides a reflection; the summary in the round's thread is updated in place."""

from __future__ import annotations

from pathlib import Path

from bot import actions, words
from storage.database import Database
from tests.adapters.teams.fake_connector import Call, personal_chat
from tests.adapters.teams.harness import ALICE, BOB, CAROL, CHANNEL, teams_world
from tests.adapters.teams.test_teams_round import prompts

SAID = {ALICE: "Alice learned early warning", BOB: "Bob learned candour", CAROL: "Carol learned"}


def thanks(calls: list[Call]) -> Call:
    return next(c for c in calls if words.BUTTON_WITHDRAW_REFLECTION in c.text)


async def test_reflections_change_after_the_round_and_the_summary_card_follows(
    database: Database, tmp_path: Path
) -> None:
    async with teams_world(database, tmp_path) as world:
        people, connector = world.people, world.connector
        await people.command(ALICE, "reflect", mentions=(ALICE, BOB, CAROL))
        await world.idle()
        (header_post,) = connector.posts(lambda c: c.conversation == CHANNEL)
        header = header_post.new_id
        assert header is not None
        thread = f"{CHANNEL};messageid={header}"
        for _turn in range(3):
            person = prompts(world, header)[-1].mentioned[0]
            assert await people.reply(person, SAID[person], thread=header) == 201
            await world.idle()
        (summary,) = [
            c
            for c in connector.posts(lambda c: c.conversation == thread)
            if words.SUMMARY_TITLE in c.text
        ]
        assert summary.new_id is not None

        def summary_now() -> str:
            updates = connector.updates(summary.new_id or "")
            return (updates[-1] if updates else summary).text

        # Bob withdraws with the button on his thanks, in his personal chat.
        bobs = thanks(connector.to_chat(BOB))
        pressed = await people.press(
            BOB,
            bobs.button(actions.ROUND_WITHDRAW),
            card_id=bobs.new_id,
            conversation=personal_chat(BOB),
            kind="personal",
        )
        assert pressed == 201
        await world.idle()
        assert SAID[BOB] not in summary_now() and SAID[CAROL] in summary_now()

        # Alice, the facilitator, hides Carol's.
        await people.command(ALICE, "reflection hide", mentions=(CAROL,))
        await world.idle()
        assert SAID[CAROL] not in summary_now()
        assert any("Hidden" in c.text for c in connector.to_chat(ALICE))

        # Alice edits hers in the dialog opened from her thanks.
        alices = thanks(connector.to_chat(ALICE))
        status, dialog = await people.open_dialog(
            ALICE,
            alices.button(actions.ROUND_EDIT),
            conversation=personal_chat(ALICE),
            kind="personal",
        )
        assert status == 200 and dialog["task"]["type"] == "continue"
        edit = people.dialog_submit_activity(
            ALICE,
            dialog,
            conversation=personal_chat(ALICE),
            kind="personal",
            learned="Alice, on reflection",
            valued="",
            clauses="",
        )
        status, _ = await people.post(edit)
        assert status == 200
        await world.idle()
        assert "Alice, on reflection" in summary_now() and "(edited)" in summary_now()
        # Updated in place: still one summary in the thread.
        assert len([c for c in connector.posts() if words.SUMMARY_TITLE in c.text]) == 1
        assert not [c for c in connector.calls if c.status >= 300]
