"""The bot's Bot Connector REST calls, on one aiohttp session with a reused token and back-off,
only to allowed service URLs (why, in docs/teams.md, "Inside adapters/teams")."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote

import aiohttp
from yarl import URL

from adapters.teams.boundaries import ServiceUrls

log = logging.getLogger("compact.teams")

RETRY_STATUSES: Final = frozenset({412, 429, 502, 504})
TOKEN_REUSE_SECONDS: Final = 600.0  # Bot Framework tokens last an hour; refresh well before
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=30)


class ConnectorError(Exception):
    """The Bot Connector refused a call (after any retries)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the Bot Connector answered {status}: {detail[:300]}")
        self.status = status


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off with jitter: pauses of `first`, 2×, 4× … up to `cap` seconds,
    each drawn between half and all of that (so replicas hit by one 429 do not retry in
    step), never shorter than the connector's `Retry-After`; `attempts` calls in all.
    `sleep` spends the pause (tests pass one that records it instead)."""

    first: float = 0.5
    cap: float = 30.0
    attempts: int = 10
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def pause(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.first * 2**attempt)
        jittered = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - not cryptographic
        return max(jittered, min(retry_after or 0.0, 2 * self.cap))


class TokenSource(Protocol):
    """The bot's own token for the Bot Connector (the SDK's MSAL auth, which caches it), or
    None when authentication is off."""

    async def __call__(self, *, force_refresh: bool = False) -> str | None: ...


async def no_token(*, force_refresh: bool = False) -> str | None:
    """`TEAMS_AUTH=off`: calls carry no Authorization header."""
    return None


class BotConnector:
    """The connector calls, each only to a service URL on the allow-list, with the bot's token
    (kept for `TOKEN_REUSE_SECONDS`, so a turn costs no token request)."""

    def __init__(
        self,
        token_source: TokenSource,
        allowed: ServiceUrls,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self._token_source = token_source
        self._allowed = allowed
        self._backoff = backoff or Backoff()
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    @property
    def allowed(self) -> ServiceUrls:
        return self._allowed

    # --- the REST API ---------------------------------------------------------------------
    async def send(
        self,
        service_url: str,
        conversation_id: str,
        activity: Mapping[str, Any],
        *,
        reply_to: str | None = None,
    ) -> str:
        """Post an activity (as a reply to `reply_to` if given); returns its id."""
        path = f"/v3/conversations/{_quote(conversation_id)}/activities"
        if reply_to is not None:
            path += f"/{_quote(reply_to)}"
        answer = await self._call("POST", service_url, path, activity)
        return str(answer.get("id") or "")

    async def update(
        self,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: Mapping[str, Any],
    ) -> None:
        path = f"/v3/conversations/{_quote(conversation_id)}/activities/{_quote(activity_id)}"
        await self._call("PUT", service_url, path, activity)

    async def create_conversation(self, service_url: str, parameters: Mapping[str, Any]) -> str:
        """Open (or find: Teams has one per person) a one-to-one chat; returns its id."""
        answer = await self._call("POST", service_url, "/v3/conversations", parameters)
        conversation_id = answer.get("id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise ConnectorError(200, "no conversation id in the answer")
        return conversation_id

    async def members_page(
        self, service_url: str, conversation_id: str, page_size: int, token: str | None
    ) -> dict[str, Any]:
        path = f"/v3/conversations/{_quote(conversation_id)}/pagedmembers?pageSize={page_size}"
        if token:
            path += f"&continuationToken={_quote(token)}"
        return await self._call("GET", service_url, path, None)

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any]:
        """One member of a conversation, with `email`, `userPrincipalName` and `tenantId`
        (Bot Connector: GET /v3/conversations/{id}/members/{userId})."""
        path = f"/v3/conversations/{_quote(conversation_id)}/members/{_quote(user_id)}"
        return await self._call("GET", service_url, path, None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self, method: str, service_url: str, path: str, body: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """One call, retried while Teams is throttling or briefly unavailable; never to a
        service URL off the allow-list (whatever the database says)."""
        self._allowed.check(service_url)
        url = URL(service_url.rstrip("/") + path, encoded=True)
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        for attempt in itertools.count():
            headers = {"Content-Type": "application/json; charset=utf-8"}
            token = await self._bearer(refresh=False)
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                async with self._http().request(method, url, data=data, headers=headers) as reply:
                    text = await reply.text()
                    if reply.status < 300:
                        answer = json.loads(text) if text.strip() else {}
                        return answer if isinstance(answer, dict) else {}
                    stale_token = reply.status == 401 and token is not None and attempt == 0
                    if stale_token:
                        await self._bearer(refresh=True)  # fetch a new one, once
                    retry = reply.status in RETRY_STATUSES or stale_token
                    if not retry or attempt + 1 >= self._backoff.attempts:
                        raise ConnectorError(reply.status, text)
                    pause = self._backoff.pause(attempt, _seconds(reply.headers.get("Retry-After")))
                    log.info("Teams answered %s; retrying in %.2f s", reply.status, pause)
            except (aiohttp.ClientConnectionError, TimeoutError) as problem:
                if attempt + 1 >= self._backoff.attempts:
                    raise ConnectorError(0, repr(problem)) from problem
                pause = self._backoff.pause(attempt)
                log.info(
                    "the Bot Connector did not answer (%r); retrying in %.2f s", problem, pause
                )
            await self._backoff.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _bearer(self, *, refresh: bool) -> str | None:
        """The bot's token for the Bot Connector (one for every service URL: its audience is
        the Bot Framework's), or None when authentication is off."""
        cached = self._token
        if not refresh and cached is not None and cached[1] > time.monotonic():
            return cached[0]
        async with self._lock:
            cached = self._token
            if not refresh and cached is not None and cached[1] > time.monotonic():
                return cached[0]
            token = await self._token_source(force_refresh=refresh)
            if token is None:
                return None
            self._token = (token, time.monotonic() + TOKEN_REUSE_SECONDS)
            return token

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=REQUEST_TIMEOUT,
                connector=aiohttp.TCPConnector(limit=100, limit_per_host=50),
            )
        return self._session


def _quote(part: str) -> str:
    """Path segments as the Bot Connector expects them (`:` and `;` in ids encoded)."""
    return quote(part, safe="")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
