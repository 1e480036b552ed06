"""`POST /api/messages`: the Agents SDK validates the token, we add what it leaves out (issuer,
expiry without its leeway, the `serviceurl` claim, the service URL allow-list); malformed
requests get 400/401/403/415, never served unauthenticated by accident (docs/teams.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from aiohttp import web
from pydantic import ValidationError

from adapters.teams import translate
from adapters.teams.boundaries import (
    AUTH_OFF_REFUSAL,
    TEST_KEYS_NOT_LOOPBACK,
    ServiceUrls,
    is_loopback_url,
    teams_configured,
)
from adapters.teams.cards import DEFAULT_COMMAND_PREFIX, Renderer
from adapters.teams.connector import Backoff, BotConnector, TokenSource, no_token
from adapters.teams.gateway import TeamsGateway
from adapters.teams.listener import MAX_QUEUED_WORK, Answer, Background, TeamsListener
from adapters.teams.sdk import (
    BOT_FRAMEWORK_ISSUERS,
    Activity,
    ChannelClients,
    ClaimsIdentity,
    InboundTokens,
    SigningKeys,
    TurnContext,
    anonymous_identity,
    claims_identity,
    cloud_adapter,
    msal_token_source,
)
from bot.config import Settings
from bot.inbound import Inbound
from bot.ports import AddressBook, ChatGateway

log = logging.getLogger("compact.teams")

MESSAGES_PATH: Final = "/api/messages"
CLOCK_SKEW_SECONDS: Final = 60  # the SDK allows 300 s past a token's expiry; we allow this
AUTH_OFF_WARNING: Final = (
    "!!! TEAMS_AUTH=off: Microsoft Teams authentication is OFF. /api/messages accepts "
    "activities from anyone (they may still only name an allowed serviceUrl). "
    "Use this only on a laptop with a local test client, never where the port is reachable. !!!"
)
TEST_KEYS_WARNING: Final = (
    "!!! TEAMS_TEST_SIGNING_KEYS_URL=%s: Teams tokens are checked against THESE TEST KEYS, not "
    "Microsoft's. This is for tests only; unset it anywhere real. !!!"
)


class Unauthorized(Exception):
    """The request's token is missing or not acceptable (answered 401)."""


def check_claims(claims: Mapping[str, Any], service_url: object, now: float | None = None) -> None:
    """What the SDK's validator leaves out: the Bot Framework as issuer, expiry within a
    minute's skew rather than five, and the `serviceurl` claim naming this activity's."""
    if claims.get("iss") not in BOT_FRAMEWORK_ISSUERS:
        raise Unauthorized("the token's issuer is not the Bot Framework")
    expires = claims.get("exp")
    moment = time.time() if now is None else now
    if not isinstance(expires, int | float) or expires + CLOCK_SKEW_SECONDS < moment:
        raise Unauthorized("the token has expired")
    if claims.get("serviceurl") != service_url:
        raise Unauthorized("the token was issued for another service URL")


