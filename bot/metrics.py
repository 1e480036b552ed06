"""What `GET /metrics` reports (Prometheus text format), on a registry of this process's own.

The application owns it: requests are counted where the inbound port routes them
(`bot.app.CompactApp`), HTTP requests by one aiohttp middleware (`bot.web`), digests by
`bot.maintenance`. Call-outs are never counted by kind: with every other private request
they fall in one "private" bucket, so a scrape cannot time a call-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot import actions

PRIVATE: Final = "private"
CALLOUT_WORDS: Final = frozenset({"callout", "agenda", "discussed", "resolve", "withdraw", "mine"})
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"

__all__ = ["CONTENT_TYPE", "Metrics", "may_scrape", "request_kind"]


def request_kind(kind: str, name: str, *, private: bool = False) -> str:
    """The label a request is counted under: `command:reflect`, `action:round.pass`,
    `form:reflection`, `message`; anything about a call-out, or private, is "private".
    Callers pass only names the routing tables know (else "other"): labels stay bounded."""
    if private or name in CALLOUT_WORDS or name.startswith("callout"):
        return PRIVATE
    if name == actions.FORM_LEARNING_NOTE:
        return PRIVATE
    return f"{kind}:{name}" if name else kind


class Metrics:
    """The process's counters, gauges and histograms; `render()` is the scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._requests = Counter(
            "compact_requests",
            "Requests handled by the application, by platform, kind and outcome.",
            ["platform", "kind", "outcome"],
            registry=registry,
        )
        self._latency = Histogram(
            "compact_request_seconds",
            "Time the application took over a request, by platform and kind.",
            ["platform", "kind"],
            registry=registry,
        )
        self._http = Counter(
            "compact_http_requests",
            "HTTP requests served, by platform (or route) and status class.",
            ["platform", "outcome"],
            registry=registry,
        )
        self._http_latency = Histogram(
            "compact_http_request_seconds",
            "Time to answer an HTTP request, by platform (or route).",
            ["platform"],
            registry=registry,
        )
        self._digests = Counter(
            "compact_digests",
            "Digests by outcome: sent, failed, skipped.",
            ["outcome"],
            registry=registry,
        )
        self._rate_limited = Counter(
            "compact_rate_limit_retries",
            "Requests to a platform retried after it asked us to slow down (429, back-off).",
            ["platform"],
            registry=registry,
        )
        self.work_queued = Gauge(
            "compact_work_queued",
            "Acknowledged work not yet done: inbox and outbox rows (all replicas), and the "
            "requests this process is working on (in_process).",
            ["where"],
            registry=registry,
        )
        self.rounds_open = Gauge("compact_rounds_open", "Rounds not yet closed.", registry=registry)
        self.leader = Gauge(
            "compact_scheduler_leader",
            "1 while this process holds the digest scheduler's lease.",
            registry=registry,
        )
        self._in_process = self.work_queued.labels(where="in_process")
        for outcome in (SENT, FAILED, SKIPPED):
            self._digests.labels(outcome=outcome)

    @contextlib.contextmanager
    def request(self, platform: str, kind: str) -> Iterator[Callable[[str], None]]:
        """Time a request; the body may call the yielded function with its outcome (else
        "ok"; an exception leaving the block counts as "error")."""
        outcome = ["ok"]
        started = time.perf_counter()
        try:
            yield lambda value: outcome.__setitem__(0, value)
        except BaseException:
            outcome[0] = "error"
            raise
        finally:
            self._latency.labels(platform, kind).observe(time.perf_counter() - started)
            self._requests.labels(platform, kind, outcome[0]).inc()

    def http(self, platform: str, status: int, seconds: float) -> None:
        self._http.labels(platform, f"{status // 100}xx").inc()
        self._http_latency.labels(platform).observe(seconds)

    @contextlib.contextmanager
    def in_process(self) -> Iterator[None]:
        """Around acknowledged work this process is doing."""
        self._in_process.inc()
        try:
            yield
        finally:
            self._in_process.dec()

    def digest(self, outcome: str) -> None:
        self._digests.labels(outcome=outcome).inc()

    def rate_limited(self, platform: str) -> None:
        self._rate_limited.labels(platform=platform).inc()

    def counted_sleep(
        self, platform: str, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> Callable[[float], Awaitable[None]]:
        """A sleep for an adapter's rate-limit waits (Slack's 429 `Retry-After`, Teams'
        back-off) that counts each one: adapters report through the waits they are given,
        and never import this module."""

        async def counted(seconds: float) -> None:
            self.rate_limited(platform)
            await sleep(seconds)

        return counted

    def render(self) -> bytes:
        return generate_latest(self.registry)


def may_scrape(peer: str | None, authorization: str | None, token: str | None) -> bool:
    """Loopback may always scrape; anyone else only with `Authorization: Bearer <token>`,
    and nobody else at all while no token is set."""
    if peer is not None and _loopback(peer):
        return True
    if not token or authorization is None:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def _loopback(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False  # a Unix socket's peer, or nothing usable: not vouched for
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
