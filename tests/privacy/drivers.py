"""The same people doing the same things through each way in: the console, the Slack
stand-in and the Teams stand-in. A scenario speaks to a `Driver`; each driver knows its
platform's gestures, who its people are there, and what it sent whom."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from bot import actions, words
from bot.bootstrap import Wiring
from storage.database import Database
from storage.models import PersonIdentityRow
from tests.adapters.slack.fake_slack import Call as SlackCall
from tests.adapters.slack.fake_slack import Posted
from tests.adapters.slack.harness import CHANNEL as SLACK_CHANNEL
from tests.adapters.slack.harness import SlackWorld, slack_world
from tests.adapters.slack.test_slack_round import asked, header_of_or_none, next_prompt
from tests.adapters.teams.fake_connector import Call as TeamsCall
from tests.adapters.teams.fake_connector import personal_chat
from tests.adapters.teams.harness import CHANNEL as TEAMS_CHANNEL
from tests.adapters.teams.harness import NAMES as TEAMS_NAMES
from tests.adapters.teams.harness import TeamsWorld, teams_world
from tests.adapters.teams.test_teams_round import prompts as teams_prompts
from tests.app.harness import EXAMPLE, Chat, compact_with_ids, open_chat
from tests.app.test_rounds_in_console import ROUND_OF_THREE
from tests.privacy.auditor import Reporter

# Two more people at Bob's organisation, so that Northgate's people may raise a call-out as
# "someone from Northgate" (offered from `privacy.min_group`, 3, people). Names no other
# text holds, so that finding one is finding them.
NORTHGATE_PEERS = {
    "nkem": ("Nkem Nwachukwu", "nkem@northgate.example"),
    "ngozi": ("Ngozi Nwosu", "ngozi@northgate.example"),
}
# Who the test compact names: handle -> (name, e-mail).
PEOPLE = {
    "alice": ("Alice Adeyemi", "alice@nhsei.example"),
    "bob": ("Bob Birch", "bob@northgate.example"),
    "carol": ("Carol Chen", "carol@eastmoor.example"),
    **NORTHGATE_PEERS,
}
FACILITATOR = "alice"
ROUND = ("alice", "bob", "carol")  # who is in the round played before the call-outs
ANSWER = "Early warning made the hard conversation easy"
REFERENCE = re.compile(r"Reference: (\w+)")


@dataclass(frozen=True)
class Callout:
    clause: str
    partner: str
    what_happened: str
    what_would_help: str
    disclosure: str  # named, organisation (someone from my organisation) or anonymous


class Driver(Protocol):
    platform: str
    database: Database

    async def play_round(self) -> None:
        """A reflection round with the reporter in it (before any call-out)."""

    async def open_callout_form(self, who: str) -> None:
        """`who` asks for the call-out form (it is on their screen afterwards)."""

    async def submit_callout(self, who: str, callout: Callout) -> str:
        """`who` fills and sends the form; the reference they are told."""

    async def command(self, who: str, text: str) -> None:
        """`who` types `/compact <text>` where the partnership meets (handled when it returns)."""

    async def wait(self, hours: int) -> None:
        """The clock moves on `hours` and the scheduler's tick runs (summaries, re-stamps)."""

    async def ask_by_button(self, who: str, ref: str, question: str) -> None:
        """`who` asks the reporter of `ref` from the agenda's button (typed on the console)."""

    async def reply_by_button(self, who: str, ref: str, text: str) -> None:
        """`who` answers the question about `ref` from its own button (typed on the console)."""

    def traces(self, who: str) -> frozenset[str]:
        """Everything that names `who` on this platform."""

    def sent_count(self) -> int:
        """How many messages and cards the bot has sent so far."""

    def sent_to_others(self, who: str, since: int) -> list[str]:
        """Everything sent since `since` except privately to `who`, as text."""

    def sent_privately_to(self, who: str, since: int) -> list[str]:
        """Everything sent since `since` privately to `who`, as text."""

    @property
    def wiring(self) -> Wiring:
        """The application behind the platform (its maintenance, for the hourly jobs)."""


