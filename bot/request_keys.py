"""Idempotency keys: `request_key` makes them; `record_first_time` records them in the use
case's own transaction, and `record_accepted` records a request handled after its
acknowledgement, with its inbox row (docs/architecture.md, "Requests recorded once")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, Protocol

# Platforms stop retrying within minutes (Slack: 5, Teams: about 15 s); a day is ample.
REQUEST_KEYS_KEPT: Final = timedelta(days=1)


def request_key(platform: str, kind: str, *parts: str) -> str:
    """The idempotency key of a request of `kind` on `platform`, identified by `parts`."""
    return ":".join((platform, kind, *parts))


class RequestLog(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool: ...


class PendingRequests(Protocol):
    async def put(
        self,
        key: str,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> None: ...

    async def take(self, key: str) -> bool: ...


class RecordsRequests(Protocol):
    """A unit of work that keeps the log of handled requests and the inbox."""

    @property
    def requests(self) -> RequestLog: ...
    @property
    def inbox(self) -> PendingRequests: ...


async def record_first_time(uow: RecordsRequests, key: str, now: datetime) -> bool:
    """Record `key` in `uow`'s transaction; True when this transaction handles the request:
    its key is new, or it waits in the inbox (accepted before its acknowledgement), whose row
    goes with this transaction. False for a retry, a redelivery, a double-click."""
    # The inbox first: a request waiting there (most of those handled here: thread replies,
    # buttons) has its key recorded already, so taking its row is the one statement it needs.
    if await uow.inbox.take(key):
        return True
    return await uow.requests.first_time(key, now)


async def record_accepted(
    uow: RecordsRequests,
    key: str,
    kind: str,
    request: dict[str, Any],
    now: datetime,
    *,
    by: str,
    until: datetime,
) -> bool:
    """Before a request is acknowledged and handled later: its key and its inbox row (leased
    to `by` until `until`) in one transaction; False for a repeat (nothing written)."""
    if not await uow.requests.first_time(key, now):
        return False
    await uow.inbox.put(key, kind, request, now, by=by, until=until)
    return True
