"""Read-only queries over stored reflections, for the weekly digest and `compact-bot export`.

Reflections are written by `RoundRepository.save` as part of their round; this module only
reads them, flattened. Each query is a fixed number of statements however many reflections
match (rows, then their clause links under the same filter), so an export of years of
history neither loops per row nor builds an IN list longer than a driver allows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.callout import CalloutStatus
from rituals.reflection import ReflectionRecord
from rituals.refs import UserRef
from storage.models import (
    CalloutRow,
    ClauseRow,
    CompactVersionRow,
    OrganisationRow,
    PartnershipRow,
    PersonRow,
    ReflectionClauseRow,
    ReflectionRow,
)


@dataclass(frozen=True, slots=True)
class ExportedReflection:
    """One reflection as `compact-bot export` writes it (one row of CSV, one JSON object)."""

    partnership_slug: str
    round_id: str
    compact_version: int
    submitted_at: datetime
    edited_at: datetime | None
    organisation_key: str | None
    author_name: str
    learned: str
    valued: str
    clause_ids: tuple[str, ...]


class ReflectionRepository:
    """Digest and export queries; every one is scoped to a partnership unless stated."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def records_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[ReflectionRecord]:
        """Reflections submitted in `[start, end)`, oldest first.

        `author_name` is the person's display name, or their platform user id when the
        person is not known to the partnership. The organisation is the one recorded with
        the reflection, else the one the person has said since.
        """
        return await self._records(
            (
                ReflectionRow.partnership_id == partnership_id,
                ReflectionRow.submitted_at >= start,
                ReflectionRow.submitted_at < end,
            )
        )

    async def latest_by(
        self, partnership_id: int, author: UserRef, limit: int = 10
    ) -> list[ReflectionRecord]:
        """One person's own newest reflections (their App Home), newest first."""
        records = await self._records(
            (
                ReflectionRow.partnership_id == partnership_id,
                ReflectionRow.author_platform == author.platform,
                ReflectionRow.author_tenant == author.tenant,
                ReflectionRow.author_user_id == author.user_id,
            ),
            newest_first=True,
            limit=limit,
        )
        return records

    async def _records(
        self,
        where: tuple[ColumnElement[bool], ...],
        *,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[ReflectionRecord]:
        order = (
            (ReflectionRow.submitted_at.desc(), ReflectionRow.id.desc())
            if newest_first
            else (ReflectionRow.submitted_at, ReflectionRow.id)
        )
        rows = await (await self._session.connection()).execute(
            select(
                ReflectionRow.id,
                ReflectionRow.round_id,
                func.coalesce(PersonRow.display_name, ReflectionRow.author_user_id),
                OrganisationRow.key,
                ReflectionRow.learned,
                ReflectionRow.valued,
                ReflectionRow.submitted_at,
            )
            .outerjoin(PersonRow, PersonRow.id == ReflectionRow.person_id)
            # Someone who said which organisation they represent only after answering still
            # answered for it: fall back to the person's organisation.
            .outerjoin(
                OrganisationRow,
                OrganisationRow.id
                == func.coalesce(ReflectionRow.organisation_id, PersonRow.organisation_id),
            )
            .where(*where)
            .order_by(*order)
            .limit(limit)
        )
        clauses = await clause_keys_by_reflection(self._session, *where)
        return [
            ReflectionRecord(
                round_id=round_id,
                author_name=author_name,
                organisation_id=organisation_key,
                learned=learned,
                valued=valued,
                clause_ids=clauses.get(reflection_id, ()),
                recorded_at=submitted_at,
            )
            for (
                reflection_id,
                round_id,
                author_name,
                organisation_key,
                learned,
                valued,
                submitted_at,
            ) in rows.all()
        ]

    async def clause_last_mentioned(
        self, partnership_id: int, *, before: datetime | None = None, include_callouts: bool = True
    ) -> dict[str, datetime]:
        """When each clause id was last cited: by a reflection, or a call-out not withdrawn.

        Keyed by clause id across all compact versions (a reworded clause is the same clause
        to the people living by it). `before` limits history, so a digest sent late can judge
        "quiet" clauses as of its period's end.
        """
        reflection_mentions = (
            select(ClauseRow.clause_key, func.max(ReflectionRow.submitted_at))
            .select_from(ReflectionClauseRow)
            .join(ClauseRow, ClauseRow.id == ReflectionClauseRow.clause_id)
            .join(ReflectionRow, ReflectionRow.id == ReflectionClauseRow.reflection_id)
            .where(ReflectionRow.partnership_id == partnership_id)
            .group_by(ClauseRow.clause_key)
        )
        if before is not None:
            reflection_mentions = reflection_mentions.where(ReflectionRow.submitted_at < before)
        latest: dict[str, datetime] = {}
        statements = [reflection_mentions]
        if include_callouts:
            callout_mentions = (
                select(ClauseRow.clause_key, func.max(CalloutRow.raised_at))
                .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
                .where(
                    CalloutRow.partnership_id == partnership_id,
                    CalloutRow.status != CalloutStatus.WITHDRAWN.value,
                )
                .group_by(ClauseRow.clause_key)
            )
            if before is not None:
                callout_mentions = callout_mentions.where(CalloutRow.raised_at < before)
            statements.append(callout_mentions)
        for statement in statements:
            for clause_key, moment in (
                await (await self._session.connection()).execute(statement)
            ).all():
                if clause_key not in latest or moment > latest[clause_key]:
                    latest[clause_key] = moment
        return latest

    async def export_rows(self, partnership_id: int | None) -> list[ExportedReflection]:
        """Every stored reflection of one partnership (None: of all), for evaluation."""
        where: tuple[ColumnElement[bool], ...] = (
            () if partnership_id is None else (ReflectionRow.partnership_id == partnership_id,)
        )
        rows = await self._session.execute(
            select(
                ReflectionRow.id,
                PartnershipRow.slug,
                ReflectionRow.round_id,
                CompactVersionRow.version,
                ReflectionRow.submitted_at,
                ReflectionRow.edited_at,
                OrganisationRow.key,
                func.coalesce(PersonRow.display_name, ReflectionRow.author_user_id),
                ReflectionRow.learned,
                ReflectionRow.valued,
            )
            .join(PartnershipRow, PartnershipRow.id == ReflectionRow.partnership_id)
            .join(CompactVersionRow, CompactVersionRow.id == ReflectionRow.compact_version_id)
            .outerjoin(PersonRow, PersonRow.id == ReflectionRow.person_id)
            .outerjoin(OrganisationRow, OrganisationRow.id == ReflectionRow.organisation_id)
            .where(*where)
            .order_by(PartnershipRow.slug, ReflectionRow.submitted_at, ReflectionRow.id)
        )
        clauses = await clause_keys_by_reflection(self._session, *where)
        return [
            ExportedReflection(
                partnership_slug=slug,
                round_id=round_id,
                compact_version=version,
                submitted_at=submitted_at,
                edited_at=edited_at,
                organisation_key=organisation_key,
                author_name=author_name,
                learned=learned,
                valued=valued,
                clause_ids=clauses.get(reflection_id, ()),
            )
            for (
                reflection_id,
                slug,
                round_id,
                version,
                submitted_at,
                edited_at,
                organisation_key,
                author_name,
                learned,
                valued,
            ) in rows.all()
        ]


async def clause_keys_by_reflection(
    session: AsyncSession, *where: ColumnElement[Any]
) -> dict[int, tuple[str, ...]]:
    """Clause ids of the reflections matching `where`, in the order each author gave them."""
    rows = await (await session.connection()).execute(
        select(ReflectionClauseRow.reflection_id, ClauseRow.clause_key)
        .join(ClauseRow, ClauseRow.id == ReflectionClauseRow.clause_id)
        .join(ReflectionRow, ReflectionRow.id == ReflectionClauseRow.reflection_id)
        .where(*where)
        .order_by(ReflectionClauseRow.reflection_id, ReflectionClauseRow.position)
    )
    keys: defaultdict[int, list[str]] = defaultdict(list)
    for reflection_id, clause_key in rows.all():
        keys[reflection_id].append(clause_key)
    return {reflection_id: tuple(found) for reflection_id, found in keys.items()}