def compact_with_northgate_of_three(
    folder: Path, platform: str | None = None, id_for: Callable[[str], str] = str
) -> Path:
    """The example compact (each person given an id on `platform`, if any) with Northgate's
    two more people in it."""
    path = compact_with_ids(folder, platform, id_for) if platform else folder / "compact.yaml"
    text = path.read_text(encoding="utf-8") if platform else EXAMPLE.read_text(encoding="utf-8")
    peers = "".join(
        f"      - handle: {handle}\n        name: {name}\n        email: {email}\n"
        + (f'        ids: {{{platform}: "{id_for(handle)}"}}\n' if platform else "")
        for handle, (name, email) in NORTHGATE_PEERS.items()
    )
    bob = "      - handle: bob\n"
    assert text.count(bob) == 1
    path.write_text(text.replace(bob, peers + bob), encoding="utf-8")
    return path


async def reporter_of(driver: Driver, who: str) -> Reporter:
    """`who` as the auditor looks for them, with their internal person id once known."""
    traces = driver.traces(who)
    async with driver.database.unit_of_work() as uow:
        person_ids = set(
            (
                await uow.session.execute(
                    select(PersonIdentityRow.person_id).where(
                        PersonIdentityRow.platform == driver.platform,
                        PersonIdentityRow.user_id.in_(traces),
                    )
                )
            ).scalars()
        )
    assert len(person_ids) <= 1
    return Reporter(traces, next(iter(person_ids), None))


# --- the console ------------------------------------------------------------------------------
@dataclass
class ConsoleDriver:
    chat: Chat
    database: Database
    platform: str = "console"

    @property
    def wiring(self) -> Wiring:
        return self.chat.wiring

    async def play_round(self) -> None:
        await self.chat.play(ROUND_OF_THREE)

    async def open_callout_form(self, who: str) -> None:
        await self.chat.play(f"@{who}: /compact callout")

    async def submit_callout(self, who: str, callout: Callout) -> str:
        answers = (
            callout.clause,
            callout.partner,
            callout.what_happened,
            callout.what_would_help,
            callout.disclosure,
        )
        out = await self.chat.play("\n".join(f"@{who}: {answer}" for answer in answers))
        found = REFERENCE.search(self.chat.private(who, out))
        assert found is not None, out
        return found[1]

    async def command(self, who: str, text: str) -> None:
        await self.chat.play(f"@{who}: /compact {text}")

    async def wait(self, hours: int) -> None:
        await self.chat.play(f":wait {hours}h")

    async def ask_by_button(self, who: str, ref: str, question: str) -> None:
        await self.chat.play(f"@{who}: /compact ask {ref}\n@{who}: {question}")

    async def reply_by_button(self, who: str, ref: str, text: str) -> None:
        await self.chat.play(f"@{who}: /compact reply {ref}\n@{who}: {text}")

    def traces(self, who: str) -> frozenset[str]:
        name, email = PEOPLE.get(who, (who, who))  # a newcomer: only their handle
        return frozenset({who, name, name.split()[-1], email})

    def sent_count(self) -> int:
        return len(self.chat.lines)

    def sent_to_others(self, who: str, since: int) -> list[str]:
        return [m for m in _console_messages(self.chat.lines[since:]) if not _to(m, who)]

    def sent_privately_to(self, who: str, since: int) -> list[str]:
        return [m for m in _console_messages(self.chat.lines[since:]) if _to(m, who)]


def _console_messages(lines: list[str]) -> list[str]:
    """The console's output as messages: a line starting with "[" opens one."""
    messages: list[list[str]] = []
    for line in lines:
        if line.startswith("[") or not messages:
            messages.append([])
        messages[-1].append(line)
    return ["\n".join(m) for m in messages]


def _to(message: str, who: str) -> bool:
    return message.startswith(f"[private to @{who}]")


@asynccontextmanager
async def console_driver(database: Database, folder: Path) -> AsyncIterator[ConsoleDriver]:
    yield ConsoleDriver(
        await open_chat(database, compact_with_northgate_of_three(folder)), database
    )


