"""Review triggers: what is stored about the clauses proposed for review (`rituals.review`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.health import TriggerKind
from rituals.review import ReviewStatus, TriggerKey, TriggerState
from storage.models import ReviewTriggerRow
from storage.repositories._sql import insert_unless_present, rowcount


class ReviewTriggerRepository:
    """Implements `bot.repositories.ReviewTriggers` on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def states(self, partnership_id: int, span_label: str) -> dict[TriggerKey, TriggerState]:
        rows = await self._session.execute(
            select(ReviewTriggerRow).where(
                ReviewTriggerRow.partnership_id == partnership_id,
                ReviewTriggerRow.span_label == span_label,
            )
        )
        found = [_state(row) for (row,) in rows.all()]
        return {state.key: state for state in found}

    async def record(
        self, partnership_id: int, states: Sequence[TriggerState], now: datetime
    ) -> None:
        """Insert each state unless its row exists (no error on a race), then bring the row's
        status and wording version up to date; `reported_in` keeps its first value."""
        table = ReviewTriggerRow.__table__
        for state in states:
            key = (
                ReviewTriggerRow.partnership_id == partnership_id,
                ReviewTriggerRow.span_label == state.span_label,
                ReviewTriggerRow.clause_key == state.clause_id,
                ReviewTriggerRow.kind == state.kind.value,
            )
            inserted = await insert_unless_present(
                self._session,
                table,  # type: ignore[arg-type]
                {
                    "partnership_id": partnership_id,
                    "span_label": state.span_label,
                    "clause_key": state.clause_id,
                    "kind": state.kind.value,
                    "status": state.status.value,
                    "reported_in": state.reported_in,
                    "revised_in": state.revised_in,
                    "first_seen_at": now,
                    "updated_at": now,
                },
            )
            if not inserted:
                await rowcount(
                    self._session,
                    update(ReviewTriggerRow)
                    .where(*key)
                    .values(
                        status=state.status.value,
                        revised_in=state.revised_in,
                        reported_in=func.coalesce(ReviewTriggerRow.reported_in, state.reported_in),
                        updated_at=now,
                    ),
                )

    async def close_revised(
        self, partnership_id: int, clause_ids: Sequence[str], version: int, now: datetime
    ) -> int:
        if not clause_ids:
            return 0
        return await rowcount(
            self._session,
            update(ReviewTriggerRow)
            .where(
                ReviewTriggerRow.partnership_id == partnership_id,
                ReviewTriggerRow.clause_key.in_(list(clause_ids)),
                ReviewTriggerRow.status != ReviewStatus.REVISED.value,
            )
            .values(status=ReviewStatus.REVISED.value, revised_in=version, updated_at=now),
        )


def _state(row: ReviewTriggerRow) -> TriggerState:
    return TriggerState(
        clause_id=row.clause_key,
        kind=TriggerKind(row.kind),
        span_label=row.span_label,
        status=ReviewStatus(row.status),
        reported_in=row.reported_in,
        revised_in=row.revised_in,
    )
