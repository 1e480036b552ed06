"""Socket Mode: no public URL; Slack's requests arrive over a WebSocket the app opens."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession, web

from adapters.slack.server import SlackServer
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.usecases.compacts import load_compact_file
from bot.web import build_web_app
from storage.database import Database
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.slack.harness import ALICE, BOT_TOKEN, CHANNEL, compact_with_slack_ids
from tests.app.harness import SECRET, ManualClock


async def test_commands_arrive_and_are_acked_over_socket_mode(
    database: Database, tmp_path: Path
) -> None:
    fake = await FakeSlack().start()
    server = SlackServer(
        api_url=fake.url, signing_secret=None, bot_token=BOT_TOKEN, app_token="xapp-test-token"
    )
    wiring = bootstrap(
        Settings(),
        gateways={"slack": server.gateway},
        clock=ManualClock(),
        database=database,
        secret=SECRET,
    )
    await load_compact_file(wiring.services, compact_with_slack_ids(tmp_path))
    runner = web.AppRunner(
        build_web_app(wiring.app, [server], maintenance=wiring.maintenance, tick_every=None),
        access_log=None,
    )
    await runner.setup()  # starts the platforms: the socket opens here
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        await fake.wait_for(lambda: fake.sockets, what="the socket to open")
        envelope = await fake.send_envelope(
            "slash_commands",
            {
                "team_id": TEAM,
                "channel_id": CHANNEL,
                "user_id": ALICE,
                "user_name": "alice",
                "command": "/compact",
                "text": "link nhs-vmi",
                "trigger_id": "1.2.3",
                "response_url": "http://127.0.0.1:9/unused",
            },
        )
        acks = await fake.wait_for(
            lambda: [a for a in fake.socket_acks if a.get("envelope_id") == envelope],
            what="the ack",
        )
        assert len(acks) == 1
        await fake.wait_for(lambda: fake.in_channel(CHANNEL), what="the link notice")
        # Without a signing secret nothing is served over HTTP for Slack.
        async with (
            ClientSession() as session,
            session.post(f"{base}/slack/events", data="x") as reply,
        ):
            assert reply.status == 404
    finally:
        await runner.cleanup()
        await fake.stop()
