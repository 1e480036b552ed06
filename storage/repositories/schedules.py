"""Digest schedules, one per partnership; a partnership without a row has the default."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.schedule import DigestSchedule
from storage.models import DigestScheduleRow
from storage.repositories._sql import insert_if_absent, rowcount


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, partnership_id: int) -> DigestSchedule:
        row = await self._session.get(DigestScheduleRow, partnership_id)
        return _schedule(row) if row is not None else DigestSchedule()

    async def all(self, partnership_ids: list[int]) -> dict[int, DigestSchedule]:
        """Every given partnership's schedule (defaults filled in), in one query."""
        rows = await self._session.scalars(
            select(DigestScheduleRow).where(DigestScheduleRow.partnership_id.in_(partnership_ids))
        )
        found = {row.partnership_id: _schedule(row) for row in rows}
        return {pid: found.get(pid, DigestSchedule()) for pid in partnership_ids}

    async def save(self, partnership_id: int, schedule: DigestSchedule, now: datetime) -> None:
        values = {
            "weekday": schedule.weekday,
            "at_time": f"{schedule.at:%H:%M}",
            "zone": schedule.zone,
            "enabled": schedule.enabled,
            "updated_at": now,
        }
        changed = await rowcount(
            self._session,
            update(DigestScheduleRow)
            .where(DigestScheduleRow.partnership_id == partnership_id)
            .values(**values),
        )
        if not changed:
            inserted = await insert_if_absent(
                self._session,
                insert(DigestScheduleRow).values(partnership_id=partnership_id, **values),
            )
            if inserted is None:  # saved by someone else a moment ago: last one wins
                await self.save(partnership_id, schedule, now)


def _schedule(row: DigestScheduleRow) -> DigestSchedule:
    hour, minute = (int(part) for part in row.at_time.split(":"))
    return DigestSchedule(row.weekday, time(hour, minute), row.zone, row.enabled)
