"""Nothing acknowledged is lost: an answer Slack got its 200 for, whose handling (or whose
messages) never ran because the process stopped right there, is handled by another replica
once the dead process's lease runs out, exactly once, and the round moves on."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack import server as slack_server
from bot import actions, failpoints
from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.services import LEASE
from bot.views.rounds import parse_turn_value
from rituals.refs import UserRef
from storage.database import Database
from tests.adapters.slack.fake_slack import TEAM, Posted
from tests.adapters.slack.harness import ALICE, BOB, CHANNEL, SlackWorld, slack_world
from tests.app.harness import SECRET

KINDS = ("reply", "pass", "form")


async def never() -> None:
    """The process dies between the acknowledgement and the work: the work never runs."""
    await asyncio.Event().wait()


def replica(world: SlackWorld) -> Wiring:
    """Another process on the same database, Slack and clock."""
    return bootstrap(
        Settings(),
        gateways={"slack": world.wiring.services.gateway("slack")},
        clock=world.clock,
        database=world.database,
        secret=SECRET,
    )


def prompts(world: SlackWorld, header_ts: str) -> list[Posted]:
    return [
        m
        for m in world.slack.in_channel(CHANNEL)
        if m.thread_ts == header_ts
        and any(b["action_id"] == actions.ROUND_PASS for b in m.buttons())
    ]


async def open_round(world: SlackWorld) -> tuple[str, Posted, str]:
    status, _ = await world.people.command(
        ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=CHANNEL
    )
    assert status == 200
    header = await world.slack.wait_for(
        lambda: next(
            (
                m
                for m in world.slack.in_channel(CHANNEL)
                if m.thread_ts is None and "Reflections" in m.all_text
            ),
            None,
        ),
        what="the header",
    )
    prompt = (await world.slack.wait_for(lambda: prompts(world, header.ts), what="a prompt"))[0]
    for _ in range(100):  # the round's opening messages all went out (its outbox row went)
        if not await unfinished(world.database):
            break
        await asyncio.sleep(0.05)
    return header.ts, prompt, (ALICE if f"<@{ALICE}>" in prompt.all_text else BOB)


async def answer_and_die(
    world: SlackWorld,
    kind: str,
    person: str,
    header_ts: str,
    prompt: Posted,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Answer; the 200 comes back, and then this process does nothing more."""
    modal = None
    if kind == "form":
        await world.people.click(person, prompt, actions.ROUND_ANSWER)
        modal = (await world.slack.wait_for(world.slack.forms, what="the form"))[-1]
    monkeypatch.setattr(failpoints, "after_ack", never)
    # A dead process drains nothing: without this, stopping the world waits out the grace.
    monkeypatch.setattr(slack_server, "SHUTDOWN_GRACE_SECONDS", 0.0)
    if kind == "reply":
        status, _ = await world.people.reply(person, CHANNEL, header_ts, "We listened first")
    elif kind == "pass":
        status, _ = await world.people.click(person, prompt, actions.ROUND_PASS)
    else:
        assert modal is not None
        status, body = await world.people.submit(
            person, modal, {"learned": "We listened first", "valued": "Candour", "clauses": []}
        )
        assert body == {}
    assert status == 200


async def times_stored(database: Database, kind: str, round_id: str, person: str) -> int:
    async with database.unit_of_work() as uow:
        stored = await uow.rounds.get(round_id)
    assert stored is not None
    who = UserRef("slack", TEAM, person)
    if kind == "pass":
        return sum(1 for t in stored.round.turns if t.person == who and t.outcome == "passed")
    return sum(1 for r in stored.round.reflections if r.author == who)


async def unfinished(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return await uow.inbox.count() + await uow.outbox.count()


@pytest.mark.parametrize("kind", KINDS)
async def test_an_acknowledged_answer_is_handled_by_another_replica(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    async with slack_world(database, tmp_path) as world:
        header_ts, prompt, person = await open_round(world)
        round_id, _ = parse_turn_value(prompt.button(actions.ROUND_PASS)["value"])
        await answer_and_die(world, kind, person, header_ts, prompt, monkeypatch)
        # Recorded before the 200 (a form: committed; its messages still owed).
        assert await unfinished(database) == 1
        assert len(prompts(world, header_ts)) == 1

        other = replica(world)
        assert await other.inbox.recover() == 0  # the first process's lease still holds
        world.clock.advance(LEASE + timedelta(seconds=1))
        assert await other.inbox.recover() == 1

        assert await times_stored(database, kind, round_id, person) == 1
        assert len(prompts(world, header_ts)) == 2  # the next person was asked
        assert await unfinished(database) == 0
        assert await other.inbox.recover() == 0


@pytest.mark.parametrize("kind", ("reply", "form"))
async def test_two_replicas_recovering_at_once_handle_an_answer_once(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    async with slack_world(database, tmp_path) as world:
        header_ts, prompt, person = await open_round(world)
        round_id, _ = parse_turn_value(prompt.button(actions.ROUND_PASS)["value"])
        await answer_and_die(world, kind, person, header_ts, prompt, monkeypatch)
        world.clock.advance(LEASE + timedelta(seconds=1))

        handled = await asyncio.gather(
            replica(world).inbox.recover(), replica(world).inbox.recover()
        )

        assert sorted(handled) == [0, 1]
        assert await times_stored(database, kind, round_id, person) == 1
        assert len(prompts(world, header_ts)) == 2  # asked once, not twice
        assert await unfinished(database) == 0


async def test_a_repeated_delivery_of_an_accepted_reply_is_acknowledged_and_ignored(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        header_ts, prompt, person = await open_round(world)
        round_id, _ = parse_turn_value(prompt.button(actions.ROUND_PASS)["value"])
        for _ in range(2):  # Slack's retry carries the same event_id
            status, _ = await world.people.reply(
                person, CHANNEL, header_ts, "Once only", event_id="Ev0SAME"
            )
            assert status == 200
        await world.slack.wait_for(lambda: len(prompts(world, header_ts)) == 2, what="prompt 2")
        assert await times_stored(database, "reply", round_id, person) == 1
        for _ in range(100):  # the messages went out, then their outbox row goes
            if not await unfinished(database):
                break
            await asyncio.sleep(0.05)
        assert await unfinished(database) == 0