# --- Slack --------------------------------------------------------------------------------
def slack_id(who: str) -> str:
    return f"U0{who.upper()}"


@dataclass
class SlackDriver:
    world: SlackWorld
    platform: str = "slack"
    modal_owners: dict[str, str] = field(default_factory=dict)  # view id -> whose click

    @property
    def database(self) -> Database:
        return self.world.database

    @property
    def wiring(self) -> Wiring:
        return self.world.wiring

    async def play_round(self) -> None:
        world, slack = self.world, self.world.slack
        mentions = " ".join(f"<@{slack_id(w)}|{w}>" for w in ROUND)
        await world.people.command(
            slack_id(FACILITATOR), f"reflect {mentions}", channel=SLACK_CHANNEL
        )
        header = await slack.wait_for(lambda: header_of_or_none(world), what="the round")
        for turn in range(1, len(ROUND) + 1):
            prompt = await next_prompt(world, header, turn)
            await world.people.reply(asked(prompt), SLACK_CHANNEL, header.ts, ANSWER)
        await slack.wait_for(
            lambda: [m for m in slack.in_channel(SLACK_CHANNEL) if "What we learned" in m.all_text],
            what="the round's summary",
        )

    async def open_callout_form(self, who: str) -> None:
        slack = self.world.slack
        shown = len(slack.forms())
        await self.world.people.command(slack_id(who), "callout", channel=SLACK_CHANNEL)
        await slack.wait_for(lambda: len(slack.forms()) > shown, what="the call-out form")
        self._owned_by(slack_id(who))

    async def submit_callout(self, who: str, callout: Callout) -> str:
        slack, user = self.world.slack, slack_id(who)
        told = len(slack.private_to(user))
        status, answer = await self.world.people.submit(
            user,
            slack.forms()[-1],
            {
                "clause": callout.clause,
                "partner": callout.partner,
                "what_happened": callout.what_happened,
                "what_would_help": callout.what_would_help,
                "disclosure": callout.disclosure,
            },
        )
        assert (status, answer) == (200, {}), answer
        acks = await slack.wait_for(
            lambda: [m for m in slack.private_to(user)[told:] if "Reference" in m.all_text],
            what="the acknowledgement",
        )
        found = REFERENCE.search(acks[0].all_text)
        assert found is not None
        return found[1]

    async def command(self, who: str, text: str) -> None:
        slack, user = self.world.slack, slack_id(who)
        told = len(slack.private_to(user))
        await self.world.people.command(user, text, channel=SLACK_CHANNEL)
        await slack.wait_for(lambda: len(slack.private_to(user)) > told, what=text)

    async def wait(self, hours: int) -> None:
        self.world.clock.advance(timedelta(hours=hours))
        await self.wiring.maintenance.tick()

    async def ask_by_button(self, who: str, ref: str, question: str) -> None:
        slack, user = self.world.slack, slack_id(who)
        await self.command(who, "agenda")
        agenda = [m for m in slack.private_to(user) if f"[{ref}]" in m.all_text][-1]
        await self._press(user, agenda, actions.CALLOUT_ASK, ref, question, "on its way")

    async def reply_by_button(self, who: str, ref: str, text: str) -> None:
        slack, user = self.world.slack, slack_id(who)
        question = [m for m in slack.messages if m.channel == user and ref in m.all_text][-1]
        await self._press(user, question, actions.CALLOUT_REPLY, ref, text, "on the agenda")

    async def _press(
        self, user: str, message: Posted, action: str, ref: str, text: str, told: str
    ) -> None:
        """Press `message`'s button `action` about `ref`, send `text` in the modal it opens,
        and wait until `user` is told `told`."""
        slack = self.world.slack
        (button,) = [b for b in message.buttons() if b["action_id"] == action and ref in str(b)]
        only = dataclasses.replace(message, blocks=[{"type": "actions", "elements": [button]}])
        shown, before = len(slack.forms()), len(slack.private_to(user))
        await self.world.people.click(user, only, action)
        await slack.wait_for(lambda: len(slack.forms()) > shown, what=f"the {action} modal")
        self._owned_by(user)
        assert await self.world.people.submit(user, slack.forms()[-1], {"text": text}) == (200, {})
        await slack.wait_for(
            lambda: [m for m in slack.private_to(user)[before:] if told in m.all_text], what=told
        )

    def traces(self, who: str) -> frozenset[str]:
        name, email = PEOPLE[who]
        return frozenset({slack_id(who), who, name, name.split()[-1], email})

    def sent_count(self) -> int:
        return len(self.world.slack.calls)

    def sent_to_others(self, who: str, since: int) -> list[str]:
        calls = self.world.slack.calls[since:]
        return [json.dumps(c.args) for c in calls if not self._to(c, slack_id(who))]

    def sent_privately_to(self, who: str, since: int) -> list[str]:
        calls = self.world.slack.calls[since:]
        return [json.dumps(c.args) for c in calls if self._to(c, slack_id(who))]

    def _owned_by(self, user: str) -> None:
        """Modals not yet attributed were opened by `user`'s click or command just now."""
        for view_id in self.world.slack.views:
            self.modal_owners.setdefault(view_id, user)

    def _to(self, call: SlackCall, user: str) -> bool:
        """Whether only `user` sees what `call` sends: a DM, an ephemeral, or a modal their
        own click opened (a modal is shown only to whoever's trigger opened it)."""
        args = call.args
        if call.method.startswith("views."):
            views = self.world.slack.views
            view_id = args.get("view_id") or next(
                (i for i, v in views.items() if v.get("trigger_id") == args.get("trigger_id")), ""
            )
            return self.modal_owners.get(view_id) == user
        return user in (args.get("user"), args.get("channel"), args.get("user_id"))


