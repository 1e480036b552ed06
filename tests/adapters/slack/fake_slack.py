"""A local Slack for tests and benchmarks: the Web API on loopback, and a signing client.

`FakeSlack` answers the Web API methods the bot calls the way Slack does (`ok`, `ts`,
`channel`, errors, `429` with `Retry-After` on demand) and records every call, so a test can
read what people saw and click the buttons the bot posted. `SlackPeople` plays the people:
it sends correctly signed (v0) requests to the bot's `/slack/events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web
from slack_sdk.signature import SignatureVerifier

from adapters.slack.blocks import LOADING_CALLBACK

TEAM = "T0PARTNER"
BOT_USER = "U0COMPACT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200


@dataclass
class Posted:
    """A message as Slack holds it (channel messages, replies, ephemerals, DMs)."""

    channel: str
    ts: str
    blocks: list[dict[str, Any]]
    text: str
    thread_ts: str | None = None
    ephemeral_to: str | None = None

    @property
    def all_text(self) -> str:
        """Everything a person can read in it: fallback text and every text in the blocks."""
        return self.text + "\n" + "\n".join(_texts(self.blocks))

    def buttons(self) -> list[dict[str, Any]]:
        return [
            element
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", ())
            if element.get("type") == "button"
        ]

    def button(self, action_id: str) -> dict[str, Any]:
        for element in self.buttons():
            if element["action_id"] == action_id:
                return element
        raise AssertionError(f"no button {action_id!r} in {self.all_text!r}")


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


@dataclass
class FakeSlack:
    """Slack's Web API on 127.0.0.1 (`SLACK_API_URL` = `url`)."""

    calls: list[Call] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limited: int = 0
    retry_after: int = 1
    url: str = ""
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    hold: asyncio.Event | None = None  # while set but not yet fired, chat.postMessage waits
    held: int = 0  # chat.postMessage calls waiting for `hold`
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # users.info, by user id
    scopes: tuple[str, ...] = ("commands", "chat:write", "users:read", "users:read.email")
    profiles_rate_limited: int = 0  # users.info calls to answer with 429 first

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # users.info and other readers
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/api/"
        return self

    async def stop(self) -> None:
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def person(self, user_id: str, email: str | None, *, team: str = TEAM, name: str = "") -> None:
        """Someone `users.info` knows, with the email in their profile (None: none shown)."""
        profile: dict[str, Any] = {"real_name": name or user_id, "display_name": name}
        if email is not None:
            profile["email"] = email
        self.users[user_id] = {"id": user_id, "team_id": team, "name": name, "profile": profile}

    def rate_limit(self, count: int, *, retry_after: int = 1) -> None:
        """Answer the next `count` posting calls with 429 and `Retry-After`."""
        self.rate_limited = count
        self.retry_after = retry_after

    async def _upload(self, request: web.Request) -> web.Response:
        """Where files.getUploadURLExternal sends the file's bytes."""
        self.files[request.match_info["file_id"]]["bytes"] = await request.read()
        self.changed.set()
        return web.Response(text="OK - uploaded")

    # --- Socket Mode ----------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's side of a Socket Mode connection: hello, then envelopes; records acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.sockets.append(socket)
        self.changed.set()
        async for frame in socket:
            if frame.type.name == "TEXT":
                self.socket_acks.append(json.loads(frame.data))
                self.changed.set()
        return socket

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver a request over the open socket, as Slack does; returns its envelope id."""
        envelope_id = f"env-{next(self._ts)}"
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
            }
        )
        return envelope_id

    # --- what people saw ----------------------------------------------------------------
    def in_channel(self, channel: str) -> list[Posted]:
        return [m for m in self.messages if m.channel == channel and m.ephemeral_to is None]

    def private_to(self, user: str) -> list[Posted]:
        """Ephemeral messages shown to `user` and the app's DMs with them."""
        return [m for m in self.messages if m.ephemeral_to == user or m.channel == user]

    def forms(self) -> list[dict[str, Any]]:
        """Modals showing a form (not the "loading" one held open while it is prepared)."""
        return [v for v in self.views.values() if v.get("callback_id") != LOADING_CALLBACK]

    def method_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, condition: Callable[[], Any], *, within: float = 10.0, what: str = ""
    ) -> Any:
        """Wait until `condition()` is truthy (the bot works after acking); return it."""
        deadline = time.monotonic() + within
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=0.2)

    # --- the Web API ----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method == "apps.connections.open":  # Socket Mode, with the app-level token
            self.calls.append(Call(method, args))
            if request.headers.get("Authorization", "") != "Bearer xapp-test-token":
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response(
                {"ok": True, "url": self.url.replace("http", "ws", 1).replace("/api/", "/socket")}
            )
        if method == "oauth.v2.access":  # authenticated by client id and secret, not a token
            self.calls.append(Call(method, args))
            return web.json_response(_installed(args))
        if request.headers.get("Authorization", "") != "Bearer xoxb-test-token":
            self.calls.append(Call(method, args, 200))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.rate_limited and method in ("chat.postMessage", "chat.postEphemeral"):
            self.rate_limited -= 1
            self.calls.append(Call(method, args, 429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if method == "users.info" and self.profiles_rate_limited:
            self.profiles_rate_limited -= 1
            self.calls.append(Call(method, args, 429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if self.hold is not None and method == "chat.postMessage":
            self.held += 1
            self.changed.set()
            await self.hold.wait()
            self.held -= 1
        self.calls.append(Call(method, args))
        try:
            body = self._answer(method, args)
        finally:
            self.changed.set()
        return web.json_response(body, headers={"X-OAuth-Scopes": ",".join(self.scopes)})

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0COMPACT"}
        if method == "chat.postMessage":
            ts = self._next_ts()
            self.messages.append(
                Posted(
                    channel=args["channel"],
                    ts=ts,
                    blocks=_json(args.get("blocks")) or [],
                    text=args.get("text", ""),
                    thread_ts=args.get("thread_ts"),
                )
            )
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": {"ts": ts}}
        if method == "chat.postEphemeral":
            ts = self._next_ts()
            self.messages.append(
                Posted(
                    channel=args["channel"],
                    ts=ts,
                    blocks=_json(args.get("blocks")) or [],
                    text=args.get("text", ""),
                    thread_ts=args.get("thread_ts"),
                    ephemeral_to=args["user"],
                )
            )
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            for message in self.messages:
                if message.channel == args["channel"] and message.ts == args["ts"]:
                    message.blocks = _json(args.get("blocks")) or []
                    message.text = args.get("text", "")
                    return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method == "views.open":
            view = _json(args["view"])
            view_id = f"V{len(self.views) + 1:06d}"
            view.update(id=view_id, hash=f"h{view_id}", trigger_id=args["trigger_id"])
            self.views[view_id] = view
            return {"ok": True, "view": view}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.files) + 1:06d}"
            self.files[file_id] = {"filename": args.get("filename"), "bytes": b""}
            upload = self.url.replace("/api/", f"/upload/{file_id}")
            return {"ok": True, "upload_url": upload, "file_id": file_id}
        if method == "files.completeUploadExternal":
            for item in _json(args.get("files")) or []:
                shared = self.files[item["id"]]
                shared.update(title=item.get("title"), channel=args.get("channel_id"))
            return {"ok": True, "files": [{"id": item["id"]} for item in _json(args["files"])]}
        if method == "views.update":
            view = _json(args["view"])
            old = self.views.get(args["view_id"])
            if old is None:
                return {"ok": False, "error": "not_found"}
            view.update(id=old["id"], hash=old["hash"] + "+", trigger_id=old["trigger_id"])
            self.views[args["view_id"]] = view
            return {"ok": True, "view": view}
        if method == "users.info":  # Tier 4; the email only with users:read.email
            if "users:read" not in self.scopes:
                return {"ok": False, "error": "missing_scope", "needed": "users:read"}
            found = self.users.get(args.get("user", ""))
            if found is None:
                return {"ok": False, "error": "user_not_found"}
            if "users:read.email" not in self.scopes:
                profile = {k: v for k, v in found["profile"].items() if k != "email"}
                found = {**found, "profile": profile}
            return {"ok": True, "user": found}
        if method == "views.publish":
            self.homes[args["user_id"]] = _json(args["view"])
            return {"ok": True}
        return {"ok": True}

    def _next_ts(self) -> str:
        return f"{1_800_000_000 + next(self._ts)}.000100"


def _installed(args: dict[str, Any]) -> dict[str, Any]:
    """What Slack's oauth.v2.access answers once a workspace admin approved the install."""
    if args.get("code") != "good-code":
        return {"ok": False, "error": "invalid_code"}
    return {
        "ok": True,
        "app_id": "A0COMPACT",
        "authed_user": {"id": "U0ALICE"},
        "scope": "commands,chat:write,channels:history,groups:history",
        "token_type": "bot",
        "access_token": "xoxb-test-token",
        "bot_user_id": BOT_USER,
        "team": {"id": TEAM, "name": "Partners"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Arguments as slack_sdk sends them: JSON, a form, or (for some methods) the query."""
    query = {key: str(value) for key, value in request.query.items()}
    if request.content_type == "application/json":
        loaded: dict[str, Any] = await request.json()
        return {**query, **loaded}
    form = await request.post()
    return {**query, **{key: str(value) for key, value in form.items()}}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class SlackPeople:
    """People using Slack: signed requests to the bot's `/slack/events`."""

    def __init__(self, events_url: str, signing_secret: str, session: ClientSession) -> None:
        self.events_url = events_url
        self._verifier = SignatureVerifier(signing_secret)
        self._session = session
        self._ids = itertools.count(1)

    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self._verifier.generate_signature(timestamp=ts, body=body),
        }

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        all_headers = {
            "Content-Type": content_type,
            **self.signed_headers(body, timestamp=timestamp),
        }
        all_headers.update(headers or {})
        async with self._session.post(self.events_url, data=body, headers=all_headers) as reply:
            return reply.status, await reply.text()

    async def command(
        self, user: str, text: str, *, channel: str, name: str | None = None, team: str = TEAM
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(
            {
                "token": "legacy",
                "team_id": team,
                "team_domain": "partners",
                "channel_id": channel,
                "channel_name": "partnership",
                "user_id": user,
                "user_name": name or user.lower(),
                "command": "/compact",
                "text": text,
                "api_app_id": "A0COMPACT",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": self.trigger(),
            }
        )
        return await self.send(body, "application/x-www-form-urlencoded")

    def trigger(self) -> str:
        return f"{next(self._ids)}.{int(time.time())}.trigger"

    async def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded")

    async def click(self, user: str, message: Posted, action_id: str) -> tuple[int, str]:
        button = message.button(action_id)
        container: dict[str, Any] = {
            "type": "ephemeral" if message.ephemeral_to else "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": bool(message.ephemeral_to),
        }
        if message.thread_ts:
            container["thread_ts"] = message.thread_ts
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "partners"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0COMPACT",
            "token": "legacy",
            "container": container,
            "trigger_id": self.trigger(),
            "channel": {"id": message.channel, "name": "partnership"},
            "message": {"ts": message.ts, "thread_ts": message.thread_ts, "blocks": message.blocks},
            "response_url": "http://127.0.0.1:9/unused",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button.get("value", ""),
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self.interact(payload)

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, str | list[str] | None]
    ) -> tuple[int, dict[str, Any]]:
        """Fill the modal's inputs (by block id) and submit it; returns Slack's view of the
        answer: an empty body closes the modal, `response_action: errors` keeps it open."""
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", ()):
            if block.get("type") != "input":
                continue
            element = block["element"]
            given = values.get(block["block_id"])
            state[block["block_id"]] = {element["action_id"]: _element_state(element, given)}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "partners"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0COMPACT",
            "token": "legacy",
            "trigger_id": self.trigger(),
            "view": {**view, "state": {"values": state}},
        }
        status, text = await self.interact(payload)
        return status, (json.loads(text) if text.strip().startswith("{") else {})

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0COMPACT",
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
                ],
                "event": event,
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.send(body, "application/json", headers=headers if retry else None)

    async def reply(
        self, user: str, channel: str, thread_ts: str, text: str, *, event_id: str | None = None
    ) -> tuple[int, str]:
        return await self.event(
            {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "thread_ts": thread_ts,
                "channel_type": "channel",
            },
            event_id=event_id,
        )


def _element_state(element: dict[str, Any], given: str | list[str] | None) -> dict[str, Any]:
    kind = element["type"]
    if kind == "multi_static_select":
        chosen = given if isinstance(given, list) else ([given] if given else [])
        return {"type": kind, "selected_options": [{"value": v} for v in chosen]}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": {"value": given} if given else None}
    return {"type": kind, "value": given}
