"""The two-way thread's questions and replies, and the facilitators' daily summary ledger
(docs/privacy.md, "The two-way thread" and "The facilitators' daily summary")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.callout_thread import ThreadMessage, ThreadSide
from storage.models import CalloutMessageRow, FacilitatorSummaryRow
from storage.repositories._sql import insert_unless_present


class CalloutThreadRepository:
    """Every query is scoped to one partnership."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, partnership_id: int, message: ThreadMessage) -> None:
        await self._session.execute(
            insert(CalloutMessageRow).values(
                partnership_id=partnership_id,
                callout_id=message.callout_id,
                side=message.side.value,
                text=message.text,
                on_day=message.on_day,
                at=message.at,
            )
        )

    async def count_on(
        self, partnership_id: int, callout_id: str, side: ThreadSide, day: date
    ) -> int:
        """How many messages of `side` the call-out had on `day` (the daily limit)."""
        found = await self._session.scalar(
            select(func.count()).where(
                CalloutMessageRow.partnership_id == partnership_id,
                CalloutMessageRow.callout_id == callout_id,
                CalloutMessageRow.side == side.value,
                CalloutMessageRow.on_day == day,
            )
        )
        return int(found or 0)

    async def of_callouts(
        self, partnership_id: int, callout_ids: Sequence[str]
    ) -> dict[str, list[ThreadMessage]]:
        """Each call-out's thread, in the order it was written."""
        if not callout_ids:
            return {}
        rows = await self._session.scalars(
            select(CalloutMessageRow)
            .where(
                CalloutMessageRow.partnership_id == partnership_id,
                CalloutMessageRow.callout_id.in_(list(callout_ids)),
            )
            .order_by(CalloutMessageRow.id)
        )
        threads: defaultdict[str, list[ThreadMessage]] = defaultdict(list)
        for row in rows:
            threads[row.callout_id].append(_message(row))
        return dict(threads)

    async def replies_between(
        self, partnership_id: int, first_day: date, last_day: date
    ) -> list[ThreadMessage]:
        """Replies written on the days `first_day`..`last_day` (both included)."""
        rows = await self._session.scalars(
            select(CalloutMessageRow)
            .where(
                CalloutMessageRow.partnership_id == partnership_id,
                CalloutMessageRow.side == ThreadSide.REPLY.value,
                CalloutMessageRow.on_day >= first_day,
                CalloutMessageRow.on_day <= last_day,
            )
            .order_by(CalloutMessageRow.callout_id, CalloutMessageRow.id)
        )
        return [_message(row) for row in rows]


class FacilitatorSummaryRepository:
    """Which local days' summaries are claimed, so each goes out once across replicas."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, partnership_id: int, day: date, now: datetime) -> bool:
        """Claim the summary of `day`; False if someone already has."""
        values = {"partnership_id": partnership_id, "day": day, "claimed_at": now}
        table = FacilitatorSummaryRow.__table__
        return await insert_unless_present(self._session, table, values)  # type: ignore[arg-type]

    async def last_day(self, partnership_id: int) -> date | None:
        """The latest day whose summary was claimed."""
        found = await self._session.scalar(
            select(func.max(FacilitatorSummaryRow.day)).where(
                FacilitatorSummaryRow.partnership_id == partnership_id
            )
        )
        return found if isinstance(found, date) else None


def _message(row: CalloutMessageRow) -> ThreadMessage:
    return ThreadMessage(row.callout_id, ThreadSide(row.side), row.text, row.on_day, row.at)
