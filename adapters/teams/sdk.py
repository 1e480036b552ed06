"""The one module that imports the Microsoft 365 Agents SDK (`microsoft_agents`).

It holds what the rest of `adapters/teams` needs from the SDK, behind small seams: token
validation (`InboundTokens`, with a signing-key cache), the bot's outbound token
(`msal_token_source`), and the SDK's `CloudAdapter` wired to our own connector
(`ChannelClients`), so no turn builds a client, a session or a token of its own. Everything
else works on plain Activity JSON; an import contract keeps it so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, NoReturn

from jwt import PyJWK, PyJWKClientError
from microsoft_agents.activity import (
    Activity,
    AttachmentData,
    ChannelAccount,
    ConversationParameters,
    ConversationResourceResponse,
    ConversationsResult,
    InvokeResponse,
    PagedMembersResult,
    ResourceResponse,
    SignInResource,
    TokenExchangeRequest,
    TokenOrSignInResourceResponse,
    TokenResponse,
    TokenStatus,
    Transcript,
)
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, TurnContext
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientManager,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase, UserTokenClientBase
from microsoft_agents.hosting.core.connector.agent_sign_in_base import AgentSignInBase
from microsoft_agents.hosting.core.connector.attachments_base import AttachmentsBase
from microsoft_agents.hosting.core.connector.conversations_base import ConversationsBase
from microsoft_agents.hosting.core.connector.user_token_base import UserTokenBase

from adapters.teams.connector import BotConnector, TokenSource

log = logging.getLogger("compact.teams")

__all__ = [
    "Activity",
    "ChannelClients",
    "ClaimsIdentity",
    "CloudAdapter",
    "InboundTokens",
    "InvokeResponse",
    "TurnContext",
    "anonymous_identity",
    "msal_token_source",
]

BOT_FRAMEWORK: Final = AuthenticationConstants.AGENTS_SDK_SCOPE  # https://api.botframework.com
BOT_FRAMEWORK_ISSUERS: Final = frozenset(
    {
        AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER,
        AuthenticationConstants.GOV_AGENTS_SDK_TOKEN_ISSUER,
    }
)
KEYS_KEPT_SECONDS: Final = 3600.0  # Microsoft publishes a new key well before signing with it
UNKNOWN_KEY_RETRY_SECONDS: Final = 60.0  # a key id nobody knows is looked up once a minute
UNKNOWN_KEYS_REMEMBERED: Final = 1000


# --- inbound: the Bot Framework's tokens ------------------------------------------------------
class SigningKeys(_JwkClientManager):
    """The SDK's key fetcher (PyJWKClient in a thread) behind a cache of its own: a known key
    costs no thread hop, and a token naming an unknown key id cannot make every request fetch
    the key set again. `keys_url` (tests only, loopback) replaces the URL the SDK derives from
    the token's issuer."""

    def __init__(
        self, keys_url: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._keys_url = keys_url
        self._clock = clock
        self._known: dict[tuple[str, str], tuple[PyJWK, float]] = {}
        self._unknown: dict[tuple[str, str], float] = {}
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        uri = self._keys_url or jwks_uri
        key_id = (uri, str(header.get(AuthenticationConstants.KEY_ID_HEADER, "")))
        known = self._cached(key_id)
        if known is not None:
            return known
        async with self._lock:  # one look-up at a time, and one per key id
            known = self._cached(key_id)
            if known is not None:
                return known
            if self._unknown.get(key_id, -UNKNOWN_KEY_RETRY_SECONDS) > self._clock():
                raise PyJWKClientError("unknown signing key (looked up a moment ago)")
            self.fetches += 1
            try:
                key = await super().get_signing_key(uri, header)
            except PyJWKClientError:
                if len(self._unknown) >= UNKNOWN_KEYS_REMEMBERED:
                    self._unknown.clear()
                self._unknown[key_id] = self._clock() + UNKNOWN_KEY_RETRY_SECONDS
                raise
            self._known[key_id] = (key, self._clock() + KEYS_KEPT_SECONDS)
            return key

    def _cached(self, key_id: tuple[str, str]) -> PyJWK | None:
        known = self._known.get(key_id)
        return known[0] if known is not None and known[1] > self._clock() else None


class InboundTokens:
    """The SDK's `JwtTokenValidator`: signature (Microsoft's published keys), audience (our
    app id) and expiry, with 300 s of leeway. The issuer and the `serviceurl` claim are not
    enforced by it: `adapters/teams/server.py` checks those on the claims returned."""

    def __init__(self, app_id: str, tenant_id: str | None, keys: SigningKeys) -> None:
        self._validator = JwtTokenValidator(
            AgentAuthConfiguration(client_id=app_id, tenant_id=tenant_id or "botframework.com")
        )
        self._validator._jwk_client_manager = keys  # instance attribute: ours, not shared

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; any exception means the token is not acceptable."""
        identity = await self._validator.validate_token(token)
        return dict(identity.claims)


def claims_identity(claims: dict[str, Any], token: str) -> ClaimsIdentity:
    return ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)


def anonymous_identity() -> ClaimsIdentity:
    """`TEAMS_AUTH=off`: the SDK's anonymous identity (no claims)."""
    return ClaimsIdentity({}, authentication_type="anonymous")


# --- outbound: the bot's own token ----------------------------------------------------------
def msal_token_source(app_id: str, password: str, tenant_id: str | None) -> TokenSource:
    """The bot's Bot Connector token from Entra ID through the SDK's `MsalAuth` (MSAL caches
    it; the request runs in a thread). Single-tenant bots ask their own tenant."""
    auth = MsalAuth(
        AgentAuthConfiguration(
            client_id=app_id,
            client_secret=password,
            tenant_id=tenant_id or "botframework.com",
        )
    )
    scopes = [f"{BOT_FRAMEWORK}/.default"]

    async def token(*, force_refresh: bool = False) -> str | None:
        return await auth.get_access_token(BOT_FRAMEWORK, scopes, force_refresh=force_refresh)

    return token


# --- the adapter's clients: ours ------------------------------------------------------------
def _unsupported(what: str) -> NoReturn:
    raise NotImplementedError(f"{what}: not used by this bot (see adapters/teams/connector.py)")


class _Conversations(ConversationsBase):
    """The SDK's conversation operations over our `BotConnector` for one service URL; only
    what a turn could ask for is supported (the bot itself sends through the gateway)."""

    def __init__(self, connector: BotConnector, service_url: str) -> None:
        self._connector = connector
        self._service_url = service_url

    async def send_to_conversation(
        self, conversation_id: str, activity: Activity
    ) -> ResourceResponse:
        sent = await self._connector.send(self._service_url, conversation_id, _json(activity))
        return ResourceResponse(id=sent)

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Activity
    ) -> ResourceResponse:
        sent = await self._connector.send(
            self._service_url, conversation_id, _json(activity), reply_to=activity_id
        )
        return ResourceResponse(id=sent)

    async def update_activity(
        self, conversation_id: str, activity_id: str, activity: Activity
    ) -> ResourceResponse:
        await self._connector.update(
            self._service_url, conversation_id, activity_id, _json(activity)
        )
        return ResourceResponse(id=activity_id)

    async def create_conversation(
        self, parameters: ConversationParameters
    ) -> ConversationResourceResponse:
        body = parameters.model_dump(by_alias=True, exclude_none=True, mode="json")
        created = await self._connector.create_conversation(self._service_url, body)
        return ConversationResourceResponse(id=created, service_url=self._service_url)

    async def get_conversations(self, continuation_token: str | None = None) -> ConversationsResult:
        _unsupported("get_conversations")

    async def send_conversation_history(
        self, conversation_id: str, transcript: Transcript
    ) -> ResourceResponse:
        _unsupported("send_conversation_history")

    async def delete_activity(self, conversation_id: str, activity_id: str) -> None:
        _unsupported("delete_activity")

    async def get_conversation_members(self, conversation_id: str) -> list[ChannelAccount]:
        _unsupported("get_conversation_members")

    async def get_conversation_member(self, conversation_id: str, user_id: str) -> ChannelAccount:
        _unsupported("get_conversation_member")

    async def get_conversation_paged_members(
        self,
        conversation_id: str,
        page_size: int | None = None,
        continuation_token: str | None = None,
    ) -> PagedMembersResult:
        _unsupported("get_conversation_paged_members")

    async def delete_conversation_member(self, conversation_id: str, member_id: str) -> None:
        _unsupported("delete_conversation_member")

    async def get_activity_members(
        self, conversation_id: str, activity_id: str
    ) -> list[ChannelAccount]:
        _unsupported("get_activity_members")

    async def upload_attachment(
        self, conversation_id: str, attachment_upload: AttachmentData
    ) -> ResourceResponse:
        _unsupported("upload_attachment")


