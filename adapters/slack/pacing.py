"""Posting at Slack's pace: about one message a second per channel, short bursts allowed.

slack_sdk retries a `429` (with `AsyncRateLimitErrorRetryHandler`) but does not keep a
process from causing one: a round's header, prompt and summary, or a digest fan-out, would
otherwise hit the same channel faster than Slack allows. Every `chat.postMessage` waits its
turn here, per (workspace, channel), so messages are delayed, never dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

BURST: Final = 3
PER_SECOND: Final = 1.0


@dataclass
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock


class ChannelPacer:
    """A token bucket per channel: `BURST` messages at once, then `PER_SECOND`."""

    def __init__(
        self,
        *,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._burst = burst
        self._rate = per_second
        self._now = monotonic
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    async def wait_turn(self, team: str, channel: str) -> None:
        """Return when a message may be sent to `channel` (waiting if it had its burst)."""
        bucket = self._buckets.get((team, channel))
        if bucket is None:
            bucket = _Bucket(float(self._burst), self._now(), asyncio.Lock())
            self._buckets[(team, channel)] = bucket
        async with bucket.lock:
            self._refill(bucket)
            if bucket.tokens < 1:
                await self._sleep((1 - bucket.tokens) / self._rate)
                self._refill(bucket)
            bucket.tokens -= 1
        self._forget_idle()

    def _refill(self, bucket: _Bucket) -> None:
        now = self._now()
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now

    def _forget_idle(self) -> None:
        """Drop full, idle buckets now and then, so thousands of channels cost no memory."""
        if len(self._buckets) < 10_000:
            return
        now = self._now()
        full_after = self._burst / self._rate
        for key, bucket in list(self._buckets.items()):
            if not bucket.lock.locked() and now - bucket.updated > full_after:
                del self._buckets[key]