class TeamsServer:
    """The Teams platform for `bot.web.build_web_app`: gateway, route and lifecycle."""

    platform = translate.TEAMS

    def __init__(
        self,
        *,
        addresses: AddressBook,
        tokens: InboundTokens | None,
        token_source: TokenSource,
        allowed: ServiceUrls,
        command_prefix: str = DEFAULT_COMMAND_PREFIX,
        backoff: Backoff | None = None,
        warnings: Sequence[str] = (),
        max_queued_work: int = MAX_QUEUED_WORK,
    ) -> None:
        self._tokens = tokens  # None: TEAMS_AUTH=off
        self._allowed = allowed
        self._warnings = tuple(warnings)
        self._connector = BotConnector(token_source, allowed, backoff=backoff)
        self._adapter = cloud_adapter(ChannelClients(self._connector), _turn_failed)
        self._renderer = Renderer(command_prefix)
        self._gateway = TeamsGateway(
            connector=self._connector, addresses=addresses, renderer=self._renderer
        )
        self._background = Background(bound=max_queued_work)
        self._listener: TeamsListener | None = None

    @property
    def gateway(self) -> ChatGateway:
        return self._gateway

    def routes(self, app: Inbound) -> Sequence[web.RouteDef]:
        self._listener = TeamsListener(app, self._gateway, self._renderer, self._background)
        return [web.post(MESSAGES_PATH, self._messages)]

    async def start(self, app: Inbound) -> None:
        for warning in self._warnings:
            log.warning("%s", warning)
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
        if self._background.full:
            # Before any work (even the token's check): Teams retries a 503 later.
            return _problem(503, "busy, try again later")
        body = await _activity_json(request)
        if isinstance(body, web.Response):
            return body
        try:
            activity = Activity.model_validate(body)
        except ValidationError:
            return _problem(400, "the body is not an activity")
        try:
            identity = await self._authenticate(request, body.get("serviceUrl"))
        except Unauthorized as refusal:
            log.info("refused a Teams request: %s", refusal)
            return _problem(401, "unauthorized")
        try:
            translate.origin_of(body)
        except translate.Malformed as problem:
            return _problem(400, str(problem))
        if not self._allowed.allows(body.get("serviceUrl")):
            # Replying would hand the bot's token (or at least its words) to that host.
            log.warning("refused a Teams activity: its serviceUrl is not on the allow-list")
            return _problem(403, "this serviceUrl is not allowed")
        return await self._turn(listener, identity, activity, body)

    async def _turn(
        self,
        listener: TeamsListener,
        identity: ClaimsIdentity,
        activity: Activity,
        body: dict[str, Any],
    ) -> web.Response:
        answers: list[Answer] = []

        async def turn(_turn_context: TurnContext) -> None:
            answer = await listener.on_activity(body)
            answers.extend([answer] if answer is not None else [])

        try:
            invoke = await self._adapter.process_activity(identity, activity, turn)
        except Exception:
            log.exception("a Teams activity could not be handled")
            return _problem(500, "the activity could not be handled")
        if answers:
            return web.json_response(answers[0].body, status=answers[0].status)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    async def _authenticate(self, request: web.Request, service_url: object) -> ClaimsIdentity:
        if self._tokens is None:
            return anonymous_identity()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("no bearer token")
        try:
            claims = await self._tokens.claims(token)
        except Exception as problem:  # PyJWT's errors, ValueError, an unknown key…
            raise Unauthorized(f"the token is not valid ({type(problem).__name__})") from problem
        check_claims(claims, service_url)
        return claims_identity(claims, token)


async def _turn_failed(_context: TurnContext, error: Exception) -> None:
    """The adapter's turn-error handler: nothing is said in the chat (the SDK's default posts
    the exception there); the error goes on to `_turn`, which logs it and answers 500."""
    raise error


async def _activity_json(request: web.Request) -> dict[str, Any] | web.Response:
    if request.content_type != "application/json":
        return _problem(415, "the body must be application/json")
    try:
        body = await request.json()
    except ValueError:
        return _problem(400, "the body is not JSON")
    if not isinstance(body, dict):
        return _problem(400, "the body is not an activity")
    return body


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def teams_server(
    settings: Settings,
    addresses: AddressBook,
    *,
    backoff: Backoff | None = None,
    token_source: TokenSource | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TeamsServer | None:
    """The Teams platform when configured, else None (and `/api/messages` answers 404).

    `token_source` replaces the bot's MSAL token (tests: there is no Entra ID offline).
    """
    auth_off = settings.teams_auth == "off"
    app_id = (settings.teams_app_id or "").strip()
    if not teams_configured(app_id, auth_off=auth_off):
        return None
    try:
        allowed = ServiceUrls.from_setting(settings.teams_allowed_service_urls)
    except ValueError as problem:
        raise SystemExit(f"TEAMS_ALLOWED_SERVICE_URLS: {problem}") from problem
    keys_url = settings.teams_test_signing_keys_url or None
    if keys_url is not None and not is_loopback_url(keys_url):
        raise SystemExit(TEST_KEYS_NOT_LOOPBACK)
    warnings = [TEST_KEYS_WARNING % keys_url] if keys_url else []
    common: dict[str, Any] = {"addresses": addresses, "allowed": allowed, "backoff": backoff}
    common["max_queued_work"] = settings.max_queued_work
    if auth_off:
        if settings.teams_app_password is not None:
            raise SystemExit(AUTH_OFF_REFUSAL)
        return TeamsServer(
            tokens=None, token_source=no_token, warnings=[AUTH_OFF_WARNING], **common
        )
    password = settings.teams_app_password
    tenant = (settings.teams_app_tenant_id or "").strip() or None
    if token_source is None:
        if password is None:
            raise SystemExit(
                "TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not: set the client secret of "
                "the bot's Azure app registration (see docs/teams.md)."
            )
        token_source = msal_token_source(app_id, password.get_secret_value(), tenant)
    tokens = InboundTokens(app_id, tenant, SigningKeys(keys_url, clock))
    return TeamsServer(tokens=tokens, token_source=token_source, warnings=warnings, **common)
