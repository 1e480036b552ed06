"""The weekly digest's "sent exactly once per partnership and period" ledger.

Whoever inserts the (partnership, period) row owns that digest: a second replica, a restart
or a retried job finds the row and stands down. The insert runs in a SAVEPOINT, so losing the
race leaves the caller's transaction usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestSentRow
from storage.repositories._sql import insert_if_absent, rowcount


class DigestRepository:
    """Claims and records digests; one instance per unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        partnership_id: int,
        period: str,
        now: datetime,
        *,
        stale_after: timedelta | None = None,
    ) -> bool:
        """Claim the digest of `period` (e.g. "2026-W48"); False if someone already has.

        With `stale_after`, a claim that was never marked sent and is older than that is taken
        over (its sender presumably crashed before posting), so a digest is not lost for good;
        leave it None for strict at-most-once.
        """
        inserted = await insert_if_absent(
            self._session,
            insert(DigestSentRow).values(
                partnership_id=partnership_id,
                period=period,
                claimed_at=now,
                sent_at=None,
                message_ids=[],
            ),
        )
        if inserted is not None:
            return True
        if stale_after is None:
            return False
        # Conditional UPDATE: of two replicas taking over at once, only one matches the row.
        taken = await rowcount(
            self._session,
            update(DigestSentRow)
            .where(
                DigestSentRow.partnership_id == partnership_id,
                DigestSentRow.period == period,
                DigestSentRow.sent_at.is_(None),
                DigestSentRow.claimed_at <= now - stale_after,
            )
            .values(claimed_at=now),
        )
        return taken == 1

    async def mark_sent(
        self, partnership_id: int, period: str, message_ids: Sequence[str], now: datetime
    ) -> None:
        """Record that the digest went out, with the platform message ids it was posted as.

        If the period was somehow never claimed, the row is created: once messages have been
        posted, recording that fact beats refusing to.
        """
        values = {"sent_at": now, "message_ids": list(message_ids)}
        updated = await rowcount(
            self._session,
            update(DigestSentRow)
            .where(DigestSentRow.partnership_id == partnership_id, DigestSentRow.period == period)
            .values(**values),
        )
        if not updated:
            await self._session.execute(
                insert(DigestSentRow).values(
                    partnership_id=partnership_id, period=period, claimed_at=now, **values
                )
            )

    async def was_sent(self, partnership_id: int, period: str) -> bool:
        """True once `mark_sent` has recorded the period's digest (a bare claim is not sent)."""
        sent_at = await self._session.scalar(
            select(DigestSentRow.sent_at).where(
                DigestSentRow.partnership_id == partnership_id, DigestSentRow.period == period
            )
        )
        return sent_at is not None
