"""Idempotency: remember which inbound requests were already handled.

Slack retries an event (same `event_id`) when it did not get a 2xx within 3 seconds, people
double-click, Teams redelivers. Recording the key in the same transaction as the work means a
request counts as handled exactly when its effects were committed: if the use case fails and
rolls back, the key goes with it and the retry is processed normally.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, cast

from sqlalchemy import Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedRequestRow
from storage.repositories._sql import insert_unless_present, rowcount

_PROCESSED: Final = cast(Table, ProcessedRequestRow.__table__)
_DAY: Final = timedelta(days=1)


class RequestLog:
    """Keys of processed requests (Slack event_id, action id + message ts, Teams activity id),
    as the application gives them: keyed hashes, each with the day it was first seen
    (`bot/request_keys.py`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, key: str, now: datetime) -> bool:
        """True the first time `key` is seen (and records it); False for a repeat."""
        return await insert_unless_present(
            self._session, _PROCESSED, {"key": key, "first_seen_at": now}
        )

    async def restamp_since(self, since: datetime) -> int:
        """Rewrite, unchanged and in this transaction, the keys first seen on `since`'s day
        or later: on PostgreSQL they then carry this transaction's id, so the transaction
        that raised an anonymous call-out leaves no row behind (docs/privacy.md, "What
        ordering gives away"); how many."""
        return await rowcount(
            self._session,
            update(ProcessedRequestRow)
            .where(ProcessedRequestRow.first_seen_at >= since)
            .values(first_seen_at=ProcessedRequestRow.first_seen_at),
        )

    async def forget_before(self, moment: datetime) -> int:
        """Drop keys whose whole day was over by `moment` (each is stored with the start of
        its day, so one seen late that day lives on as long as platforms retry); how many."""
        return await rowcount(
            self._session,
            delete(ProcessedRequestRow).where(ProcessedRequestRow.first_seen_at <= moment - _DAY),
        )
