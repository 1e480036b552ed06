"""Teams endpoint speed: the real `compact-bot serve` beside the Agents SDK's minimal echo agent.

    python bench/teams_turn.py [--rounds 1000] [--pace 20] [--saturation-rounds 300]
                               [--echo-messages 3000] [--database postgresql|sqlite]

Both bots run as their own processes on this machine (authentication off, as a local test
client has no Bot Framework tokens) and get Activity JSON over HTTP from this script, which
also plays the Bot Connector (a lean fake on loopback that answers every call at once).

The figure is what a person waits for: from posting an activity to `/api/messages` until
the bot's reply to it reaches the connector. For the rituals bot, an answer's reply is the
private "thank you" it sends the person who answered (the first message the answer causes;
the next prompt and the round card's update follow). For the echo agent, its echo.

1. Human pace: `--rounds` rounds of four open at once, one per channel; in each, the person
   whose turn it is replies in the round's thread every `--pace` seconds (±20 %). Printed:
   p50/p99/max from answer to thank-you, and whether every answer was stored. Then the echo
   agent gets the same number of messages at the same pace (one load after the other).
2. Saturation: `--saturation-rounds` further rounds answered as fast as the bot takes them
   (each next answer as soon as its prompt is posted, at most 64 requests in flight): answers
   per second handled end to end, beside the echo agent's echoes per second for
   `--echo-messages` messages at the same concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import ClientSession, TCPConnector, web
from common import (
    bounded,
    compact_file,
    create_database,
    drop_database,
    free_port,
    percentiles,
    stored_reflections,
    wait_healthy,
)

TENANT = "bench-tenant"
BOT = {"id": "28:compact-bench", "name": "Compact"}
PEOPLE = ("29:alice", "29:bob", "29:carol", "29:dan")
NAMES = {"29:alice": "Alice", "29:bob": "Bob", "29:carol": "Carol", "29:dan": "Dan"}
CONCURRENCY = 64
THANKS = "Thank you"
ROUND_TITLE = "Reflections on the compact"


# --- a lean Bot Connector ---------------------------------------------------------------------
@dataclass
class Round:
    header: str | None = None
    round_id: str | None = None
    prompts: list[str] = field(default_factory=list)  # who each prompt asks, in order
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class LeanConnector:
    """Answers like the Bot Connector and notes what the benchmark waits for."""

    def __init__(self) -> None:
        self.rounds: dict[str, Round] = {}
        self.channel_of: dict[str, str] = {}  # round id -> channel
        self.arrived: dict[tuple[str, str], float] = {}  # (round id | reply-to, who) -> time
        self.waiters: dict[tuple[str, str], asyncio.Future[float]] = {}
        self._ids = iter(range(10_000_000))
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port, backlog=1024).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def round(self, channel: str) -> Round:
        return self.rounds.setdefault(channel, Round())

    def expect(self, key: tuple[str, str]) -> asyncio.Future[float]:
        future = self.waiters.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self.waiters[key] = future
            if key in self.arrived:
                future.set_result(self.arrived[key])
        return future

    def _arrive(self, key: tuple[str, str]) -> None:
        now = time.perf_counter()
        self.arrived.setdefault(key, now)
        future = self.waiters.get(key)
        if future is not None and not future.done():
            future.set_result(now)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        parts = [unquote(p) for p in request.raw_path.split("?")[0].split("/")][3:]
        if not parts:  # a new personal chat
            return web.json_response({"id": f"a:chat-{body['members'][0]['id']}"})
        conversation = parts[0]
        new_id = str(next(self._ids))
        if request.method == "POST" and len(parts) >= 2 and parts[1] == "activities":
            self._note(conversation, parts[2] if len(parts) > 2 else None, body, new_id)
        return web.json_response({"id": new_id}, status=201 if request.method == "POST" else 200)

    def _note(
        self, conversation: str, reply_to: str | None, body: dict[str, Any], new_id: str
    ) -> None:
        if conversation.startswith("echo-"):
            self._arrive((reply_to or "", "echo"))
            return
        card = ((body.get("attachments") or [{}])[0]).get("content") or {}
        if conversation.startswith("a:chat-"):
            text = json.dumps(card)
            edit = re.search(r'"action": "round\.edit", "value": "([^":]+):', text)
            if edit and THANKS in text:
                self._arrive((edit[1], conversation.removeprefix("a:chat-")))
            return
        channel, _, thread = conversation.partition(";messageid=")
        state = self.round(channel)
        if not thread and state.header is None and ROUND_TITLE in json.dumps(card):
            state.header = new_id
        elif thread:
            mentioned = [
                e["mentioned"]["id"] for e in (card.get("msteams") or {}).get("entities", [])
            ]
            answer = re.search(
                r'"action": "round\.answer", "value": "([^":]+):\d+"', json.dumps(card)
            )
            if answer and mentioned:
                state.round_id = answer[1]
                self.channel_of[answer[1]] = channel
                state.prompts.append(mentioned[0])
        state.changed.set()

    async def wait(
        self, channel: str, ready: Callable[[Round], bool], within: float = 120
    ) -> Round:
        state = self.round(channel)
        deadline = time.perf_counter() + within
        while not ready(state):
            state.changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{channel} never got there")
            try:
                await asyncio.wait_for(state.changed.wait(), timeout=remaining)
            except TimeoutError:
                continue
        return state


# --- Teams activities -------------------------------------------------------------------------
class Sender:
    def __init__(self, session: ClientSession, url: str, service_url: str) -> None:
        self._session = session
        self._url = url
        self._service_url = service_url
        self._ids = iter(range(10_000_000))

    def new_id(self) -> str:
        return f"b{next(self._ids)}"

    def activity(self, user: str, conversation: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "id": extra.pop("id", None) or self.new_id(),
            "channelId": "msteams",
            "serviceUrl": self._service_url,
            "from": {"id": user, "name": NAMES.get(user, user)},
            "recipient": BOT,
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    async def post(self, activity: dict[str, Any]) -> None:
        async with self._session.post(self._url, json=activity) as reply:
            await reply.read()
            if reply.status not in (200, 201, 202):
                raise RuntimeError(f"{reply.status} for {activity['type']}")

    async def command(
        self, user: str, channel: str, words: str, mentions: tuple[str, ...] = ()
    ) -> None:
        activity_id = self.new_id()
        tags = " ".join(f"<at>{NAMES[m]}</at>" for m in mentions)
        entities = [{"type": "mention", "text": "<at>Compact</at>", "mentioned": BOT}] + [
            {
                "type": "mention",
                "text": f"<at>{NAMES[m]}</at>",
                "mentioned": {"id": m, "name": NAMES[m]},
            }
            for m in mentions
        ]
        await self.post(
            self.activity(
                user,
                f"{channel};messageid={activity_id}",
                "channel",
                id=activity_id,
                text=f"<at>Compact</at> {words} {tags}",
                entities=entities,
            )
        )

    async def reply(self, user: str, channel: str, header: str, text: str) -> None:
        await self.post(self.activity(user, f"{channel};messageid={header}", "channel", text=text))


# --- the servers ------------------------------------------------------------------------------
def echo_server(port: int) -> None:
    """The baseline: the Agents SDK's own minimal echo agent (its `empty_agent` sample:
    `AgentApplication` + `CloudAdapter` + `jwt_authorization_middleware`), anonymous, on
    aiohttp; the same SDK 1.9.0 that compact-bot runs on."""
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.aiohttp import (
        CloudAdapter,
        jwt_authorization_middleware,
        start_agent_process,
    )
    from microsoft_agents.hosting.core import (
        AgentApplication,
        MemoryStorage,
        TurnContext,
        TurnState,
    )
    from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

    anonymous = AgentAuthConfiguration(anonymous_allowed=True)
    connections = MsalConnectionManager(
        connections_configurations={"SERVICE_CONNECTION": anonymous}
    )
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=adapter, connection_manager=connections
    )

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(f"echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.Response:
        return await start_agent_process(request, agent, adapter)  # type: ignore[return-value]

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = anonymous
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", lambda _request: web.json_response({"ok": True}))
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=1024)


async def open_rounds(sender: Sender, connector: LeanConnector, channels: list[str]) -> None:
    async def link_and_open(i: int) -> None:
        channel = channels[i]
        await sender.command("29:alice", channel, "link nhs-vmi")
        await sender.command("29:alice", channel, "reflect as-gathered", PEOPLE)
        await connector.wait(channel, lambda r: r.header is not None and len(r.prompts) >= 1)

    await bounded(len(channels), link_and_open, CONCURRENCY)


async def answer(sender: Sender, connector: LeanConnector, channel: str, turn: int) -> float:
    """The prompted person replies in the thread; seconds until their thank-you arrives."""
    state = await connector.wait(channel, lambda r: len(r.prompts) >= turn)
    assert state.header is not None and state.round_id is not None
    person = state.prompts[turn - 1]
    thanked = connector.expect((state.round_id, person))
    started = time.perf_counter()
    await sender.reply(person, channel, state.header, f"Learned {turn}")
    return await asyncio.wait_for(thanked, 120) - started


async def human_pace(
    sender: Sender, connector: LeanConnector, channels: list[str], pace: float
) -> list[float]:
    latencies: list[float] = []

    async def play(channel: str) -> None:
        await asyncio.sleep(random.uniform(0, pace))
        for turn in range(1, len(PEOPLE) + 1):
            await asyncio.sleep(pace * random.uniform(0.8, 1.2))
            latencies.append(await answer(sender, connector, channel, turn))

    await asyncio.gather(*(play(c) for c in channels))
    return latencies


async def echo_once(sender: Sender, connector: LeanConnector, i: int) -> float:
    activity = sender.activity(PEOPLE[i % 4], f"echo-{i % 1000}", "personal", text="Learned")
    echoed = connector.expect((activity["id"], "echo"))
    started = time.perf_counter()
    await sender.post(activity)
    return await asyncio.wait_for(echoed, 120) - started


async def echo_human_pace(
    sender: Sender, connector: LeanConnector, rounds: int, pace: float
) -> list[float]:
    latencies: list[float] = []

    async def play(i: int) -> None:
        await asyncio.sleep(random.uniform(0, pace))
        for turn in range(len(PEOPLE)):
            await asyncio.sleep(pace * random.uniform(0.8, 1.2))
            latencies.append(await echo_once(sender, connector, i * 4 + turn))

    await asyncio.gather(*(play(i) for i in range(rounds)))
    return latencies


async def saturate(
    sender: Sender, connector: LeanConnector, channels: list[str]
) -> tuple[int, float]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def play(channel: str) -> int:
        for turn in range(1, len(PEOPLE) + 1):
            await connector.wait(channel, lambda r, t=turn: len(r.prompts) >= t)
            async with gate:
                await answer(sender, connector, channel, turn)
        return len(PEOPLE)

    started = time.perf_counter()
    answered = sum(await asyncio.gather(*(play(c) for c in channels)))
    return answered, time.perf_counter() - started


async def echo_saturate(sender: Sender, connector: LeanConnector, count: int) -> float:
    started = time.perf_counter()
    await bounded(count, lambda i: echo_once(sender, connector, 10_000_000 + i), CONCURRENCY)
    return count / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    connector = LeanConnector()
    await connector.start()
    folder = Path(tempfile.mkdtemp(prefix="teams-bench-"))
    database_url = await create_database(
        args.database, folder, f"compact_teams_bench_{os.getpid()}"
    )
    bot_port, echo_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))},
        "TEAMS_AUTH": "off",
        "TEAMS_ALLOWED_SERVICE_URLS": connector.url,  # the lean connector, on loopback
        "DATABASE_URL": database_url,
        "COMPACT_FILE": str(compact_file(folder, "teams", lambda handle: f"29:{handle}")),
        "COMPACT_SECRET_KEY": "bench-secret-key-long-enough-to-use",
        # One facilitator links every channel and the bench sends faster than people type:
        # the per-person limit and the queued-work bound (issue 12) are not what is measured.
        "COMPACT_PERSON_RATE_PER_MINUTE": "1000000",
        "COMPACT_PERSON_BURST": "1000000",
        "COMPACT_MAX_QUEUED_WORK": "1000000",
    }
    log = (folder / "serve.log").open("wb")
    bot = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("compact-bot")),
        *("serve", "--host", "127.0.0.1", "--port", str(bot_port)),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    echo = await asyncio.create_subprocess_exec(
        sys.executable,
        *(__file__, "--echo-server", str(echo_port)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with ClientSession(connector=TCPConnector(limit=256)) as session:
            await wait_healthy(session, f"http://127.0.0.1:{bot_port}/healthz", bot)
            await wait_healthy(session, f"http://127.0.0.1:{echo_port}/healthz", echo)
            ours = Sender(session, f"http://127.0.0.1:{bot_port}/api/messages", connector.url)
            theirs = Sender(session, f"http://127.0.0.1:{echo_port}/api/messages", connector.url)
            print(
                f"database: {args.database}; {args.rounds} rounds of {len(PEOPLE)} at human pace "
                f"(an answer every {args.pace:g} s ±20 % per round); {os.cpu_count()} cores"
            )
            channels = [f"19:bench{i:05d}@thread.tacv2" for i in range(args.rounds)]
            started = time.perf_counter()
            await open_rounds(ours, connector, channels)
            print(
                f"opened {len(channels)} rounds (link + reflect; round card and first prompt "
                f"posted) in {time.perf_counter() - started:.1f} s"
            )
            # One after the other: on a small machine, two loads at once measure each other.
            ours_latency = await human_pace(ours, connector, channels, args.pace)
            echo_latency = await echo_human_pace(theirs, connector, args.rounds, args.pace)
            stored = await stored_reflections(database_url)
            expected = len(channels) * len(PEOPLE)
            o50, o99, omax = percentiles(ours_latency)
            e50, e99, emax = percentiles(echo_latency)
            print(
                "\nhuman pace: from the activity's POST to the bot's reply reaching the connector"
            )
            print(f"  {'':24} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'replies':>8}")
            for name, (p50, p99, worst), count in (
                ("compact-bot (thank-you)", (o50, o99, omax), len(ours_latency)),
                ("Agents SDK echo agent", (e50, e99, emax), len(echo_latency)),
            ):
                print(f"  {name:24} {p50:8.1f} {p99:8.1f} {worst:8.1f} {count:8d}")
            lost = "none lost" if stored == expected else f"LOST {expected - stored}"
            print(
                f"  p99 target < 250 ms: {'met' if o99 < 250 else 'NOT met'}; "
                f"answers stored: {stored} of {expected} ({lost})"
            )

            sat_channels = [f"19:sat{i:05d}@thread.tacv2" for i in range(args.saturation_rounds)]
            await open_rounds(ours, connector, sat_channels)
            answered, seconds = await saturate(ours, connector, sat_channels)
            ours_rate = answered / seconds
            echo_rate = await echo_saturate(theirs, connector, args.echo_messages)
            total = await stored_reflections(database_url)
            print("\nsaturation (at most 64 requests in flight)")
            print(
                f"  compact-bot: {answered} answers in {seconds:.1f} s = {ours_rate:.0f} answers/s "
                "(each from its POST to its thank-you reaching the connector)"
            )
            print(f"  echo agent:  {echo_rate:.0f} echoes/s ({args.echo_messages} messages)")
            print(
                f"  ratio: {ours_rate / echo_rate:.2f} (target >= 0.3); answers stored "
                f"{total} of {expected + answered}"
            )
    finally:
        for process in (bot, echo):
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
        log.close()
        await connector.stop()
        await drop_database(database_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--pace", type=float, default=20.0)
    parser.add_argument("--saturation-rounds", type=int, default=300)
    parser.add_argument("--echo-messages", type=int, default=3000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.echo_server:
        echo_server(arguments.echo_server)
    else:
        asyncio.run(main(arguments))
