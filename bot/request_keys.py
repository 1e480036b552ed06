"""Idempotency keys: `request_key` makes them; `RequestLedger` is the one place that records
them: in the use case's own transaction (`first_time`), or with the inbox row of a request
handled after its acknowledgement (`accepted`) (docs/architecture.md, "Requests recorded
once").

A key names its request (a user id, a conversation id, a button's value), so what is stored
is a keyed hash of it, with the day only (docs/privacy.md, "Request keys"): a database dump
without `COMPACT_SECRET_KEY` cannot tell whose request it was, nor when within the day.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Platforms stop retrying within minutes (Slack: 5, Teams: about 15 s); a day is ample.
# Stored by the day, a key goes once its whole day is older than this: 24 to 48 hours on.
REQUEST_KEYS_KEPT: Final = timedelta(days=1)
_LABEL: Final = b"compact-rituals/request-keys/v1"


def request_key(platform: str, kind: str, *parts: str) -> str:
    """The idempotency key of a request of `kind` on `platform`, identified by `parts`."""
    return ":".join((platform, kind, *parts))


def day_of(moment: datetime) -> datetime:
    """The start (UTC) of the day `moment` falls in: the coarse time stored with a key."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class RequestLog(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool: ...

    async def forget_before(self, moment: datetime) -> int: ...


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

    async def put_new(
        self,
        key: str,
        day: datetime,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> bool: ...

    async def take(self, key: str) -> bool: ...


class RecordsRequests(Protocol):
    """A unit of work that keeps the log of handled requests and the inbox."""

    @property
    def requests(self) -> RequestLog: ...
    @property
    def inbox(self) -> PendingRequests: ...


class RequestLedger:
    """Records request keys as HMAC-SHA256 under a key derived from `COMPACT_SECRET_KEY`
    (HKDF, a label of its own): the same request always gives the same stored key, so a
    retry is still recognised, on every replica."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("COMPACT_SECRET_KEY must be at least 16 bytes long")
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            secret
        )

    def sealed(self, key: str) -> str:
        """What is stored for `key` (in `processed_requests` and the inbox)."""
        return hmac.new(self._key, key.encode("utf-8"), hashlib.sha256).hexdigest()

    async def first_time(self, uow: RecordsRequests, key: str, now: datetime) -> bool:
        """Record `key` in `uow`'s transaction; True when this transaction handles the
        request: its key is new, or it waits in the inbox (accepted before its
        acknowledgement), whose row goes with this transaction. False for a retry, a
        redelivery, a double-click."""
        sealed = self.sealed(key)
        # The inbox first: a request waiting there (most of those handled here: thread
        # replies, buttons) has its key recorded already, so taking its row is the one
        # statement it needs.
        if await uow.inbox.take(sealed):
            return True
        return await uow.requests.first_time(sealed, day_of(now))

    async def accepted(
        self,
        uow: RecordsRequests,
        key: str,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> bool:
        """Before a request is acknowledged and handled later: its key and its inbox row
        (leased to `by` until `until`) in one transaction; False for a repeat (nothing
        written)."""
        sealed = self.sealed(key)
        return await uow.inbox.put_new(sealed, day_of(now), kind, request, now, by=by, until=until)

    async def forget_old(self, uow: RecordsRequests, now: datetime) -> int:
        """Forget keys whose day is over by more than `REQUEST_KEYS_KEPT`; how many."""
        return await uow.requests.forget_before(now - REQUEST_KEYS_KEPT)