class _TurnConnector(ConnectorClientBase):
    """What the adapter gets for a turn: our connector for that service URL. The adapter
    closes it after every turn; ours lives as long as the server, so closing does nothing."""

    def __init__(self, connector: BotConnector, service_url: str) -> None:
        self._service_url = service_url
        self._conversations = _Conversations(connector, service_url)

    @property
    def base_uri(self) -> str:
        return self._service_url

    @property
    def attachments(self) -> AttachmentsBase:
        _unsupported("attachments")

    @property
    def conversations(self) -> ConversationsBase:
        return self._conversations

    async def close(self) -> None:
        return None


class _NoUserTokens(UserTokenClientBase):
    """The bot uses no OAuth sign-in: the adapter's per-turn user-token client is this
    placeholder instead of a new HTTP client and an MSAL token for every activity."""

    @property
    def agent_sign_in(self) -> AgentSignInBase:
        _unsupported("agent_sign_in")

    @property
    def user_token(self) -> UserTokenBase:
        _unsupported("user_token")

    async def get_user_token(
        self, user_id: str, connection_name: str, channel_id: str, magic_code: str | None = None
    ) -> TokenResponse:
        _unsupported("get_user_token")

    async def get_sign_in_resource(
        self, connection_name: str, activity: Activity, final_redirect: str | None = None
    ) -> SignInResource:
        _unsupported("get_sign_in_resource")

    async def sign_out_user(self, user_id: str, connection_name: str, channel_id: str) -> None:
        _unsupported("sign_out_user")

    async def get_token_status(
        self, user_id: str, channel_id: str, include: str | None = None
    ) -> list[TokenStatus]:
        _unsupported("get_token_status")

    async def get_aad_tokens(
        self, user_id: str, connection_name: str, resource_urls: list[str], channel_id: str
    ) -> dict[str, TokenResponse]:
        _unsupported("get_aad_tokens")

    async def exchange_token(
        self,
        user_id: str,
        connection_name: str,
        channel_id: str,
        exchange_request: TokenExchangeRequest,
    ) -> TokenResponse:
        _unsupported("exchange_token")

    async def get_token_or_sign_in_resource(
        self,
        connection_name: str,
        activity: Activity,
        code: str | None = None,
        final_redirect: str | None = None,
        fwd_url: str | None = None,
    ) -> TokenOrSignInResourceResponse:
        _unsupported("get_token_or_sign_in_resource")

    async def close(self) -> None:
        return None


