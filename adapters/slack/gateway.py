"""The Slack chat gateway: the application's `ChatGateway` port over slack_sdk's Web API.

Every call goes through one `AsyncWebClient` configuration: the Web API base URL
(`SLACK_API_URL`), one shared HTTP connection pool, and retry handlers for `429` (honouring
`Retry-After`), 5xx and dropped connections, which slack_sdk does not add by default. Posts are
paced per channel (`pacing.ChannelPacer`), so a burst waits instead of being refused.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.pacing import ChannelPacer
from bot.messages import Chart, Message
from bot.profiles import (
    FAILED,
    MISSING_SCOPE,
    RATE_LIMITED,
    Profile,
    ProfileCache,
    ProfileUnavailable,
)
from bot.views.chart_image import render_chart
from rituals.refs import ConversationRef, UserRef

log = logging.getLogger("compact.slack")

TokenFor = Callable[[str], Awaitable[str | None]]
"""The bot token for a workspace (team id); None when the app is not installed there."""
Sleep = Callable[[float], Awaitable[None]]

# Slack answers these when an ephemeral message cannot reach the person in that channel
# (not a member, an archived channel, a DM the bot is not in): a direct message still can.
EPHEMERAL_FALLBACK: Final = frozenset(
    {"user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived"}
)
RATE_LIMIT_RETRIES: Final = 10
MAX_CLIENTS: Final = 1000

# slack_sdk formats a debug line (the whole request and response) for every Web API call
# when its logger's own `level` is unset, since it tests `logger.level`, not whether DEBUG is
# enabled: its logger gets a level of its own (set this one to DEBUG to see those lines).
WEB_API_LOG: Final = logging.getLogger("compact.slack.web_api")
WEB_API_LOG.setLevel(logging.INFO)


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's `429` handler (waits `Retry-After` plus up to a second of jitter), with the
    wait itself injectable, so tests can count the waits instead of spending them."""

    def __init__(self, *, max_retry_count: int, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("a 429 retry with no response")
        state.next_attempt_requested = True
        value = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        if isinstance(value, list):
            value = value[0] if value else None
        seconds = int(value) if value else 1  # Slack always sends it; a second if not
        await self._sleep(seconds + random.random())  # noqa: S311 - jitter, not cryptography
        state.increment_current_attempt()


def retry_handlers(sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    """Retry what Slack asks us to retry: `429` after `Retry-After` (many times: a message
    must be delayed, not lost), 500/503 and dropped connections with backoff."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=3),
        RateLimitRetry(max_retry_count=RATE_LIMIT_RETRIES, sleep=sleep),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


class SlackNotInstalled(LookupError):
    """No bot token for a workspace (never installed, or uninstalled since)."""


class SlackGateway:
    """Posts, updates and private messages on Slack, for any installed workspace."""

    def __init__(
        self,
        *,
        api_url: str,
        token_for: TokenFor,
        pacer: ChannelPacer | None = None,
        retry_sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._api_url = api_url
        self._token_for = token_for
        self._pacer = pacer or ChannelPacer()
        self._retry_sleep = retry_sleep
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._profiles = ProfileCache()

    def base_client(self, token: str | None = None) -> AsyncWebClient:
        """A client with our base URL, retry handlers and shared connection pool (bolt copies
        these into the client it builds for each request)."""
        return AsyncWebClient(
            token=token,
            base_url=self._api_url,
            session=self._shared_session(),
            retry_handlers=retry_handlers(self._retry_sleep),
            logger=WEB_API_LOG,
        )

    def _shared_session(self) -> aiohttp.ClientSession | None:
        """One connection pool for every call; made lazily, inside the running loop."""
        try:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=200),
                    timeout=aiohttp.ClientTimeout(total=30),
                )
        except RuntimeError:  # no running loop yet (building the app): slack_sdk makes one
            return None
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def client_for(self, team: str) -> AsyncWebClient:
        token = await self._token_for(team)
        if not token:
            raise SlackNotInstalled(f"the app is not installed in Slack workspace {team}")
        client = self._clients.get(token)
        if client is None:
            if len(self._clients) >= MAX_CLIENTS:  # rotated tokens: start afresh now and then
                self._clients.clear()
            client = self.base_client(token)
            self._clients[token] = client
        return client

    # --- the ChatGateway port ---------------------------------------------------------------
    async def post(self, conversation: ConversationRef, message: Message) -> str:
        """Post (in the thread, if the conversation names one); a message beyond Slack's 50
        blocks goes out as several, and the first one's `ts` is its id."""
        client = await self.client_for(conversation.tenant)
        first_ts = ""
        for chunk in blocks.render_json(message):
            await self._pacer.wait_turn(conversation.tenant, conversation.channel)
            response = await client.chat_postMessage(
                channel=conversation.channel,
                thread_ts=conversation.thread,
                text=blocks.fallback_text(message),
                blocks=chunk,
                unfurl_links=False,
                unfurl_media=False,
            )
            first_ts = first_ts or str(response["ts"])
        for chart in (block for block in message.blocks if isinstance(block, Chart)):
            await self._upload_chart(client, conversation, chart)
        return first_ts

    async def _upload_chart(
        self, client: AsyncWebClient, conversation: ConversationRef, chart: Chart
    ) -> None:
        """The chart as a picture beside the message (its numbers are in the text already,
        so a failed upload is logged and the digest stands without it)."""
        try:
            png = await render_chart(chart)
            await client.files_upload_v2(
                channel=conversation.channel,
                thread_ts=conversation.thread,
                file=png,
                filename="compact-digest-chart.png",
                title=chart.title,
            )
        except Exception:
            log.exception("could not upload a chart to Slack")

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None:
        client = await self.client_for(conversation.tenant)
        await client.chat_update(
            channel=conversation.channel,
            ts=message_id,
            text=blocks.fallback_text(message),
            blocks=blocks.render_json(message)[0],
        )

    async def send_private(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        """Ephemeral beside the conversation when there is one, else (or if Slack cannot
        show it there) a direct message from the app."""
        client = await self.client_for(user.tenant)
        chunks = blocks.render_json(message)
        text = blocks.fallback_text(message)
        if near is not None and near.channel:
            try:
                for chunk in chunks:
                    await client.chat_postEphemeral(
                        channel=near.channel,
                        user=user.user_id,
                        thread_ts=near.thread,
                        text=text,
                        blocks=chunk,
                    )
                return
            except SlackApiError as problem:
                if _error(problem) not in EPHEMERAL_FALLBACK:
                    raise
        for chunk in chunks:
            await self._pacer.wait_turn(user.tenant, user.user_id)
            await client.chat_postMessage(channel=user.user_id, text=text, blocks=chunk)

    # --- the Profiles port ----------------------------------------------------------------
    async def profile(self, user: UserRef, near: ConversationRef) -> Profile:
        """`users.info` (Tier 4; a 429 waits out `Retry-After` in the client's retry
        handler), kept a while: the email needs `users:read` and `users:read.email`."""
        known = self._profiles.get(user)
        if known is not None:
            return known
        try:
            client = await self.client_for(user.tenant)
            answer = await client.users_info(user=user.user_id)
        except SlackApiError as problem:
            error = _error(problem)
            reason = {"missing_scope": MISSING_SCOPE, "ratelimited": RATE_LIMITED}.get(error)
            raise ProfileUnavailable(reason or FAILED) from None
        except SlackNotInstalled:
            raise ProfileUnavailable(FAILED) from None
        found = answer.get("user") or {}
        email = None if found.get("is_bot") else (found.get("profile") or {}).get("email")
        if not email and not _granted(answer.headers, "users:read.email"):
            raise ProfileUnavailable(MISSING_SCOPE)  # installed before the app asked for it
        profile = Profile(email or None, str(found.get("team_id") or user.tenant))
        self._profiles.put(user, profile)
        return profile

    # --- beyond the port: Slack-only surfaces ----------------------------------------------
    async def publish_home(self, team: str, user_id: str, message: Message) -> None:
        client = await self.client_for(team)
        await client.views_publish(user_id=user_id, view=home_view(message).to_dict())


def home_view(message: Message) -> View:
    """The App Home tab: the message's blocks, within a Home tab's 100."""
    home_blocks = [block for chunk in blocks.render(message) for block in chunk]
    return View(type="home", blocks=home_blocks[: blocks.BLOCKS_PER_VIEW])


def _granted(headers: Any, scope: str) -> bool:
    """Whether the token has `scope`, by the `X-OAuth-Scopes` header Slack answers with
    (assumed granted when the header is absent)."""
    granted = next(
        (v for k, v in dict(headers or {}).items() if k.lower() == "x-oauth-scopes"), None
    )
    if isinstance(granted, list):
        granted = ",".join(granted)
    return granted is None or scope in {part.strip() for part in str(granted).split(",")}


def _error(problem: SlackApiError) -> Any:
    try:
        return problem.response.get("error")
    except AttributeError:
        return None
