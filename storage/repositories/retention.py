"""Retention: what is erased once its time is up (docs/privacy.md, "Your rights"). Each
method is one statement (a DELETE, or an UPDATE that blanks texts), so a run costs the same
however much there is to erase."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.callout import CalloutStatus
from rituals.round.state import RoundStatus
from storage.models import CalloutRow, RoundRow
from storage.repositories._sql import rowcount

FINAL_STATUSES = (CalloutStatus.RESOLVED.value, CalloutStatus.WITHDRAWN.value)


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def erase_withdrawn_texts(self, withdrawn_before: datetime) -> int:
        """Blank what the reporter wrote (what happened, what would help) on call-outs
        withdrawn before the moment, in every partnership; the learning notes stay."""
        return await rowcount(
            self._session,
            update(CalloutRow)
            .where(
                CalloutRow.status == CalloutStatus.WITHDRAWN.value,
                CalloutRow.updated_at < withdrawn_before,
                or_(CalloutRow.what_happened != "", CalloutRow.what_would_help != ""),
            )
            .values(what_happened="", what_would_help=""),
        )

    async def delete_finished_callouts(self, partnership_id: int, before: datetime) -> int:
        """Call-outs resolved or withdrawn before the moment, with their history."""
        return await rowcount(
            self._session,
            delete(CalloutRow).where(
                CalloutRow.partnership_id == partnership_id,
                CalloutRow.status.in_(FINAL_STATUSES),
                CalloutRow.updated_at < before,
            ),
        )

    async def delete_closed_rounds(self, partnership_id: int, before: datetime) -> int:
        """Rounds closed before the moment, with their reflections (the round's snapshot
        holds them too, so the round goes rather than the reflection rows alone)."""
        return await rowcount(
            self._session,
            delete(RoundRow).where(
                RoundRow.partnership_id == partnership_id,
                RoundRow.status == RoundStatus.CLOSED.value,
                RoundRow.closed_at < before,
            ),
        )