class ChannelClients(ChannelServiceClientFactoryBase):
    """The adapter's client factory: our connector (one per service URL, on the allow-list)
    and the no-sign-in placeholder, made once and reused by every turn."""

    def __init__(self, connector: BotConnector) -> None:
        self._connector = connector
        self._clients: dict[str, _TurnConnector] = {}
        self._user_tokens = _NoUserTokens()

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        client = self._clients.get(service_url)
        if client is None:
            client = _TurnConnector(self._connector, self._connector.allowed.check(service_url))
            self._clients[service_url] = client
        return client

    async def create_user_token_client(
        self,
        context: TurnContext,
        claims_identity: ClaimsIdentity,
        use_anonymous: bool = False,
    ) -> UserTokenClientBase:
        return self._user_tokens


def cloud_adapter(
    clients: ChannelClients,
    on_turn_error: Callable[[TurnContext, Exception], Awaitable[None]],
) -> CloudAdapter:
    """The SDK's adapter on our clients. Its default turn-error handler sends "Exception
    caught : …" into the chat; ours only logs."""
    adapter = CloudAdapter(channel_service_client_factory=clients)
    adapter.on_turn_error = on_turn_error
    return adapter


def _json(activity: Activity) -> dict[str, Any]:
    dumped: dict[str, Any] = activity.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return dumped
