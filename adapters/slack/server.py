"""Slack plugged into `compact-bot serve`: bolt behind `POST /slack/events`, or Socket Mode;
verification is bolt's own and never off (docs/slack.md, "How it keeps Slack's rules"); OAuth
reads and `auth.test` answers are cached (docs/slack.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from adapters.slack.gateway import SlackGateway, Sleep
from adapters.slack.listeners import MAX_QUEUED_WORK, InFlight, add_listeners
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.pacing import ChannelPacer
from adapters.slack.translate import PLATFORM
from bot.inbound import Inbound

log = logging.getLogger("compact.slack")

EVENTS_PATH: Final = "/slack/events"
INSTALL_PATH: Final = "/slack/install"
REDIRECT_PATH: Final = "/slack/oauth_redirect"
SHUTDOWN_GRACE_SECONDS: Final = 10.0
# `auth.test` answers remembered by the authorize step (one per token; rotation adds more).
MAX_AUTHORIZED_TOKENS: Final = 10_000


@dataclass(frozen=True)
class SlackOAuth:
    """Multi-workspace install: the app's OAuth credentials and where installs are kept."""

    client_id: str
    client_secret: str
    installation_store: AsyncInstallationStore
    state_store: Any


class SlackServer:
    """The `PlatformServer` for Slack."""

    platform: Final = PLATFORM

    def __init__(
        self,
        *,
        api_url: str,
        signing_secret: str | None,
        bot_token: str | None = None,
        app_token: str | None = None,
        oauth: SlackOAuth | None = None,
        pacer: ChannelPacer | None = None,
        retry_sleep: Sleep = asyncio.sleep,
        max_queued_work: int = MAX_QUEUED_WORK,
    ) -> None:
        """`pacer` and `retry_sleep` wait between posts and out a 429's `Retry-After` (tests
        pass ones that count the waits instead of spending them)."""
        if bot_token is None and oauth is None:
            raise ValueError("Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and _SECRET")
        self._signing_secret = signing_secret
        self._bot_token = bot_token
        self._app_token = app_token
        self._oauth = oauth
        self._gateway = SlackGateway(
            api_url=api_url, token_for=self._token_for, pacer=pacer, retry_sleep=retry_sleep
        )
        self._bolt: AsyncApp | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._in_flight = InFlight(bound=max_queued_work)

    @property
    def gateway(self) -> SlackGateway:
        return self._gateway

    async def _token_for(self, team: str) -> str | None:
        """The workspace's bot token (the installation store caches its reads)."""
        if self._oauth is None:
            return self._bot_token
        bot = await self._oauth.installation_store.async_find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot is not None else None

    def bolt_app(self, compact: Inbound) -> AsyncApp:
        """The bolt app, its listeners handing every request to `compact`."""
        if self._bolt is not None:
            return self._bolt
        options: dict[str, Any] = {
            "client": self._gateway.base_client(self._bot_token),
            "process_before_response": False,
        }
        if self._oauth is not None:  # else the client's token is the one workspace's
            options["installation_store"] = self._oauth.installation_store
            options["authorize"] = _authorize(self._oauth, options["client"])
            options["oauth_settings"] = AsyncOAuthSettings(
                client_id=self._oauth.client_id,
                client_secret=self._oauth.client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=self._oauth.installation_store,
                state_store=self._oauth.state_store,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            )
        bolt = AsyncApp(signing_secret=self._signing_secret or "", **options)
        add_listeners(bolt, compact, self._gateway, self._in_flight)
        if self._oauth is not None:
            bolt.enable_token_revocation_listeners()
        else:
            _warn_on_uninstall(bolt)
        self._bolt = bolt
        return bolt

    def routes(self, app: Inbound) -> Sequence[web.RouteDef]:
        """`POST /slack/events` over HTTP (none in Socket Mode without a signing secret),
        and the OAuth install pages when installing into many workspaces."""
        bolt = self.bolt_app(app)
        routes: list[web.RouteDef] = []
        if self._signing_secret is not None:
            routes.append(web.post(EVENTS_PATH, self._dispatch(bolt, self._in_flight)))
        if self._oauth is not None and bolt.oauth_flow is not None:
            flow = bolt.oauth_flow

            async def install(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_installation(await to_bolt_request(request))
                )

            async def callback(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_callback(await to_bolt_request(request))
                )

            routes += [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, callback)]
        return routes

    @staticmethod
    def _dispatch(bolt: AsyncApp, in_flight: InFlight) -> Any:
        async def dispatch(request: web.Request) -> web.Response:
            if in_flight.full and request.content_type == "application/json":
                # An Events API request (commands and buttons are form-encoded, and told
                # "busy" privately by their listeners): Slack retries a 503 later.
                return web.Response(status=503, text="busy, try again later")
            return await to_aiohttp_response(
                await bolt.async_dispatch(await to_bolt_request(request))
            )

        return dispatch

    async def start(self, app: Inbound) -> None:
        if self._app_token is None:
            return
        self._socket = AsyncSocketModeHandler(self.bolt_app(app), self._app_token)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack: connected over Socket Mode")

    async def stop(self) -> None:
        """Give acknowledged work time to finish (an answer that was acknowledged must not be
        lost to a restart), then close Socket Mode. HTTP requests have stopped by now (aiohttp
        stops listening before its cleanup runs); the Socket Mode connection stays open while
        work drains, since a modal submission still owes its acknowledgement over it."""
        if not await self._in_flight.drained(within=SHUTDOWN_GRACE_SECONDS):
            log.warning("Slack: stopping with work still in flight")
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        await self._gateway.close()


class _BoundedResults(dict[str, AuthorizeResult]):
    """Bolt's `auth.test` cache, which never evicts: start afresh when it is full."""

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        if len(self) >= MAX_AUTHORIZED_TOKENS:
            self.clear()
        super().__setitem__(token, result)


def _authorize(oauth: SlackOAuth, client: Any) -> AsyncInstallationStoreAuthorize:
    """Bolt's installation-store authorize step, remembering `auth.test` per token (bolt
    builds it with the cache off): a token the store no longer returns is never looked up."""
    authorize = AsyncInstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.AsyncApp"),
        installation_store=oauth.installation_store,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        cache_enabled=True,
        client=client,
    )
    authorize.authorize_result_cache = _BoundedResults()
    return authorize


def _warn_on_uninstall(bolt: AsyncApp) -> None:
    """With a single `SLACK_BOT_TOKEN` there is no store to clean: say what happened."""

    async def uninstalled(body: dict[str, Any]) -> None:
        log.warning(
            "Slack workspace %s uninstalled the app or revoked its token: remove "
            "SLACK_BOT_TOKEN from the configuration (or reinstall and update it)",
            body.get("team_id"),
        )

    bolt.event("app_uninstalled")(uninstalled)
    bolt.event("tokens_revoked")(uninstalled)
