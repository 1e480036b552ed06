"""The Teams endpoint of `compact-bot serve` on a real port, a fake Bot Connector, a real
database and a manual clock; plus people who send real Activity JSON to it."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from adapters.teams.connector import Backoff
from adapters.teams.server import TeamsServer, teams_server
from bot.addresses import DatabaseAddressBook
from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.usecases.compacts import load_compact_file
from bot.web import build_web_app
from storage.database import Database
from tests.adapters.teams.fake_connector import Call, FakeConnector, personal_chat
from tests.app.harness import SECRET, ManualClock, compact_with_ids

TENANT = "tenant-1"
BOT = {"id": "28:compact-bot", "name": "Compact"}
CHANNEL = "19:partners@thread.tacv2"
TEAM = "19:team@thread.tacv2"
ALICE, BOB, CAROL, DAN, ERIN = "29:alice", "29:bob", "29:carol", "29:dan", "29:erin"
NAMES = {
    ALICE: "Alice Adeyemi",
    BOB: "Bob Birch",
    CAROL: "Carol Chen",
    DAN: "Dan Dempsey",
    ERIN: "Erin Evans",
}
PAUSES: list[float] = []  # every back-off pause asked for, recorded instead of slept


async def _record_pause(seconds: float) -> None:
    PAUSES.append(seconds)
    await asyncio.sleep(0)


FAST_BACKOFF = Backoff(first=0.005, cap=0.02, attempts=6, sleep=_record_pause)


def compact_with_teams_ids(folder: Path) -> Path:
    """The example compact, each person given a Teams id (29: + their handle)."""
    return compact_with_ids(folder, "teams", lambda handle: f"29:{handle}")


@dataclass
class People:
    """Sends Activity JSON to `/api/messages` as Teams would."""

    endpoint: str
    service_url: str
    session: ClientSession
    headers: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def new_id(self) -> str:
        """Unique like Teams' ids (a restarted test client must not reuse earlier ones)."""
        return f"act-{self._run}-{next(self._ids)}"

    def activity(
        self,
        user: str,
        *,
        conversation: str,
        kind: str,
        activity_type: str = "message",
        tenant: str = TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "type": activity_type,
            "id": extra.pop("id", None) or self.new_id(),
            "timestamp": "2026-11-23T16:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": user, "name": NAMES.get(user, user), "aadObjectId": f"aad-{user[3:]}"},
            "recipient": dict(BOT),
            "conversation": {
                "id": conversation,
                "conversationType": kind,
                "tenantId": tenant,
                **({"isGroup": True} if kind != "personal" else {}),
            },
            "channelData": {
                "tenant": {"id": tenant},
                **({"team": {"id": TEAM}, "channel": {"id": CHANNEL}} if kind == "channel" else {}),
            },
            "locale": "en-GB",
            **extra,
        }

    async def post(
        self, activity: dict[str, Any] | str | bytes, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        sent_headers = {**self.headers, **(headers or {})}
        if isinstance(activity, dict):
            response = await self.session.post(self.endpoint, json=activity, headers=sent_headers)
        else:
            response = await self.session.post(self.endpoint, data=activity, headers=sent_headers)
        async with response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body

    # --- what people do ---------------------------------------------------------------
    def command_activity(
        self,
        user: str,
        words: str,
        *,
        mentions: tuple[str, ...] = (),
        thread: str | None = None,
        channel: str = CHANNEL,
        kind: str = "channel",
        tenant: str = TENANT,
    ) -> dict[str, Any]:
        """`@Compact <words> @person…` posted in a channel (a new post unless `thread`)."""
        activity_id = self.new_id()
        root = thread or activity_id
        conversation = f"{channel};messageid={root}" if kind == "channel" else channel
        tags = " ".join(f"<at>{NAMES.get(m, m)}</at>" for m in mentions)
        text = f"<at>{BOT['name']}</at> {words} {tags}".strip()
        entities = [{"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT}]
        entities += [
            {
                "type": "mention",
                "text": f"<at>{NAMES.get(m, m)}</at>",
                "mentioned": {"id": m, "name": NAMES.get(m, m)},
            }
            for m in mentions
        ]
        return self.activity(
            user,
            conversation=conversation,
            kind=kind,
            id=activity_id,
            text=text,
            entities=entities,
            tenant=tenant,
        )

    async def command(self, user: str, words: str, **options: Any) -> tuple[int, Any]:
        return await self.post(self.command_activity(user, words, **options))

    async def reply(self, user: str, text: str, *, thread: str, channel: str = CHANNEL) -> int:
        """A reply in a channel thread, without mentioning the bot."""
        activity = self.activity(
            user, conversation=f"{channel};messageid={thread}", kind="channel", text=text
        )
        status, _ = await self.post(activity)
        return status

    async def personal(self, user: str, text: str) -> int:
        """A message in the person's personal chat with the bot."""
        activity = self.activity(user, conversation=personal_chat(user), kind="personal", text=text)
        status, _ = await self.post(activity)
        return status

    def press_activity(
        self,
        user: str,
        data: dict[str, Any],
        *,
        card_id: str,
        conversation: str,
        kind: str = "channel",
        **inputs: Any,
    ) -> dict[str, Any]:
        """An `Action.Submit` from a card: a message whose `value` is the button's data."""
        value = {**{k: v for k, v in data.items() if k != "msteams"}, **inputs}
        return self.activity(
            user, conversation=conversation, kind=kind, replyToId=card_id, value=value
        )

    def submit_in_personal_chat(self, user: str, form: Call, **inputs: Any) -> dict[str, Any]:
        """The form `form` (a card the bot sent to `user`'s personal chat), filled and sent."""
        return self.press_activity(
            user,
            form.form_data,
            card_id=str(form.new_id),
            conversation=personal_chat(user),
            kind="personal",
            **inputs,
        )

    async def press(self, user: str, data: dict[str, Any], **options: Any) -> int:
        status, _ = await self.post(self.press_activity(user, data, **options))
        return status

    def invoke_activity(
        self, user: str, name: str, data: dict[str, Any], *, conversation: str, kind: str
    ) -> dict[str, Any]:
        return self.activity(
            user,
            conversation=conversation,
            kind=kind,
            activity_type="invoke",
            name=name,
            value={"type": name, "data": data, "context": {"theme": "default"}},
        )

    async def open_dialog(
        self, user: str, data: dict[str, Any], *, conversation: str, kind: str = "channel"
    ) -> tuple[int, Any]:
        """Press a button that opens a dialog (`task/fetch`); the answer is the dialog."""
        return await self.post(
            self.invoke_activity(user, "task/fetch", data, conversation=conversation, kind=kind)
        )

    def dialog_submit_activity(
        self,
        user: str,
        dialog: dict[str, Any],
        *,
        conversation: str,
        kind: str = "channel",
        **inputs: Any,
    ) -> dict[str, Any]:
        """The `task/submit` Teams sends when the dialog's form is submitted."""
        card = dialog["task"]["value"]["card"]["content"]
        data = {**card["actions"][0]["data"], **{f"field.{k}": v for k, v in inputs.items()}}
        return self.invoke_activity(user, "task/submit", data, conversation=conversation, kind=kind)

    def install_activity(
        self, *, conversation: str = CHANNEL, kind: str = "channel"
    ) -> dict[str, Any]:
        return self.activity(
            ALICE,
            conversation=conversation,
            kind=kind,
            activity_type="conversationUpdate",
            membersAdded=[dict(BOT)],
        )


@dataclass
class TeamsWorld:
    connector: FakeConnector
    people: People
    server: TeamsServer
    wiring: Wiring
    clock: ManualClock

    @property
    def database(self) -> Database:
        return self.wiring.database

    async def idle(self) -> None:
        """Every activity received so far has been handled and answered."""
        await self.server.idle()


def teams_settings(**values: Any) -> Settings:
    return Settings(**{"TEAMS_AUTH": "off", "TEAMS_APP_ID": None, **values})


@asynccontextmanager
async def teams_world(
    database: Database,
    folder: Path,
    *,
    connector: FakeConnector | None = None,
    clock: ManualClock | None = None,
    link: bool = True,
    server: TeamsServer | None = None,
    headers: dict[str, str] | None = None,
    compact: Path | None = None,
) -> AsyncIterator[TeamsWorld]:
    """Serve the bot's Teams endpoint on 127.0.0.1; alice (a facilitator) links the channel.

    Pass the `connector` and `clock` of an earlier world to restart the bot against the same
    Teams and the same database (nothing in memory survives; the references are stored).
    """
    fake = connector or await FakeConnector().start()
    fake.members.setdefault(
        CHANNEL,
        [{"id": user, "name": NAMES[user]} for user in (ALICE, BOB, CAROL, DAN)]
        + [{"id": BOT["id"], "name": BOT["name"]}],
    )
    clock = clock or ManualClock()
    if server is None:
        settings = teams_settings(TEAMS_ALLOWED_SERVICE_URLS=fake.url)
        made = teams_server(settings, DatabaseAddressBook(database), backoff=FAST_BACKOFF)
        assert made is not None
        server = made
    wiring = bootstrap(
        Settings(),
        gateways={"teams": server.gateway},
        clock=clock,
        database=database,
        secret=SECRET,
    )
    await load_compact_file(wiring.services, compact or compact_with_teams_ids(folder))
    runner = web.AppRunner(
        build_web_app(wiring.app, [server], maintenance=wiring.maintenance, tick_every=None),
        access_log=None,
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with ClientSession() as session:
            people = People(
                f"http://127.0.0.1:{port}/api/messages", fake.url, session, dict(headers or {})
            )
            world = TeamsWorld(fake, people, server, wiring, clock)
            if link:
                status, _ = await people.command(ALICE, "link nhs-vmi")
                assert status == 201
                await world.idle()
                assert fake.in_channel(CHANNEL), "the link notice"
                fake.clear()
            yield world
    finally:
        await runner.cleanup()
        if connector is None:
            await fake.stop()
