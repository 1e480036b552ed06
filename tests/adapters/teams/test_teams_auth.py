"""With authentication on, only activities carrying a valid Bot Framework token get in.

The test plays the Bot Framework's token service: it serves OpenID metadata and signing keys
(botbuilder is pointed at them with `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`) and signs RS256
tokens with its own key. botbuilder fetches keys with blocking `requests` calls from inside
the event loop, so the key server runs in a thread of its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import ClientSession, web
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams.server import teams_server
from bot.addresses import DatabaseAddressBook
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.web import build_web_app
from storage.database import Database
from storage.models import ProcessedRequestRow
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.harness import (
    ALICE,
    FAST_BACKOFF,
    People,
    TeamsWorld,
    teams_world,
)
from tests.app.harness import count_rows
from tests.conftest import _empty_all_tables

APP_ID = "6f1c2a52-0d3e-4c1b-9d57-3d1e1f0a9b11"
ISSUER = "https://api.botframework.com"
KEY_ID = "test-key-1"
OUTBOUND_TOKEN = "outbound-test-token"


@dataclass
class TokenService:
    url: str
    key: rsa.RSAPrivateKey

    def token(self, service_url: str, **changes: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
            **changes,
        }
        key = changes.pop("signing_key", None) or self.key
        claims.pop("signing_key", None)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.fixture(scope="module")
def token_service() -> Iterator[TokenService]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=KEY_ID, use="sig", endorsements=["msteams"])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            documents = {
                "/openid": {"issuer": ISSUER, "jwks_uri": f"{base}/keys"},
                "/keys": {"keys": [public]},
            }
            document = documents.get(self.path)
            self.send_response(200 if document else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(document or {}).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TokenService(f"http://127.0.0.1:{server.server_address[1]}", key)
    finally:
        server.shutdown()


class FixedCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
    """Outbound credentials with a token from nowhere (there is no Entra ID offline)."""

    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


class FixedCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> MicrosoftAppCredentials:
        return FixedCredentials(app_id, "unused", None, oauth_scope)


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    """Authentication does not depend on the database: these run on SQLite only."""
    database = Database.from_url(sqlite_url)
    await _empty_all_tables(database)
    try:
        yield database
    finally:
        await database.dispose()


async def _authenticated_world(
    database: Database, tmp_path: Path, token_service: TokenService, connector: FakeConnector
) -> Any:
    settings = Settings(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="secret", TEAMS_AUTH="on")
    server = teams_server(
        settings,
        DatabaseAddressBook(database),
        backoff=FAST_BACKOFF,
        credentials_factory=FixedCredentialsFactory(),
        botframework={
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{token_service.url}/openid",
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{token_service.url}/openid",
        },
    )
    assert server is not None
    token = token_service.token(connector.url)
    return teams_world(
        database,
        tmp_path,
        connector=connector,
        server=server,
        link=True,
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_valid_token_is_accepted_and_replies_carry_the_bots_token(
    sqlite_database: Database, tmp_path: Path, token_service: TokenService
) -> None:
    connector = await FakeConnector().start()
    try:
        async with await _authenticated_world(
            sqlite_database, tmp_path, token_service, connector
        ) as world:
            status, _ = await world.people.command(ALICE, "help")
            assert status == 201
            await world.idle()
            (reply,) = world.connector.to_chat(ALICE)
            assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"
    finally:
        await connector.stop()


@pytest.mark.parametrize(
    "problem",
    [
        "missing",
        "wrong audience",
        "wrong issuer",
        "expired",
        "other key",
        "unknown key",
        "other service",
    ],
)
async def test_a_request_without_a_valid_token_is_refused(
    sqlite_database: Database, tmp_path: Path, token_service: TokenService, problem: str
) -> None:
    connector = await FakeConnector().start()
    try:
        async with await _authenticated_world(
            sqlite_database, tmp_path, token_service, connector
        ) as world:
            world.connector.clear()
            before = await count_rows(world.database, ProcessedRequestRow)
            url = connector.url
            tokens = {
                "missing": None,
                "wrong audience": token_service.token(
                    url, aud="00000000-0000-0000-0000-000000000000"
                ),
                "wrong issuer": token_service.token(url, iss="https://login.evil.example"),
                "expired": token_service.token(url, exp=int(time.time()) - 3600, nbf=0, iat=0),
                "other key": token_service.token(
                    url, signing_key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
                ),
                "unknown key": jwt.encode(
                    {"iss": ISSUER, "aud": APP_ID, "serviceurl": url, "exp": int(time.time()) + 60},
                    token_service.key,
                    algorithm="RS256",
                    headers={"kid": "nobody-knows"},
                ),
                "other service": token_service.token("https://smba.evil.example/"),
            }
            token = tokens[problem]
            people = world.people
            people.headers = {"Authorization": f"Bearer {token}"} if token else {}
            status, body = await people.command(ALICE, "help")
            assert (status, body) == (401, {"error": "unauthorized"})
            await world.idle()
            assert world.connector.calls == []
            assert await count_rows(world.database, ProcessedRequestRow) == before
    finally:
        await connector.stop()


async def test_without_an_app_id_the_endpoint_is_not_served(
    sqlite_database: Database, tmp_path: Path
) -> None:
    assert (
        teams_server(
            Settings(TEAMS_APP_ID=None, TEAMS_AUTH="on"), DatabaseAddressBook(sqlite_database)
        )
        is None
    )
    wiring = bootstrap(Settings(), gateways={}, database=sqlite_database, secret=b"x" * 32)
    runner = web.AppRunner(
        build_web_app(wiring.app, [], maintenance=wiring.maintenance, tick_every=None)
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with ClientSession() as session:
            people = People(f"http://127.0.0.1:{port}/api/messages", "http://127.0.0.1:9", session)
            status, _ = await people.command(ALICE, "help")
            assert status == 404
    finally:
        await runner.cleanup()


async def test_turning_authentication_off_is_loud(
    sqlite_database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with teams_world(sqlite_database, tmp_path, link=False) as world:
        assert isinstance(world, TeamsWorld)
    warnings = [
        r for r in caplog.records if r.levelname == "WARNING" and "TEAMS_AUTH=off" in r.message
    ]
    assert warnings and "authentication is OFF" in warnings[0].message
