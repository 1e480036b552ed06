"""Nothing acknowledged is lost on Teams either: a reply or a "pass" Teams got its 201 for,
whose work never ran because the process stopped right there, is handled by another replica
once the dead process's lease runs out, exactly once, and the round moves on."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot import actions, failpoints
from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.services import LEASE
from rituals.refs import ConversationRef
from storage.database import Database
from tests.adapters.teams.fake_connector import Call
from tests.adapters.teams.harness import ALICE, BOB, CHANNEL, TENANT, TeamsWorld, teams_world
from tests.adapters.teams.test_teams_round import prompts
from tests.app.harness import SECRET


def replica(world: TeamsWorld) -> Wiring:
    """Another process on the same database, Bot Connector and clock."""
    return bootstrap(
        Settings(),
        gateways={"teams": world.server.gateway},
        clock=world.clock,
        database=world.database,
        secret=SECRET,
    )


async def pending(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return await uow.inbox.count() + await uow.outbox.count()


async def answers(database: Database) -> tuple[list[str], list[str]]:
    """The reflections stored, and who passed."""
    async with database.unit_of_work() as uow:
        stored = await uow.rounds.open_in(ConversationRef("teams", TENANT, CHANNEL))
    assert stored is not None
    passed = [t.person.user_id for t in stored.round.turns if t.outcome == "passed"]
    return [r.learned for r in stored.round.reflections], passed


@pytest.mark.parametrize("kind", ["reply", "pass"])
async def test_an_acknowledged_reply_or_pass_is_handled_by_another_replica(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    async with teams_world(database, tmp_path) as world:
        people = world.people
        await people.command(ALICE, "reflect as-gathered", mentions=(ALICE, BOB))
        await world.idle()
        (header,) = world.connector.posts(lambda c: c.conversation == CHANNEL)
        thread = f"{CHANNEL};messageid={header.new_id}"
        first: Call = prompts(world, header.new_id or "")[-1]
        assert first.mentioned == [ALICE]
        assert await pending(database) == 0

        # The process stops between its 201 and the work (released only at the end).
        stopped = asyncio.Event()
        monkeypatch.setattr(failpoints, "after_ack", stopped.wait)
        if kind == "reply":
            activity = people.activity(ALICE, conversation=thread, kind="channel", text="Heard")
        else:
            activity = people.press_activity(
                ALICE, first.button(actions.ROUND_PASS), card_id=first.new_id, conversation=thread
            )
        assert (await people.post(activity))[0] == 201
        assert await pending(database) == 1  # recorded before the 201
        assert len(prompts(world, header.new_id or "")) == 1

        other = replica(world)
        assert await other.inbox.recover() == 0  # the first process's lease still holds
        world.clock.advance(LEASE + timedelta(seconds=1))
        assert await other.inbox.recover() == 1

        expected = (["Heard"], []) if kind == "reply" else ([], [ALICE])
        assert await answers(database) == expected
        asked = [p.mentioned[0] for p in prompts(world, header.new_id or "")]
        assert asked == [ALICE, BOB]  # the next person was asked
        assert await pending(database) == 0

        # The first process wakes up after all: its request was handled; nothing changes.
        stopped.set()
        await world.idle()
        assert await answers(database) == expected
        assert len(prompts(world, header.new_id or "")) == 2


async def test_a_callout_command_is_handled_before_the_response_and_never_recorded(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No inbox row may tie a person to a call-out: the agenda is read before the 201."""
    async with teams_world(database, tmp_path) as world:
        stopped = asyncio.Event()
        monkeypatch.setattr(failpoints, "after_ack", stopped.wait)
        world.connector.clear()
        assert (await world.people.command(BOB, "agenda"))[0] == 201
        assert await pending(database) == 0
        assert world.connector.to_chat(BOB)  # answered already, before the 201
        stopped.set()
        await world.idle()
