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

    async def posted(self, partnership_id: int, period: str) -> list[str]:
        """Where the period's digest was already posted (`platform:channel:message id`), so
        a retry after a crash posts only to the channels it had not reached."""
        ids = await self._session.scalar(
            select(DigestSentRow.message_ids).where(
                DigestSentRow.partnership_id == partnership_id, DigestSentRow.period == period
            )
        )
        return list(ids or [])

    async def record_post(
        self, partnership_id: int, period: str, entry: str, now: datetime
    ) -> None:
        """Add one channel's message id to the claimed period (the claimant's alone)."""
        ids = await self.posted(partnership_id, period)
        await rowcount(
            self._session,
            update(DigestSentRow)
            .where(DigestSentRow.partnership_id == partnership_id, DigestSentRow.period == period)
            # Refreshing the claim tells a would-be taker-over that its sender is alive.
            .values(message_ids=[*ids, entry], claimed_at=now),
        )

    async def unsent(
        self, claimed_before: datetime, claimed_after: datetime
    ) -> list[tuple[int, str]]:
        """Claims never marked sent (their sender died between claiming and posting), claimed
        in `(claimed_after, claimed_before]`."""
        rows = await self._session.execute(
            select(DigestSentRow.partnership_id, DigestSentRow.period)
            .where(
                DigestSentRow.sent_at.is_(None),
                DigestSentRow.claimed_at <= claimed_before,
                DigestSentRow.claimed_at > claimed_after,
            )
            .order_by(DigestSentRow.claimed_at)
        )
        return [(pid, period) for pid, period in rows.all()]

    async def sent_periods(self, partnership_id: int) -> list[str]:
        """Periods whose digest went out, oldest first (to notice weeks that were missed)."""
        rows = await self._session.scalars(
            select(DigestSentRow.period)
            .where(
                DigestSentRow.partnership_id == partnership_id, DigestSentRow.sent_at.is_not(None)
            )
            .order_by(DigestSentRow.period)
        )
        return list(rows)

    async def claimed_among(self, wanted: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of the (partnership, period) pairs already have a claim, in one query."""
        if not wanted:
            return set()
        rows = await self._session.execute(
            select(DigestSentRow.partnership_id, DigestSentRow.period).where(
                DigestSentRow.partnership_id.in_({pid for pid, _ in wanted}),
                DigestSentRow.period.in_({label for _, label in wanted}),
            )
        )
        found = {(pid, label) for pid, label in rows.all()}
        return found & set(wanted)
