"""The audit trail: facilitator and operator actions, written in the action's own
transaction, read by `compact-bot audit`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.audit import FORMER_PARTICIPANT, AuditAction, AuditEntry
from storage.models import AuditEntryRow
from storage.repositories._sql import rowcount


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        await self._session.execute(
            insert(AuditEntryRow).values(
                partnership_slug=entry.partnership_slug,
                at=entry.at,
                actor=entry.actor,
                actor_person_id=entry.actor_person_id,
                action=entry.action.value,
                subject=entry.subject,
            )
        )

    async def entries(self, partnership_slug: str | None = None) -> list[AuditEntry]:
        """Oldest first; one partnership's (with the record of its deletion), or all."""
        if partnership_slug is None:
            return await self._select(true())
        return await self._select(AuditEntryRow.partnership_slug == partnership_slug)

    async def by_actor(self, person_id: int) -> list[AuditEntry]:
        """What one person did (their settings, links, call-out steps): for their export."""
        return await self._select(AuditEntryRow.actor_person_id == person_id)

    async def _select(self, where: ColumnElement[bool]) -> list[AuditEntry]:
        rows = await self._session.scalars(
            select(AuditEntryRow).where(where).order_by(AuditEntryRow.at, AuditEntryRow.id)
        )
        return [
            AuditEntry(
                at=row.at,
                partnership_slug=row.partnership_slug,
                actor=row.actor,
                action=AuditAction(row.action),
                subject=row.subject,
                actor_person_id=row.actor_person_id,
            )
            for row in rows
        ]

    async def erase_actor(self, person_id: int) -> int:
        """An erased person's actions stay on the record, by "a former participant"."""
        return await rowcount(
            self._session,
            update(AuditEntryRow)
            .where(AuditEntryRow.actor_person_id == person_id)
            .values(actor=FORMER_PARTICIPANT, actor_person_id=None),
        )

    async def delete_before(self, partnership_slug: str | None, moment: datetime) -> int:
        """One partnership's entries older than `moment`."""
        return await rowcount(
            self._session,
            delete(AuditEntryRow).where(
                AuditEntryRow.partnership_slug == partnership_slug, AuditEntryRow.at < moment
            ),
        )

    async def delete_orphans_before(self, kept_slugs: list[str], moment: datetime) -> int:
        """Entries of partnerships deleted since (or of none) older than `moment`."""
        orphan = AuditEntryRow.partnership_slug.is_(None) | AuditEntryRow.partnership_slug.not_in(
            kept_slugs
        )
        return await rowcount(
            self._session, delete(AuditEntryRow).where(orphan, AuditEntryRow.at < moment)
        )
