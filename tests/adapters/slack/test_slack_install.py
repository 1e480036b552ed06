"""Installing into many workspaces with OAuth: tokens kept encrypted in our database, and
removed when a workspace uninstalls the app."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy import event, select

from adapters.slack.server import SlackOAuth, SlackServer
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.usecases.compacts import load_compact_file
from bot.web import build_web_app
from storage.database import Database
from storage.models import SlackBotRow, SlackInstallationRow
from storage.slack_installations import (
    READ_CACHE_SECONDS,
    EncryptedInstallationStore,
    oauth_state_store,
)
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, SlackPeople
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    CHANNEL,
    SIGNING_SECRET,
    compact_with_slack_ids,
)
from tests.app.harness import SECRET, ManualClock


class Stopwatch:
    """A monotonic clock the test moves by hand (the store's cache reads it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class OAuthWorld:
    fake: FakeSlack
    store: EncryptedInstallationStore
    session: ClientSession
    base: str
    clock: Stopwatch


@asynccontextmanager
async def oauth_world(database: Database, folder: Path) -> AsyncIterator[OAuthWorld]:
    """`/slack/events` and the install pages served in OAuth mode, nothing installed yet."""
    fake = await FakeSlack().start()
    clock = Stopwatch()
    store = EncryptedInstallationStore(
        client_id="111.222", database=database, secret=SECRET, monotonic=clock
    )
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
    await load_compact_file(wiring.services, compact_with_slack_ids(folder))
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
            yield OAuthWorld(fake, store, session, base, clock)
    finally:
        await runner.cleanup()
        await fake.stop()


async def install(world: OAuthWorld) -> None:
    """An admin goes through Slack's consent screen and comes back with a code."""
    async with world.session.get(f"{world.base}/slack/install", allow_redirects=False) as page:
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([\w-]+)", html).group(1)  # type: ignore[union-attr]
    async with world.session.get(
        f"{world.base}/slack/oauth_redirect",
        params={"code": "good-code", "state": state},
        headers={"Cookie": cookie},
    ) as done:
        assert done.status == 200, await done.text()


async def uninstall(world: OAuthWorld, people: SlackPeople) -> None:
    status, _ = await people.event({"type": "app_uninstalled"})
    assert status == 200
    for _ in range(100):  # bolt removes the tokens after acking the event
        if await world.store.async_find_bot(enterprise_id=None, team_id=TEAM) is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the uninstalled workspace's bot token is still found")


class InstallReads:
    """Counts the statements that read a workspace's install (or bot) rows."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self._engine = database.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        text = statement.lstrip().upper()
        if text.startswith("SELECT") and re.search(r"FROM SLACK_(INSTALLATIONS|BOTS)\b", text):
            self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


def helped(fake: FakeSlack, times: int) -> Callable[[], bool]:
    return lambda: len(fake.method_calls("chat.postEphemeral")) >= times


async def test_install_use_and_uninstall_a_workspace(database: Database, tmp_path: Path) -> None:
    async with oauth_world(database, tmp_path) as world:
        # The install page links to Slack's consent screen with our scopes and a state.
        async with world.session.get(f"{world.base}/slack/install", allow_redirects=False) as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        assert "slack.com/oauth/v2/authorize" in html and "chat%3Awrite" in html.replace(":", "%3A")
        # A forged callback (wrong state) installs nothing.
        async with world.session.get(
            f"{world.base}/slack/oauth_redirect",
            params={"code": "good-code", "state": "forged"},
            headers={"Cookie": cookie},
        ) as refused:
            assert refused.status >= 400
        assert await world.store.async_find_bot(enterprise_id=None, team_id=TEAM) is None

        # Slack sends the admin back with a code: the install is stored, tokens encrypted.
        await install(world)
        async with database.unit_of_work() as uow:
            raw = (
                (await uow.session.execute(select(SlackBotRow.__table__.c.bot_token)))
                .scalars()
                .all()
            )
        assert raw and all(token and "xoxb" not in token for token in raw)
        bot = await world.store.async_find_bot(enterprise_id=None, team_id=TEAM)
        assert bot is not None and bot.bot_token == "xoxb-test-token"

        # The installed workspace can use the app.
        people = SlackPeople(f"{world.base}/slack/events", SIGNING_SECRET, world.session)
        assert (await people.command(ALICE, "link nhs-vmi", channel=CHANNEL))[0] == 200
        await world.fake.wait_for(lambda: world.fake.in_channel(CHANNEL), what="the link notice")

        # Uninstalling removes the workspace's tokens.
        await uninstall(world, people)
        async with database.unit_of_work() as uow:
            assert (await uow.session.execute(select(SlackInstallationRow.id))).first() is None


async def test_authorizing_many_requests_reads_the_install_and_calls_auth_test_once(
    database: Database, tmp_path: Path
) -> None:
    async with oauth_world(database, tmp_path) as world:
        await install(world)
        people = SlackPeople(f"{world.base}/slack/events", SIGNING_SECRET, world.session)
        fake = world.fake
        auth_tests_before = len(fake.method_calls("auth.test"))
        reads = InstallReads(database)
        try:
            # The installer and someone else (bolt also looks for their own install).
            for n, person in enumerate([ALICE, BOB] * 4, start=1):
                assert (await people.command(person, "help", channel=CHANNEL))[0] == 200
                await fake.wait_for(helped(fake, n), what=f"help #{n}")
            auth_tests = len(fake.method_calls("auth.test")) - auth_tests_before
            assert auth_tests == 1
            # The installation, Bob's (none), the bot (for posting): each read once.
            assert reads.count <= 4, reads.count
            first_reads = reads.count

            # After the cache's time, the install is read afresh (another replica may have
            # changed it), but the token's `auth.test` answer still holds.
            world.clock.now += READ_CACHE_SECONDS + 1
            assert (await people.command(ALICE, "help", channel=CHANNEL))[0] == 200
            await fake.wait_for(helped(fake, 9), what="help #9")
            assert reads.count > first_reads
            assert len(fake.method_calls("auth.test")) - auth_tests_before == 1
        finally:
            reads.close()


async def test_an_uninstalled_workspace_is_not_authorised_from_the_cache(
    database: Database, tmp_path: Path
) -> None:
    async with oauth_world(database, tmp_path) as world:
        await install(world)
        people = SlackPeople(f"{world.base}/slack/events", SIGNING_SECRET, world.session)
        fake = world.fake
        assert (await people.command(ALICE, "help", channel=CHANNEL))[0] == 200
        await fake.wait_for(lambda: fake.method_calls("chat.postEphemeral"), what="help")

        await uninstall(world, people)  # no time passes on the cache's clock
        status, body = await people.event(
            {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home"}
        )
        # Bolt refuses the request itself (its "please install" answer) instead of handing it
        # to the listeners with a token from the cache.
        assert status == 200 and "install" in body.lower(), body
        assert await world.store.async_find_installation(enterprise_id=None, team_id=TEAM) is None
        assert await world.store.async_find_bot(enterprise_id=None, team_id=TEAM) is None
