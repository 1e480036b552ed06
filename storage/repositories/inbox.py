"""The inbox and the outbox: work a platform was told is done, kept until it is.

Inbox: a request acknowledged before it is handled is recorded first (`put`, beside its
idempotency key) and deleted by the transaction that handles it (`take`). Outbox: a round's
change and "its messages are still to go out" commit together (`OutboxRepository.add`); the
row goes once they have (`done`). Rows carry a lease (`claimed_by`, `claimed_until`): the
process working on one renews it; a row whose lease ran out belongs to a process that died,
and `claim_due` hands it to exactly one other.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Executable, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.stored import PendingDelivery, PendingRequest
from storage.models import InboxRow, OutboxRow, ProcessedRequestRow
from storage.repositories._sql import insert_unless_present, rowcount

_INBOX: Final = cast(Table, InboxRow.__table__)
_OUTBOX: Final = cast(Table, OutboxRow.__table__)
_PROCESSED: Final = cast(Table, ProcessedRequestRow.__table__)


def _put_new() -> Executable:
    """PostgreSQL: the key (unless present) and, only if it went in, the row, as one
    `WITH fresh AS (INSERT ... ON CONFLICT DO NOTHING RETURNING key) INSERT ... SELECT`."""
    fresh = (
        postgresql.insert(_PROCESSED)
        .values(key=bindparam("request_key"), first_seen_at=bindparam("day"))
        .on_conflict_do_nothing()
        .returning(_PROCESSED.c.key)
        .cte("fresh")
    )
    columns = ("kind", "request", "received_at", "claimed_by", "claimed_until")
    values = [bindparam(name, type_=_INBOX.c[name].type) for name in columns]
    return insert(_INBOX).from_select(["request_key", *columns], select(fresh.c.key, *values))


# Built once: they run on every deferred request (Core, on the session's connection).
_PUT: Final = insert(_INBOX)
_TAKE: Final = delete(_INBOX).where(_INBOX.c.request_key == bindparam("key"))
_DROP: Final = delete(_INBOX).where(_INBOX.c.request_key.in_(bindparam("keys", expanding=True)))
_PUT_NEW: Final = _put_new()
_OWE: Final = insert(_OUTBOX).returning(_OUTBOX.c.id)
_DONE: Final = delete(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))


def _inbox_row(
    key: str, kind: str, request: dict[str, Any], now: datetime, by: str, until: datetime
) -> dict[str, Any]:
    return {
        "request_key": key,
        "kind": kind,
        "request": request,
        "received_at": now,
        "claimed_by": by,
        "claimed_until": until,
    }


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(
        self,
        key: str,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> None:
        """Record an acknowledged request, leased to `by` until `until`."""
        connection = await self._session.connection()
        await connection.execute(_PUT, _inbox_row(key, kind, request, now, by, until))

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
    ) -> bool:
        """Record the request's key (first seen on `day`) and its row unless the key was
        seen: on PostgreSQL one statement, a round trip and an execution fewer on every
        acknowledgement (docs/benchmarks.md); elsewhere the key, then the row."""
        connection = await self._session.connection()
        row = _inbox_row(key, kind, request, now, by, until)
        if connection.dialect.name == "postgresql":
            return (await connection.execute(_PUT_NEW, {**row, "day": day})).rowcount == 1
        if not await insert_unless_present(
            self._session, _PROCESSED, {"key": key, "first_seen_at": day}
        ):
            return False
        await connection.execute(_PUT, row)
        return True

    async def take(self, key: str) -> bool:
        """Delete the request's row; True if it was there (this transaction handles it)."""
        connection = await self._session.connection()
        return (await connection.execute(_TAKE, {"key": key})).rowcount == 1

    async def drop(self, keys: Collection[str]) -> int:
        """Delete the rows of requests already handled; how many were still there."""
        connection = await self._session.connection()
        return (await connection.execute(_DROP, {"keys": list(keys)})).rowcount

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingRequest]:
        """Lease to `by` the requests whose lease ran out (their process died), oldest first;
        a row another process claims at the same moment is left to it."""
        connection = await self._session.connection()
        due = (
            (
                await connection.execute(
                    select(_INBOX.c.request_key)
                    .where(_INBOX.c.claimed_until < now)
                    .order_by(_INBOX.c.received_at)
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
        claimed: list[PendingRequest] = []
        for key in due:
            row = (
                await connection.execute(
                    update(_INBOX)
                    .where(_INBOX.c.request_key == key, _INBOX.c.claimed_until < now)
                    .values(claimed_by=by, claimed_until=until)
                    .returning(_INBOX.c.request_key, _INBOX.c.kind, _INBOX.c.request)
                )
            ).first()
            if row is not None:
                claimed.append(PendingRequest(row.request_key, row.kind, dict(row.request)))
        return claimed

    async def renew(self, *, by: str, until: datetime) -> int:
        """Extend the lease on every row `by` holds (it is still working on them)."""
        return await rowcount(
            self._session,
            update(InboxRow).where(InboxRow.claimed_by == by).values(claimed_until=until),
        )

    async def count(self) -> int:
        connection = await self._session.connection()
        return len((await connection.execute(select(_INBOX.c.request_key))).all())


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, round_id: str, now: datetime, *, by: str, until: datetime) -> int:
        """Note, in the round's own transaction, that its messages are still to go out."""
        connection = await self._session.connection()
        values = {"round_id": round_id, "created_at": now, "claimed_by": by, "claimed_until": until}
        return int((await connection.execute(_OWE, values)).scalar_one())

    async def done(self, delivery_ids: Collection[int]) -> int:
        """The messages went out; how many of the rows were still there."""
        connection = await self._session.connection()
        return (await connection.execute(_DONE, {"ids": list(delivery_ids)})).rowcount

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingDelivery]:
        """Lease to `by` the deliveries whose lease ran out, oldest first."""
        connection = await self._session.connection()
        due = (
            (
                await connection.execute(
                    select(_OUTBOX.c.id)
                    .where(_OUTBOX.c.claimed_until < now)
                    .order_by(_OUTBOX.c.id)
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
        claimed: list[PendingDelivery] = []
        for delivery_id in due:
            row = (
                await connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.id == delivery_id, _OUTBOX.c.claimed_until < now)
                    .values(claimed_by=by, claimed_until=until)
                    .returning(_OUTBOX.c.id, _OUTBOX.c.round_id)
                )
            ).first()
            if row is not None:
                claimed.append(PendingDelivery(row.id, row.round_id))
        return claimed

    async def renew(self, *, by: str, until: datetime) -> int:
        return await rowcount(
            self._session,
            update(OutboxRow).where(OutboxRow.claimed_by == by).values(claimed_until=until),
        )

    async def count(self) -> int:
        connection = await self._session.connection()
        return len((await connection.execute(select(_OUTBOX.c.id))).all())
