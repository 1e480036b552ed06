"""A per-person limit on commands and form submissions, per replica (a token bucket).

A facilitator driving a round quickly must never meet it: the defaults let 30 a minute and
bursts of 10 through. Buckets are kept in memory only, keyed by the person's platform
identity, and never logged; a replica restarting simply forgets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.ports import Clock
from rituals.refs import UserRef

DEFAULT_PER_MINUTE: Final = 30.0
DEFAULT_BURST: Final = 10
# Past this many people remembered, buckets that have filled up again are forgotten (a full
# bucket and no bucket allow the same).
PRUNE_ABOVE: Final = 10_000


@dataclass(frozen=True, slots=True)
class Rate:
    """Requests a minute a person may keep up, and how many may come at once."""

    per_minute: float = DEFAULT_PER_MINUTE
    burst: int = DEFAULT_BURST


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime


class PersonLimit:
    """`allow(person)`: True, taking one token, or False (nothing taken) when the person has
    used up their burst and the refill has not caught up."""

    def __init__(self, clock: Clock, rate: Rate = Rate()) -> None:
        if rate.per_minute <= 0 or rate.burst < 1:
            raise ValueError("a person's rate needs a positive rate and a burst of at least 1")
        self._clock = clock
        self._rate = rate
        self._buckets: dict[UserRef, _Bucket] = {}

    def allow(self, person: UserRef) -> bool:
        now = self._clock.now()
        bucket = self._buckets.get(person)
        tokens = self._refilled(bucket, now)
        if tokens < 1.0:
            if bucket is not None:
                bucket.tokens, bucket.at = tokens, now
            return False
        if bucket is None and len(self._buckets) >= PRUNE_ABOVE:
            self._prune(now)
        self._buckets[person] = _Bucket(tokens - 1.0, now)
        return True

    def _refilled(self, bucket: _Bucket | None, now: datetime) -> float:
        burst = float(self._rate.burst)
        if bucket is None:
            return burst
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        return min(burst, bucket.tokens + elapsed * self._rate.per_minute / 60.0)

    def _prune(self, now: datetime) -> None:
        full = [p for p, b in self._buckets.items() if self._refilled(b, now) >= self._rate.burst]
        for person in full:
            del self._buckets[person]
