"""Installing into many workspaces with OAuth: tokens kept encrypted in our database, and
removed when a workspace uninstalls the app."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp import ClientSession, web
from sqlalchemy import select

from adapters.slack.server import SlackOAuth, SlackServer
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.usecases.compacts import load_compact_file
from bot.web import build_web_app
from storage.database import Database
from storage.models import SlackBotRow, SlackInstallationRow
from storage.slack_installations import EncryptedInstallationStore, oauth_state_store
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, SlackPeople
from tests.adapters.slack.harness import ALICE, CHANNEL, SIGNING_SECRET, compact_with_slack_ids
from tests.app.harness import SECRET, ManualClock


async def test_install_use_and_uninstall_a_workspace(database: Database, tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    store = EncryptedInstallationStore(client_id="111.222", database=database, secret=SECRET)
    server = SlackServer(
        api_url=fake.url,
        signing_secret=SIGNING_SECRET,
        oauth=SlackOAuth("111.222", "client-secret", store, oauth_state_store(database)),
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
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        async with ClientSession() as session:
            # The install page links to Slack's consent screen with our scopes and a state.
            async with session.get(f"{base}/slack/install", allow_redirects=False) as page:
                assert page.status == 200
                html = await page.text()
                cookie = page.headers["Set-Cookie"].split(";")[0]
            assert "slack.com/oauth/v2/authorize" in html and "chat%3Awrite" in html.replace(
                ":", "%3A"
            )
            state = re.search(r"state=([\w-]+)", html).group(1)  # type: ignore[union-attr]

            # A forged callback (wrong state) installs nothing.
            async with session.get(
                f"{base}/slack/oauth_redirect",
                params={"code": "good-code", "state": "forged"},
                headers={"Cookie": cookie},
            ) as refused:
                assert refused.status >= 400
            # Slack sends the admin back with a code: the install is stored, tokens encrypted.
            async with session.get(
                f"{base}/slack/oauth_redirect",
                params={"code": "good-code", "state": state},
                headers={"Cookie": cookie},
            ) as done:
                assert done.status == 200, await done.text()
            async with database.unit_of_work() as uow:
                raw = (
                    (await uow.session.execute(select(SlackBotRow.__table__.c.bot_token)))
                    .scalars()
                    .all()
                )
            assert raw and all(token and "xoxb" not in token for token in raw)
            bot = await store.async_find_bot(enterprise_id=None, team_id=TEAM)
            assert bot is not None and bot.bot_token == "xoxb-test-token"

            # The installed workspace can use the app.
            people = SlackPeople(f"{base}/slack/events", SIGNING_SECRET, session)
            assert (await people.command(ALICE, "link nhs-vmi", channel=CHANNEL))[0] == 200
            await fake.wait_for(lambda: fake.in_channel(CHANNEL), what="the link notice")

            # Uninstalling removes the workspace's tokens.
            status, _ = await people.event({"type": "app_uninstalled"})
            assert status == 200
            for _ in range(100):  # bolt removes them after acking the event
                if await store.async_find_bot(enterprise_id=None, team_id=TEAM) is None:
                    break
                await asyncio.sleep(0.05)
            assert await store.async_find_bot(enterprise_id=None, team_id=TEAM) is None
            async with database.unit_of_work() as uow:
                assert (await uow.session.execute(select(SlackInstallationRow.id))).first() is None
    finally:
        await runner.cleanup()
        await fake.stop()