@asynccontextmanager
async def slack_driver(database: Database, folder: Path) -> AsyncIterator[SlackDriver]:
    compact = compact_with_northgate_of_three(folder, "slack", slack_id)
    async with slack_world(database, folder, compact=compact) as world:
        yield SlackDriver(world)


# --- Teams --------------------------------------------------------------------------------
def teams_id(who: str) -> str:
    return f"29:{who}"


@dataclass
class TeamsDriver:
    world: TeamsWorld
    platform: str = "teams"

    @property
    def database(self) -> Database:
        return self.world.database

    @property
    def wiring(self) -> Wiring:
        return self.world.wiring

    async def play_round(self) -> None:
        world, people = self.world, self.world.people
        mentions = tuple(teams_id(w) for w in ROUND)
        await people.command(teams_id(FACILITATOR), "reflect as-gathered", mentions=mentions)
        await world.idle()
        header = world.connector.posts(lambda c: c.conversation == TEAMS_CHANNEL)[-1]
        thread = f"{TEAMS_CHANNEL};messageid={header.new_id}"
        for _turn in ROUND:
            prompt = teams_prompts(world, str(header.new_id))[-1]
            answer = people.activity(
                prompt.mentioned[0], conversation=thread, kind="channel", text=ANSWER
            )
            assert (await people.post(answer))[0] == 201
            await world.idle()
        assert len(teams_prompts(world, str(header.new_id))) == len(ROUND)

    async def open_callout_form(self, who: str) -> None:
        assert await self.world.people.personal(teams_id(who), "callout") == 201
        await self.world.idle()

    async def submit_callout(self, who: str, callout: Callout) -> str:
        user, connector = teams_id(who), self.world.connector
        form = [c for c in connector.to_chat(user) if words.CALLOUT_TITLE in c.text][-1]
        told = len(connector.to_chat(user))
        submit = self.world.people.press_activity(
            user,
            form.form_data,
            card_id=str(form.new_id),
            conversation=personal_chat(user),
            kind="personal",
            **{
                "field.clause": callout.clause,
                "field.partner": callout.partner,
                "field.what_happened": callout.what_happened,
                "field.what_would_help": callout.what_would_help,
                "field.disclosure": callout.disclosure,
            },
        )
        assert (await self.world.people.post(submit))[0] == 201
        await self.world.idle()
        acks = [c for c in connector.to_chat(user)[told:] if "Reference" in c.text]
        found = REFERENCE.search(acks[0].text)
        assert found is not None
        return found[1]

    async def command(self, who: str, text: str) -> None:
        assert await self.world.people.personal(teams_id(who), text) == 201
        await self.world.idle()

    async def wait(self, hours: int) -> None:
        self.world.clock.advance(timedelta(hours=hours))
        await self.wiring.maintenance.tick()
        await self.world.idle()

    async def ask_by_button(self, who: str, ref: str, question: str) -> None:
        await self.command(who, "agenda")
        agenda = [c for c in self.world.connector.to_chat(teams_id(who)) if f"[{ref}]" in c.text]
        await self._press(who, agenda[-1], actions.CALLOUT_ASK, ref, question)

    async def reply_by_button(self, who: str, ref: str, text: str) -> None:
        asked = [c for c in self.world.connector.to_chat(teams_id(who)) if ref in c.text]
        await self._press(who, asked[-1], actions.CALLOUT_REPLY, ref, text)

    async def _press(self, who: str, card: TeamsCall, action: str, ref: str, text: str) -> None:
        """Press `card`'s button `action` about `ref` and send `text` in the dialog it opens."""
        people, user = self.world.people, teams_id(who)
        chat = personal_chat(user)
        (data,) = [d for d in _submits(card.card) if d.get("action") == action and ref in str(d)]
        status, dialog = await people.open_dialog(user, data, conversation=chat, kind="personal")
        assert status == 200 and dialog["task"]["type"] == "continue", dialog
        submit = people.dialog_submit_activity(
            user, dialog, conversation=chat, kind="personal", text=text
        )
        assert await people.post(submit) == (200, None)
        await self.world.idle()

    def traces(self, who: str) -> frozenset[str]:
        name, email = PEOPLE[who]
        user = teams_id(who)
        assert TEAMS_NAMES[user] == name
        return frozenset(
            {user, who, name, name.split()[-1], email, personal_chat(user), f"aad-{who}"}
        )

    def sent_count(self) -> int:
        return len(self.world.connector.calls)

    def sent_to_others(self, who: str, since: int) -> list[str]:
        calls = self.world.connector.calls[since:]
        return [_teams_text(c) for c in calls if not _teams_to(c, teams_id(who))]

    def sent_privately_to(self, who: str, since: int) -> list[str]:
        calls = self.world.connector.calls[since:]
        return [_teams_text(c) for c in calls if _teams_to(c, teams_id(who))]


