"""Read-only queries over stored reflections, for the weekly digest and `compact-bot export`.

Reflections are written by `RoundRepository.save` as part of their round; this module only
reads them, flattened. Each query is a fixed number of statements however many reflections
match (rows, then their clause links under the same filter), so an export of years of
history neither loops per row nor builds an IN list longer than a driver allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.callout import CalloutStatus
from rituals.reflection import ReflectionRecord
from rituals.refs import UserRef
from rituals.stored import ANY_TENANT, ExportedReflection
from storage.models import (
    CalloutRow,
    ClauseRow,
    CompactVersionRow,
    OrganisationRow,
    PartnershipRow,
    PersonIdentityRow,
    PersonRow,
    ReflectionClauseRow,
    ReflectionRow,
)
from storage.repositories._people import person_key

# Withdrawn (words erased) and hidden reflections stay out of every query but the export.
SHOWN: Final = (ReflectionRow.withdrawn_at.is_(None), ReflectionRow.hidden_at.is_(None))


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
        connection = await self._session.connection()
        parameters = {"partnership_id": partnership_id, "start": start, "end": end}
        rows = await connection.execute(_RECORDS_IN_PERIOD, parameters)
        links = await connection.execute(_CLAUSE_KEYS_IN_PERIOD, parameters)
        return _as_records(rows.all(), _keys_by_reflection(links.all()))

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
                *SHOWN,
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
        connection = await self._session.connection()
        rows = await connection.execute(_records_statement(where, newest_first, limit))
        links = await connection.execute(_clause_keys_statement(where))
        return _as_records(rows.all(), _keys_by_reflection(links.all()))

    async def clause_last_mentioned(
        self, partnership_id: int, *, before: datetime | None = None, include_callouts: bool = True
    ) -> dict[str, datetime]:
        """When each clause id was last cited: by a reflection, or a call-out not withdrawn.

        Keyed by clause id across all compact versions (a reworded clause is the same clause
        to the people living by it). `before` limits history, so a digest sent late can judge
        "quiet" clauses as of its period's end.
        """
        statement = _last_mentioned_statement(
            with_before=before is not None, include_callouts=include_callouts
        )
        rows = await (await self._session.connection()).execute(
            statement, {"partnership_id": partnership_id, "before": before}
        )
        latest: dict[str, datetime] = {}
        for clause_key, moment in rows.all():
            if moment is None:  # a clause never cited
                continue
            if clause_key not in latest or moment > latest[clause_key]:
                latest[clause_key] = moment
        return latest

    async def export_rows(self, partnership_id: int | None) -> list[ExportedReflection]:
        """Every stored reflection of one partnership (None: of all), for evaluation; hidden
        ones marked, withdrawn ones left out (their words are gone)."""
        where: tuple[ColumnElement[bool], ...] = (
            ReflectionRow.withdrawn_at.is_(None),
            *(() if partnership_id is None else (ReflectionRow.partnership_id == partnership_id,)),
        )
        rows = await self._session.execute(
            select(
                ReflectionRow.id,
                PartnershipRow.slug,
                ReflectionRow.round_id,
                CompactVersionRow.version,
                ReflectionRow.submitted_at,
                ReflectionRow.edited_at,
                ReflectionRow.hidden_at,
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
                hidden_at=hidden_at,
            )
            for (
                reflection_id,
                slug,
                round_id,
                version,
                submitted_at,
                edited_at,
                hidden_at,
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
    links = await (await session.connection()).execute(_clause_keys_statement(where))
    return _keys_by_reflection(links.all())


def _keys_by_reflection(
    links: Sequence[Row[*tuple[Any, ...]]],
) -> dict[int, tuple[str, ...]]:
    keys: defaultdict[int, list[str]] = defaultdict(list)
    for reflection_id, clause_key in links:
        keys[reflection_id].append(clause_key)
    return {reflection_id: tuple(found) for reflection_id, found in keys.items()}


def _as_records(
    rows: Sequence[Row[*tuple[Any, ...]]], clauses: Mapping[int, tuple[str, ...]]
) -> list[ReflectionRecord]:
    return [
        ReflectionRecord(
            round_id=round_id,
            author_name=author_name,
            organisation_id=organisation_key,
            learned=learned,
            valued=valued,
            clause_ids=clauses.get(reflection_id, ()),
            recorded_at=submitted_at,
            edited_at=edited_at,
            person=person_key(person_id, UserRef(platform, tenant, user_id)),
        )
        for (
            reflection_id,
            round_id,
            author_name,
            organisation_key,
            learned,
            valued,
            submitted_at,
            edited_at,
            person_id,
            platform,
            tenant,
            user_id,
        ) in rows
    ]


# --- statements ---------------------------------------------------------------------------------
# The digest's reads are built once, with bound parameters, rather than per call: building a
# statement costs more than running it, and composing a digest has a 20 ms budget.


def _author_now() -> Any:
    """The person an author is now, for a reflection written before they had one (an exact
    tenant's identity before a file-declared one), so the digest counts them once beside
    their attendances, which are read the same way."""
    return (
        select(PersonIdentityRow.person_id)
        .where(
            PersonIdentityRow.partnership_id == ReflectionRow.partnership_id,
            PersonIdentityRow.platform == ReflectionRow.author_platform,
            PersonIdentityRow.user_id == ReflectionRow.author_user_id,
            or_(
                PersonIdentityRow.tenant == ReflectionRow.author_tenant,
                PersonIdentityRow.tenant == ANY_TENANT,
            ),
        )
        .order_by(PersonIdentityRow.tenant == ANY_TENANT)
        .limit(1)
        .scalar_subquery()
    )


def _records_statement(
    where: tuple[ColumnElement[bool], ...], newest_first: bool, limit: int | None
) -> Select[*tuple[Any, ...]]:
    order = (
        (ReflectionRow.submitted_at.desc(), ReflectionRow.id.desc())
        if newest_first
        else (ReflectionRow.submitted_at, ReflectionRow.id)
    )
    return (
        select(
            ReflectionRow.id,
            ReflectionRow.round_id,
            func.coalesce(PersonRow.display_name, ReflectionRow.author_user_id),
            OrganisationRow.key,
            ReflectionRow.learned,
            ReflectionRow.valued,
            ReflectionRow.submitted_at,
            ReflectionRow.edited_at,
            func.coalesce(ReflectionRow.person_id, _author_now()),
            ReflectionRow.author_platform,
            ReflectionRow.author_tenant,
            ReflectionRow.author_user_id,
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


def _clause_keys_statement(
    where: tuple[ColumnElement[Any], ...],
) -> Select[*tuple[Any, ...]]:
    return (
        select(ReflectionClauseRow.reflection_id, ClauseRow.clause_key)
        .join(ClauseRow, ClauseRow.id == ReflectionClauseRow.clause_id)
        .join(ReflectionRow, ReflectionRow.id == ReflectionClauseRow.reflection_id)
        .where(*where)
        .order_by(ReflectionClauseRow.reflection_id, ReflectionClauseRow.position)
    )


_IN_PERIOD: Final = (
    ReflectionRow.partnership_id == bindparam("partnership_id"),
    ReflectionRow.submitted_at >= bindparam("start"),
    ReflectionRow.submitted_at < bindparam("end"),
    *SHOWN,
)
_RECORDS_IN_PERIOD: Final = _records_statement(_IN_PERIOD, newest_first=False, limit=None)
_CLAUSE_KEYS_IN_PERIOD: Final = _clause_keys_statement(_IN_PERIOD)


@cache
def _last_mentioned_statement(
    *, with_before: bool, include_callouts: bool
) -> Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]:
    """The latest moment each clause key was cited by a reflection (and, if asked, by a
    call-out not withdrawn), as one statement: a row per clause key and source."""
    partnership: BindParameter[int] = bindparam("partnership_id")
    before: BindParameter[datetime] = bindparam("before")
    # Per clause of each of the partnership's compact versions, its latest link of a shown
    # reflection: a walk back along the (clause_id, submitted_at) index that stops at the
    # first one not hidden (withdrawn ones have no links), however long the history.
    link = ReflectionClauseRow
    latest = (
        select(link.submitted_at)
        .join(ReflectionRow, ReflectionRow.id == link.reflection_id)
        .where(link.clause_id == ClauseRow.id, ReflectionRow.hidden_at.is_(None))
        .order_by(link.submitted_at.desc())
        .limit(1)
    )
    if with_before:
        latest = latest.where(link.submitted_at < before)
    by_reflections = (
        select(ClauseRow.clause_key, latest.scalar_subquery())
        .join(CompactVersionRow, CompactVersionRow.id == ClauseRow.compact_version_id)
        .where(CompactVersionRow.partnership_id == partnership)
    )
    by_callouts = (
        select(ClauseRow.clause_key, func.max(CalloutRow.raised_at))
        .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
        .where(
            CalloutRow.partnership_id == partnership,
            CalloutRow.status != CalloutStatus.WITHDRAWN.value,
        )
        .group_by(ClauseRow.clause_key)
    )
    if with_before:
        by_callouts = by_callouts.where(CalloutRow.raised_at < before)
    return union_all(by_reflections, by_callouts) if include_callouts else by_reflections
