"""The Teams boundaries an operator relies on: the bot's token goes only to allowed service
URLs, an unauthenticated endpoint only on loopback and never beside a real password, and a
failing turn says nothing in the chat."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientError, ClientSession

from adapters.teams.boundaries import ServiceUrlRefused, ServiceUrls
from adapters.teams.listener import TeamsListener
from bot.addresses import DatabaseAddressBook
from bot.messages import Message
from rituals.refs import ConversationRef
from storage.database import Database
from storage.models import PlatformAddressRow, ProcessedRequestRow
from tests.adapters.slack.test_serve_process import free_port
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.harness import ALICE, CHANNEL, TENANT, compact_with_teams_ids, teams_world
from tests.app.harness import count_rows


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/teams/",
        "https://smba.trafficmanager.net/amer/",
        "https://SMBA.trafficmanager.net/emea",
        "https://smba.infra.gcc.teams.microsoft.com/teams",
        "https://smba.infra.gov.teams.microsoft.us/teams",
        "https://smba.infra.dod.teams.microsoft.us/teams/",
    ],
)
def test_microsofts_bot_connectors_are_allowed_by_default(url: str) -> None:
    assert ServiceUrls().allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://smba.trafficmanager.net/teams/",  # the token would travel in clear
        "https://smba.trafficmanager.net.evil.example/teams/",
        "https://evil.example/smba.trafficmanager.net/",
        "https://smba.trafficmanager.net@evil.example/teams/",
        "https://user:pw@smba.trafficmanager.net/teams/",
        "https://smba.trafficmanager.net:8443/teams/",
        "https://127.0.0.1:8443/",
        "file:///etc/passwd",
        "",
        None,
        42,
    ],
)
def test_anything_else_is_refused_by_default(url: Any) -> None:
    allowed = ServiceUrls()
    assert not allowed.allows(url)
    with pytest.raises(ServiceUrlRefused):
        allowed.check(url)


def test_the_setting_replaces_the_default_list() -> None:
    allowed = ServiceUrls.from_setting("http://127.0.0.1:8123, https://bots.example.org/teams")
    assert allowed.allows("http://127.0.0.1:8123/")
    assert allowed.allows("https://bots.example.org/teams/amer/")
    assert not allowed.allows("http://127.0.0.1:8124/")  # another port: another service
    assert not allowed.allows("https://bots.example.org/teamsx/")  # prefix on a whole segment
    assert not allowed.allows("https://smba.trafficmanager.net/teams/")
    assert ServiceUrls.from_setting(" ").allows("https://smba.trafficmanager.net/teams/")


async def test_an_activity_naming_another_service_url_is_refused_and_nothing_goes_there(
    database: Database, tmp_path: Path
) -> None:
    """Authentication off (a local client): the activity names another loopback port as its
    serviceUrl. Nothing is sent there, nothing about it is stored."""
    elsewhere = await FakeConnector().start()
    try:
        async with teams_world(database, tmp_path, link=False) as world:
            activity = world.people.command_activity(ALICE, "help")
            activity["serviceUrl"] = elsewhere.url
            status, body = await world.people.post(activity)
            assert (status, body) == (403, {"error": "this serviceUrl is not allowed"})
            await world.idle()
            assert elsewhere.calls == [] and world.connector.calls == []
            assert await count_rows(world.database, ProcessedRequestRow) == 0
            assert await count_rows(world.database, PlatformAddressRow) == 0
    finally:
        await elsewhere.stop()


async def test_a_stored_address_off_the_allow_list_is_not_sent_to(
    database: Database, tmp_path: Path
) -> None:
    """The check is repeated when sending: an address stored earlier (before the allow-list,
    or written by hand) that names another service gets nothing, also after a restart."""
    elsewhere = await FakeConnector().start()
    connector = await FakeConnector().start()
    try:
        async with teams_world(database, tmp_path, connector=connector):
            pass  # alice links the channel: its address is stored
        addresses = DatabaseAddressBook(database)
        key = f"conversation:{CHANNEL}"
        stored = await addresses.recall("teams", key)
        assert stored is not None and stored["serviceUrl"] == connector.url
        await addresses.remember("teams", key, {**stored, "serviceUrl": elsewhere.url})
        async with teams_world(database, tmp_path, connector=connector, link=False) as world:
            place = ConversationRef("teams", TENANT, CHANNEL, None)
            with pytest.raises(ServiceUrlRefused):
                await world.server.gateway.post(place, Message("hello"))
            assert elsewhere.calls == [] and world.connector.calls == []
    finally:
        await connector.stop()
        await elsewhere.stop()


async def test_a_failing_turn_says_nothing_in_the_chat(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: TeamsListener, raw: Any) -> None:
        raise RuntimeError("boom: a detail nobody in the chat should read")

    async with teams_world(database, tmp_path) as world:
        monkeypatch.setattr(TeamsListener, "on_activity", broken)
        status, body = await world.people.command(ALICE, "help")
        assert (status, body) == (500, {"error": "the activity could not be handled"})
        await world.idle()
        assert world.connector.calls == []


def _environment(folder: Path, **values: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "COMPACT_", "DATABASE_"))
    }
    environment.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'served.sqlite3'}",
            "COMPACT_SECRET_KEY": "process-test-secret-key-long-enough",
            "COMPACT_FILE": str(compact_with_teams_ids(folder)),
            **values,
        }
    )
    return environment


async def _serve(folder: Path, env: dict[str, str], *arguments: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("compact-bot")),
        "serve",
        *arguments,
        env=env,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("values", "arguments", "says"),
    [
        ({"TEAMS_AUTH": "off", "TEAMS_APP_PASSWORD": "a-real-secret"}, (), "TEAMS_APP_PASSWORD"),
        ({"TEAMS_AUTH": "off"}, ("--host", "0.0.0.0"), "loopback"),
        (
            {
                "TEAMS_APP_ID": "app",
                "TEAMS_APP_PASSWORD": "pw",
                "TEAMS_TEST_SIGNING_KEYS_URL": "https://keys.example.org/keys",
            },
            ("--host", "127.0.0.1"),
            "TEAMS_TEST_SIGNING_KEYS_URL",
        ),
    ],
)
async def test_serve_refuses_unsafe_teams_settings_in_one_line(
    tmp_path: Path, values: dict[str, str], arguments: tuple[str, ...], says: str
) -> None:
    port = str(free_port())
    process = await _serve(tmp_path, _environment(tmp_path, **values), "--port", port, *arguments)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode not in (0, None)
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and says in lines[0], stderr.decode()
    assert "a-real-secret" not in stderr.decode() + stdout.decode()
    assert not (tmp_path / "served.sqlite3").exists()  # refused before touching anything


async def test_serve_without_teams_authentication_listens_on_loopback_only(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = _environment(tmp_path, TEAMS_AUTH="off")
    process = await _serve(tmp_path, env, "--port", str(port))
    try:
        async with ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                        if health.status == 200:
                            break
                except ClientError:
                    pass
                assert process.returncode is None, "serve stopped"
                await asyncio.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = await process.communicate()
    output = stderr.decode()
    assert f"http://127.0.0.1:{port}" in output and "0.0.0.0" not in output, output
    assert "TEAMS_AUTH=off" in output
