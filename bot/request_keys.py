"""Idempotency keys: `request_key` makes them, `record_first_time` records them in the use
case's own transaction (docs/architecture.md, "Requests recorded once")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, Protocol

# Platforms stop retrying within minutes (Slack: 5, Teams: about 15 s); a day is ample.
REQUEST_KEYS_KEPT: Final = timedelta(days=1)


def request_key(platform: str, kind: str, *parts: str) -> str:
    """The idempotency key of a request of `kind` on `platform`, identified by `parts`."""
    return ":".join((platform, kind, *parts))


class RequestLog(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool: ...


class RecordsRequests(Protocol):
    """A unit of work that keeps the log of handled requests."""

    @property
    def requests(self) -> RequestLog: ...


async def record_first_time(uow: RecordsRequests, key: str, now: datetime) -> bool:
    """Record `key` in `uow`'s transaction; False when it was recorded before (a retry, a
    redelivery, a double-click), so the request is applied once."""
    return await uow.requests.first_time(key, now)
