"""A local Bot Connector: the REST service a Teams bot replies to, on 127.0.0.1.

It records every request the bot makes under `/v3/conversations/...` (posts, replies,
updates, new conversations, member look-ups), answers with ids like the real service, lists
members, and answers 429 (or 412, 502, 504) on demand to prove the bot backs off rather than
dropping a message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass
class Call:
    """One request the bot made."""

    method: str
    conversation: str  # the conversation id in the path, decoded ("" for a new conversation)
    activity_id: str | None  # the activity replied to (POST) or replaced (PUT)
    body: Any
    authorization: str | None
    status: int = 200
    new_id: str | None = None  # the id the connector gave a new activity or conversation

    @property
    def card(self) -> dict[str, Any]:
        attachments = (self.body or {}).get("attachments") or [{}]
        content: dict[str, Any] = attachments[0].get("content") or {}
        return content

    @property
    def text(self) -> str:
        """Every TextBlock, the summary and the button titles, one per line."""
        lines = [str((self.body or {}).get("summary", ""))]
        _texts(self.card, lines)
        return "\n".join(lines)

    @property
    def mentioned(self) -> list[str]:
        entities = (self.card.get("msteams") or {}).get("entities") or []
        return [e["mentioned"]["id"] for e in entities if e.get("type") == "mention"]

    def button(self, action: str) -> dict[str, Any]:
        """The data of the card's button for a neutral action id."""
        for data in _buttons(self.card):
            if data.get("action") == action:
                return data
        raise AssertionError(f"no {action!r} button on this card:\n{self.text}")

    @property
    def form_data(self) -> dict[str, Any]:
        """The data of a form card's submit button."""
        actions = self.card.get("actions") or []
        return dict(actions[0]["data"])


def _texts(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            out.append(str(node.get("text", "")))
        if node.get("type", "").startswith("Action."):
            out.append(str(node.get("title", "")))
        for key, value in node.items():
            if key not in ("fallback", "data"):
                _texts(value, out)
    elif isinstance(node, list):
        for item in node:
            _texts(item, out)


def _buttons(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit" and isinstance(node.get("data"), dict):
            found.append(node["data"])
        for value in node.values():
            found.extend(_buttons(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_buttons(item))
    return found


@dataclass
class FakeConnector:
    members: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)  # member look-up, by id
    calls: list[Call] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses for the next sends
    hold: asyncio.Event | None = None  # while set but not yet fired, sends wait for it
    _ids: Any = field(default_factory=lambda: itertools.count(1000))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what the bot sent ------------------------------------------------------------
    @property
    def sent(self) -> list[Call]:
        """Activities accepted (posted or replaced), in order."""
        return [
            c
            for c in self.calls
            if c.status < 300 and c.method in ("POST", "PUT") and c.conversation
        ]

    def posts(self, where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        return [c for c in self.sent if c.method == "POST" and where(c)]

    def updates(self, message_id: str) -> list[Call]:
        return [c for c in self.sent if c.method == "PUT" and c.activity_id == message_id]

    def to_chat(self, user_id: str) -> list[Call]:
        """Everything posted to the person's personal chat."""
        return [c for c in self.sent if c.conversation == personal_chat(user_id)]

    def in_channel(self, channel: str) -> list[Call]:
        return [c for c in self.sent if c.conversation.split(";")[0] == channel]

    def clear(self) -> None:
        self.calls.clear()

    # --- the REST API ----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.hold is not None and "/activities" in request.path:
            await self.hold.wait()
        body = await request.json() if request.can_read_body else None
        parts = [unquote(p) for p in request.raw_path.split("?")[0].split("/")]
        # /v3/conversations[/{id}[/activities[/{activityId}] | /pagedmembers | /members[/{m}]]]
        if parts[1:3] != ["v3", "conversations"]:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        rest = parts[3:]
        call = Call(
            request.method,
            rest[0] if rest else "",
            rest[2] if len(rest) > 2 else None,
            body,
            request.headers.get("Authorization"),
        )
        self.calls.append(call)
        if not rest and request.method == "POST":
            member = body["members"][0]["id"]
            call.new_id = personal_chat(member)
            return web.json_response({"id": call.new_id})
        if len(rest) >= 2 and rest[1] == "pagedmembers":
            return web.json_response({"members": self.members.get(rest[0].split(";")[0], [])})
        if len(rest) == 3 and rest[1] == "members" and request.method == "GET":
            found = self.profiles.get(rest[2])
            if found is None:
                call.status = 404
                return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, 404)
            return web.json_response({"id": rest[2], **found})
        if len(rest) >= 2 and rest[1] == "activities":
            if self.failures:
                call.status = self.failures.pop(0)
                return web.json_response(
                    {"error": {"code": "Throttled", "message": "slow down"}},
                    status=call.status,
                    headers={"Retry-After": "0"},
                )
            if request.method == "PUT":
                call.new_id = call.activity_id
                return web.json_response({"id": call.activity_id})
            call.new_id = str(next(self._ids))
            return web.json_response({"id": call.new_id}, status=201)
        return web.json_response({"error": {"code": "BadRequest"}}, status=400)


def personal_chat(user_id: str) -> str:
    """The 1:1 conversation id the fake gives a person's chat with the bot."""
    return f"a:chat-{user_id}"


def dumped(call: Call) -> str:
    return json.dumps(call.body, ensure_ascii=False)
