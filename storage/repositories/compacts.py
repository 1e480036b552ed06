"""Compacts: partnerships, their versioned compact documents, clause rows and organisations.

Loading a compact file is idempotent: the same content (same `Compact.fingerprint()`) creates
nothing new, a changed content creates the next version with its own clause rows. Earlier
versions and their clause rows are never touched, which is what keeps old reflections and
call-outs pointing at the wording they were made against.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.compact import Compact
from rituals.errors import CompactLoadConflict, NotFound
from rituals.stored import StoredCompact
from storage.compact_document import compact_from_document, compact_to_document
from storage.models import ClauseRow, CompactVersionRow, OrganisationRow, PartnershipRow
from storage.repositories._sql import insert_if_absent
from storage.repositories.people import sync_known_people


class CompactRepository:
    """Reads and loads compact versions; one instance per unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(
        self, compact: Compact, *, source_text: str, now: datetime
    ) -> tuple[StoredCompact, bool]:
        """Store `compact` for its partnership; True when that made a new version.

        Also creates the partnership if it is new, and upserts its organisations (by key)
        and the people the file names (by handle) with their platform identities, so the
        rest of the application can find them. See `sync_known_people` for the rules.
        """
        document = compact_to_document(compact)  # raises before anything is written
        partnership_id = await self._partnership(compact, now)
        organisation_ids = await self._upsert_organisations(partnership_id, compact)
        await sync_known_people(
            self._session,
            partnership_id,
            compact.people,
            organisation_ids,
            now,
            compact.platforms,
        )

        fingerprint = compact.fingerprint()
        latest = await self._latest_row(partnership_id)
        if latest is not None and latest.fingerprint == fingerprint:
            return _stored(latest, compact.slug, compact), False

        version = 1 if latest is None else latest.version + 1
        result = await insert_if_absent(
            self._session,
            insert(CompactVersionRow)
            .values(
                partnership_id=partnership_id,
                version=version,
                fingerprint=fingerprint,
                document=document,
                source_text=source_text,
                loaded_at=now,
            )
            .returning(CompactVersionRow.id),
        )
        if result is None:
            # Another process stored this version number between our read and our insert.
            raced = await self._latest_row(partnership_id)
            if raced is not None and raced.fingerprint == fingerprint:
                return _stored(raced, compact.slug, compact), False
            raise CompactLoadConflict(
                f"another process loaded a different compact for '{compact.slug}' just now"
            )
        version_id = result.scalar_one()
        await self._session.execute(
            insert(ClauseRow),
            [
                {
                    "compact_version_id": version_id,
                    "clause_key": clause.id,
                    "theme_key": clause.theme_id,
                    "role_key": clause.role_id,
                    "text": clause.text,
                }
                for clause in compact.clauses
            ],
        )
        stored = StoredCompact(
            partnership_id=partnership_id,
            partnership_slug=compact.slug,
            version_id=version_id,
            version=version,
            compact=compact,
            loaded_at=now,
        )
        return stored, True

    async def latest(self, slug: str) -> StoredCompact | None:
        """The newest version of the partnership's compact, or None if it was never loaded."""
        return await self._newest(PartnershipRow.slug == slug)

    async def latest_for(self, partnership_id: int) -> StoredCompact | None:
        """Like `latest`, by partnership row id (e.g. the one a channel is bound to)."""
        return await self._newest(PartnershipRow.id == partnership_id)

    async def partnership_ids(self) -> list[int]:
        """Every partnership that has a compact, without reading the compacts (the
        scheduler asks every 30 s)."""
        rows = await self._session.scalars(
            select(CompactVersionRow.partnership_id)
            .distinct()
            .order_by(CompactVersionRow.partnership_id)
        )
        return list(rows)

    async def latest_all(self) -> list[StoredCompact]:
        """The newest version of every partnership's compact (e.g. to schedule digests)."""
        newest = (
            select(
                CompactVersionRow.partnership_id,
                func.max(CompactVersionRow.version).label("version"),
            )
            .group_by(CompactVersionRow.partnership_id)
            .subquery()
        )
        statement = (
            select(CompactVersionRow, PartnershipRow.slug)
            .join(PartnershipRow, PartnershipRow.id == CompactVersionRow.partnership_id)
            .join(
                newest,
                (newest.c.partnership_id == CompactVersionRow.partnership_id)
                & (newest.c.version == CompactVersionRow.version),
            )
            .order_by(PartnershipRow.slug)
        )
        rows = (await self._session.execute(statement)).all()
        return [_rebuilt(row, slug) for row, slug in rows]

    async def by_version_id(self, version_id: int) -> StoredCompact:
        """The compact version a round or call-out was made against; NotFound if unknown."""
        statement = (
            select(CompactVersionRow, PartnershipRow.slug)
            .join(PartnershipRow, PartnershipRow.id == CompactVersionRow.partnership_id)
            .where(CompactVersionRow.id == version_id)
        )
        found = (await self._session.execute(statement)).one_or_none()
        if found is None:
            raise NotFound(f"There is no stored compact version {version_id}.")
        return _rebuilt(found[0], found[1])

    async def versions(self, partnership_id: int) -> list[StoredCompact]:
        """Every version of the partnership's compact, oldest first (the dashboard's history)."""
        statement = (
            select(CompactVersionRow, PartnershipRow.slug)
            .join(PartnershipRow, PartnershipRow.id == CompactVersionRow.partnership_id)
            .where(CompactVersionRow.partnership_id == partnership_id)
            .order_by(CompactVersionRow.version)
        )
        return [_rebuilt(row, slug) for row, slug in (await self._session.execute(statement)).all()]

    async def clause_row_ids(self, version_id: int) -> dict[str, int]:
        """Clause id (e.g. `env-r1`) to the row id of its wording in that version."""
        statement = select(ClauseRow.clause_key, ClauseRow.id).where(
            ClauseRow.compact_version_id == version_id
        )
        return {key: row_id for key, row_id in (await self._session.execute(statement)).all()}

    async def partnership_id(self, slug: str) -> int | None:
        """The partnership's row id, or None if no compact was ever loaded for `slug`."""
        statement = select(PartnershipRow.id).where(PartnershipRow.slug == slug)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def _newest(self, which: ColumnElement[bool]) -> StoredCompact | None:
        statement = (
            select(CompactVersionRow, PartnershipRow.slug)
            .join(PartnershipRow, PartnershipRow.id == CompactVersionRow.partnership_id)
            .where(which)
            .order_by(CompactVersionRow.version.desc())
            .limit(1)
        )
        found = (await self._session.execute(statement)).one_or_none()
        return None if found is None else _rebuilt(found[0], found[1])

    async def _partnership(self, compact: Compact, now: datetime) -> int:
        row = await self._session.scalar(
            select(PartnershipRow).where(PartnershipRow.slug == compact.slug)
        )
        if row is not None:
            if row.name != compact.name:
                row.name = compact.name
            return row.id
        result = await insert_if_absent(
            self._session,
            insert(PartnershipRow)
            .values(slug=compact.slug, name=compact.name, created_at=now)
            .returning(PartnershipRow.id),
        )
        if result is not None:
            return int(result.scalar_one())
        # Created by another process a moment ago: use theirs.
        created = await self.partnership_id(compact.slug)
        assert created is not None
        return created

    async def _upsert_organisations(self, partnership_id: int, compact: Compact) -> dict[str, int]:
        rows = (
            await self._session.scalars(
                select(OrganisationRow).where(OrganisationRow.partnership_id == partnership_id)
            )
        ).all()
        by_key = {row.key: row for row in rows}
        for organisation in compact.organisations:
            row = by_key.get(organisation.id)
            if row is None:
                row = OrganisationRow(
                    partnership_id=partnership_id,
                    key=organisation.id,
                    name=organisation.name,
                    role_key=organisation.role_id,
                )
                self._session.add(row)
                by_key[organisation.id] = row
            else:
                row.name = organisation.name
                row.role_key = organisation.role_id
        await self._session.flush()
        return {key: row.id for key, row in by_key.items()}

    async def _latest_row(self, partnership_id: int) -> CompactVersionRow | None:
        statement = (
            select(CompactVersionRow)
            .where(CompactVersionRow.partnership_id == partnership_id)
            .order_by(CompactVersionRow.version.desc())
            .limit(1)
        )
        return await self._session.scalar(statement)


def _stored(row: CompactVersionRow, slug: str, compact: Compact) -> StoredCompact:
    return StoredCompact(
        partnership_id=row.partnership_id,
        partnership_slug=slug,
        version_id=row.id,
        version=row.version,
        compact=compact,
        loaded_at=row.loaded_at,
    )


def _rebuilt(row: CompactVersionRow, slug: str) -> StoredCompact:
    return _stored(row, slug, compact_from_document(row.document))