def _teams_to(call: TeamsCall, user: str) -> bool:
    if call.conversation == personal_chat(user):
        return True
    members: Any = call.body.get("members") if isinstance(call.body, dict) else None
    return call.conversation == "" and bool(members) and members[0].get("id") == user


def _submits(node: Any) -> list[dict[str, Any]]:
    """The data of every Action.Submit button in a card."""
    if isinstance(node, list):
        return [d for item in node for d in _submits(item)]
    if not isinstance(node, dict):
        return []
    own = [node["data"]] if node.get("type") == "Action.Submit" else []
    return own + [d for value in node.values() for d in _submits(value)]


def _teams_text(call: TeamsCall) -> str:
    return json.dumps([call.conversation, call.body], ensure_ascii=False)


@asynccontextmanager
async def teams_driver(database: Database, folder: Path) -> AsyncIterator[TeamsDriver]:
    compact = compact_with_northgate_of_three(folder, "teams", teams_id)
    peers = {teams_id(handle): name for handle, (name, _email) in NORTHGATE_PEERS.items()}
    TEAMS_NAMES.update(peers)  # their display name in the activities Teams sends, for now
    try:
        async with teams_world(database, folder, compact=compact) as world:
            yield TeamsDriver(world)
    finally:
        for user in peers:
            del TEAMS_NAMES[user]


DRIVERS = {"console": console_driver, "slack": slack_driver, "teams": teams_driver}
