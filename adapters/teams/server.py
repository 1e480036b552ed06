"""`POST /api/messages`: botbuilder authenticates, malformed requests get 400/401/415 rather
than its 500s, never served unauthenticated by accident (docs/teams.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

import jwt
from aiohttp import web

from adapters.teams import translate
from adapters.teams.cards import DEFAULT_COMMAND_PREFIX, Renderer
from adapters.teams.connector import Backoff, BotConnector
from adapters.teams.gateway import TeamsGateway
from adapters.teams.listener import Answer, Background, TeamsListener
from adapters.teams.sdk import (
    Activity,
    AuthenticationConstants,
    CallerIdConstants,
    ClaimsIdentity,
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ServiceClientCredentialsFactory,
    TurnContext,
)
from bot.config import Settings
from bot.inbound import Inbound
from bot.ports import AddressBook, ChatGateway

log = logging.getLogger("compact.teams")

MESSAGES_PATH: Final = "/api/messages"
AUTH_OFF_WARNING: Final = (
    "!!! TEAMS_AUTH=off: Microsoft Teams authentication is OFF. /api/messages accepts "
    "activities from anyone, and the bot will post to whatever serviceUrl they name. "
    "Use this only on a laptop with a local test client, never where the port is reachable. !!!"
)

PUBLIC_CLOUD: Final = {
    "TO_CHANNEL_FROM_BOT_LOGIN_URL": AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    "OAUTH_URL": AuthenticationConstants.OAUTH_URL,
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": (
        AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
    ),
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": (
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    ),
    "CALLER_ID": CallerIdConstants.public_azure_channel,
}


class _Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's configuration-driven authentication, minus a per-turn cost: it builds a
    user-token client (for OAuth sign-in, which this bot does not use) on every activity,
    ~7 ms of msrest set-up each; one per app id serves every turn."""

    def __init__(self, config: object, **options: Any) -> None:
        super().__init__(config, **options)
        self._user_token_clients: dict[str, Any] = {}

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        app_id = str(
            claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
            or claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
            or ""
        )
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client


class BotFrameworkConfig:
    """The attribute bag botbuilder's `ConfigurationBotFrameworkAuthentication` reads."""

    def __init__(self, **values: str) -> None:
        for name, value in values.items():
            setattr(self, name, value)


class TeamsServer:
    """The Teams platform for `bot.web.build_web_app`: gateway, route and lifecycle."""

    platform = translate.TEAMS

    def __init__(
        self,
        *,
        config: BotFrameworkConfig,
        addresses: AddressBook,
        auth_off: bool,
        command_prefix: str = DEFAULT_COMMAND_PREFIX,
        backoff: Backoff | None = None,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
    ) -> None:
        self._auth_off = auth_off
        self._authentication = _Authentication(config, credentials_factory=credentials_factory)
        self._adapter = CloudAdapter(self._authentication)
        self._connector = BotConnector(
            self._authentication, getattr(config, "APP_ID", ""), backoff=backoff
        )
        self._renderer = Renderer(command_prefix)
        self._gateway = TeamsGateway(
            connector=self._connector, addresses=addresses, renderer=self._renderer
        )
        self._background = Background()
        self._listener: TeamsListener | None = None

    @property
    def gateway(self) -> ChatGateway:
        return self._gateway

    def routes(self, app: Inbound) -> Sequence[web.RouteDef]:
        self._listener = TeamsListener(app, self._gateway, self._renderer, self._background)
        return [web.post(MESSAGES_PATH, self._messages)]

    async def start(self, app: Inbound) -> None:
        if self._auth_off:
            log.warning(AUTH_OFF_WARNING)
        else:
            log.info("Microsoft Teams: serving %s", MESSAGES_PATH)

    async def stop(self) -> None:
        await self._background.close()
        await self._connector.close()

    async def idle(self) -> None:
        """Wait until every activity received so far has been handled (tests, benchmarks)."""
        await self._background.idle()

    async def _messages(self, request: web.Request) -> web.Response:
        listener = self._listener
        if listener is None:  # pragma: no cover - routes() always runs first
            raise web.HTTPServiceUnavailable()
        if request.content_type != "application/json":
            return _problem(415, "the body must be application/json")
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _problem(400, "the body is not an activity")
        try:
            activity = Activity().deserialize(body)
        except Exception:
            return _problem(400, "the body is not an activity")
        header = request.headers.get("Authorization", "")
        if not header and not self._auth_off:
            log.info("refused a Teams request: no Authorization header")
            return _problem(401, "unauthorized")
        try:
            authenticated = await self._authentication.authenticate_request(activity, header)
        except (PermissionError, jwt.PyJWTError) as refusal:
            log.info("refused a Teams request: %s", refusal)
            return _problem(401, "unauthorized")
        except Exception as refusal:
            # e.g. a token signed with a key the OpenID metadata does not list.
            log.warning("refused a Teams request: %r", refusal)
            return _problem(401, "unauthorized")
        try:
            translate.origin_of(body)
        except translate.Malformed as problem:
            return _problem(400, str(problem))
        # The turn's connector client is ours, one per service URL (see `BotConnector`).
        authenticated.connector_factory = self._connector

        answers: list[Answer] = []

        async def turn(_turn_context: TurnContext) -> None:
            answer = await listener.on_activity(body)
            answers.extend([answer] if answer is not None else [])

        try:
            invoke = await self._adapter.process_activity(authenticated, activity, turn)
        except Exception:
            log.exception("a Teams activity could not be handled")
            return _problem(500, "the activity could not be handled")
        if answers:
            return web.json_response(answers[0].body, status=answers[0].status)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def teams_server(
    settings: Settings,
    addresses: AddressBook,
    *,
    backoff: Backoff | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    botframework: Mapping[str, str] | None = None,
) -> TeamsServer | None:
    """The Teams platform when configured, else None (and `/api/messages` answers 404).

    `botframework` overrides botbuilder's configuration (e.g. tests point
    `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL` at their own signing keys).
    """
    auth_off = settings.teams_auth == "off"
    app_id = (settings.teams_app_id or "").strip()
    if not app_id and not auth_off:
        return None
    values: dict[str, Any] = {"APP_ID": "", "APP_PASSWORD": "", "APP_TYPE": "MultiTenant"}
    if not auth_off:
        password = settings.teams_app_password
        if password is None and credentials_factory is None:
            raise SystemExit(
                "TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not: set the client secret of "
                "the bot's Azure app registration (see docs/teams.md)."
            )
        tenant = (settings.teams_app_tenant_id or "").strip()
        values = {
            "APP_ID": app_id,
            "APP_PASSWORD": password.get_secret_value() if password is not None else "",
            "APP_TYPE": "SingleTenant" if tenant else "MultiTenant",
            "APP_TENANTID": tenant,
        }
    if botframework:
        # botbuilder treats any one of these as "configure everything yourself" and leaves
        # the rest empty (no issuer to accept): start from the public cloud's values.
        values.update(PUBLIC_CLOUD)
        values.update(botframework)
    return TeamsServer(
        config=BotFrameworkConfig(**values),
        addresses=addresses,
        auth_off=auth_off,
        backoff=backoff,
        credentials_factory=credentials_factory,
    )
