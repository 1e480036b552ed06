"""Call-outs, stored so that an anonymous reporter leaves no identity behind
(docs/privacy.md), with compare-and-swap saves as for rounds."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rituals.callout import LIVE_STATUSES, Callout, CalloutStatus, FollowUp, StatusChange
from rituals.callout_thread import ThreadSide
from rituals.digest import CalloutFact
from rituals.errors import NotFound, StaleCallout
from rituals.refs import UserRef
from rituals.reporters import NO_REPORTER, as_stored, named_reporter_key
from rituals.stored import ExportedCallout, StoredCallout, dated_notes
from storage.models import (
    CalloutMessageRow,
    CalloutRow,
    CalloutStatusChangeRow,
    ClauseRow,
    CompactVersionRow,
    OrganisationRow,
    PartnershipRow,
)
from storage.repositories._sql import rowcount


def _facts_between() -> Select[*tuple[Any, ...]]:
    """Call-outs of a partnership raised or changing status in a period, each with every
    step of its history (one row per step; a call-out never changed has one row, no step)."""
    step = aliased(CalloutStatusChangeRow)
    start: BindParameter[datetime] = bindparam("start")
    end: BindParameter[datetime] = bindparam("end")
    changed = exists().where(step.callout_id == CalloutRow.id, step.at >= start, step.at < end)
    return (
        select(
            CalloutRow.id,
            ClauseRow.clause_key,
            CalloutRow.status,
            CalloutRow.raised_at,
            CalloutRow.learning_note,
            CalloutStatusChangeRow.to_status,
            CalloutStatusChangeRow.at,
            CalloutStatusChangeRow.note,
        )
        .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
        .outerjoin(CalloutStatusChangeRow, CalloutStatusChangeRow.callout_id == CalloutRow.id)
        .where(
            CalloutRow.partnership_id == bindparam("partnership_id"),
            ((CalloutRow.raised_at >= start) & (CalloutRow.raised_at < end)) | changed,
        )
        .order_by(CalloutRow.raised_at, CalloutRow.id, CalloutStatusChangeRow.seq)
    )


_FACTS_BETWEEN: Final = _facts_between()  # built once: composing a digest runs it every time


class CalloutRepository:
    """Stores and loads call-outs; every query is scoped to one partnership unless stated."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, callout: Callout, *, partnership_id: int, compact_version_id: int
    ) -> StoredCallout:
        """Store a newly raised call-out (version 1) against the clause wording it cites,
        in the form `as_stored` gives it (no reporter time finer than the day when anonymous)."""
        callout = as_stored(callout)
        version = (
            await self._session.execute(
                select(CompactVersionRow.version, PartnershipRow.slug)
                .join(PartnershipRow, PartnershipRow.id == CompactVersionRow.partnership_id)
                .where(
                    CompactVersionRow.id == compact_version_id,
                    CompactVersionRow.partnership_id == partnership_id,
                )
            )
        ).one_or_none()
        if version is None or tuple(version) != (callout.compact_version, callout.partnership_slug):
            raise ValueError(
                f"call-out {callout.id} is for {callout.partnership_slug} version"
                f" {callout.compact_version}, not compact version row {compact_version_id}"
                f" of partnership {partnership_id}"
            )
        clause_id = await self._session.scalar(
            select(ClauseRow.id).where(
                ClauseRow.compact_version_id == compact_version_id,
                ClauseRow.clause_key == callout.clause_id,
            )
        )
        if clause_id is None:
            raise NotFound(f"There is no clause '{callout.clause_id}' in the compact.")
        organisation_id = await self._session.scalar(
            select(OrganisationRow.id).where(
                OrganisationRow.partnership_id == partnership_id,
                OrganisationRow.key == callout.about_organisation_id,
            )
        )
        if organisation_id is None:
            raise NotFound(f"There is no partner organisation '{callout.about_organisation_id}'.")
        reporter = None if callout.anonymous else callout.reporter
        await self._session.execute(
            insert(CalloutRow).values(
                id=callout.id,
                partnership_id=partnership_id,
                compact_version_id=compact_version_id,
                clause_id=clause_id,
                about_organisation_id=organisation_id,
                anonymous=callout.anonymous,
                # A named call-out is recognised by its reporter, stored beside: no hash.
                reporter_key=callout.reporter_key if callout.anonymous else None,
                # Belt and braces: the domain already forbids a ref on an anonymous call-out.
                reporter_platform=None if reporter is None else reporter.platform,
                reporter_tenant=None if reporter is None else reporter.tenant,
                reporter_user_id=None if reporter is None else reporter.user_id,
                reporter_organisation=callout.reporter_organisation_id,
                raised_at=callout.raised_at,
                version=1,
                **_mutable_columns(callout),
            )
        )
        await self._append_history(callout, already=0)
        return StoredCallout(callout, partnership_id, compact_version_id, version=1)

    async def get(self, partnership_id: int, callout_id: str) -> Callout | None:
        """The call-out with this id in the partnership, or None."""
        stored = await self.get_stored(partnership_id, callout_id)
        return None if stored is None else stored.callout

    async def get_stored(self, partnership_id: int, callout_id: str) -> StoredCallout | None:
        """Like `get`, with the version to pass to `save`."""
        found = await self._load(
            CalloutRow.partnership_id == partnership_id, CalloutRow.id == callout_id
        )
        return found[0] if found else None

    async def save(self, callout: Callout, *, expected_version: int) -> StoredCallout:
        """Store the call-out's new status, note and history if nobody saved it meanwhile.

        Raises `StaleCallout` (having written nothing) when the stored version is no longer
        `expected_version`. Who raised it, about whom and against which clause never change.
        """
        callout = as_stored(callout)
        result = await self._session.execute(
            update(CalloutRow)
            .where(CalloutRow.id == callout.id, CalloutRow.version == expected_version)
            .values(version=expected_version + 1, **_mutable_columns(callout))
            .returning(CalloutRow.partnership_id, CalloutRow.compact_version_id),
            execution_options={"synchronize_session": False},
        )
        owner = result.one_or_none()
        if owner is None:
            raise StaleCallout(
                f"call-out {callout.id} changed since version {expected_version} was read"
            )
        stored_steps = await self._session.scalar(
            select(func.count())
            .select_from(CalloutStatusChangeRow)
            .where(CalloutStatusChangeRow.callout_id == callout.id)
        )
        await self._append_history(callout, already=stored_steps or 0)
        partnership_id, compact_version_id = owner
        return StoredCallout(callout, partnership_id, compact_version_id, expected_version + 1)

    async def open_agenda(self, partnership_id: int) -> list[Callout]:
        """Live call-outs (open, then discussed awaiting resolution), oldest first."""
        live = [status.value for status in LIVE_STATUSES]
        stored = await self._load(
            CalloutRow.partnership_id == partnership_id, CalloutRow.status.in_(live)
        )
        return [s.callout for s in stored]

    async def withdrawn_since(self, partnership_id: int, since: datetime) -> list[Callout]:
        """Call-outs withdrawn at or after `since` (`updated_at` is their last change)."""
        stored = await self._load(
            CalloutRow.partnership_id == partnership_id,
            CalloutRow.status == CalloutStatus.WITHDRAWN.value,
            CalloutRow.updated_at >= since,
        )
        return [s.callout for s in stored]

    async def restamp_anonymous(self, since: datetime) -> int:
        """Rewrite, unchanged and in this transaction, every anonymous call-out raised or
        changed since `since` (every partnership), its withdrawal step, and the replies to
        anonymous call-outs written since that day; how many call-outs. On PostgreSQL each
        row then carries this transaction's id (xmin) and a new place in the table, not those
        of the transaction that raised, withdrew or replied, so transaction order no longer
        brackets those moments (docs/privacy.md, "What ordering gives away")."""
        recent = (
            CalloutRow.anonymous.is_(True),
            (CalloutRow.raised_at >= since) | (CalloutRow.updated_at >= since),
        )
        count = await rowcount(
            self._session,
            update(CalloutRow).where(*recent).values(version=CalloutRow.version),
        )
        await self._session.execute(
            update(CalloutStatusChangeRow)
            .where(
                CalloutStatusChangeRow.to_status == CalloutStatus.WITHDRAWN.value,
                CalloutStatusChangeRow.callout_id.in_(select(CalloutRow.id).where(*recent)),
            )
            .values(seq=CalloutStatusChangeRow.seq)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(
            update(CalloutMessageRow)
            .where(
                CalloutMessageRow.side == ThreadSide.REPLY.value,
                CalloutMessageRow.on_day >= since.date(),
                CalloutMessageRow.callout_id.in_(
                    select(CalloutRow.id).where(CalloutRow.anonymous.is_(True))
                ),
            )
            .values(id=CalloutMessageRow.id)
            .execution_options(synchronize_session=False)
        )
        return count

    async def facts_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[CalloutFact]:
        """What a digest may know of the call-outs raised, or changing status, in `[start, end)`,
        in one statement.

        The reporter's columns are never selected, so they cannot reach a digest by mistake;
        and reading plain rows (not call-outs with their whole history) keeps a digest's
        composing within its time budget.
        """
        rows = await (await self._session.connection()).execute(
            _FACTS_BETWEEN, {"partnership_id": partnership_id, "start": start, "end": end}
        )
        facts: dict[str, CalloutFact] = {}
        for callout_id, clause_key, status, raised_at, note, to_status, at, step_note in rows.all():
            fact = facts.get(callout_id) or CalloutFact(
                clause_id=clause_key,
                status=CalloutStatus(status),
                raised_at=raised_at,
                learning_note=note or "",
            )
            # The first time it entered each status, as `Callout.changed_to_at` says.
            if to_status == CalloutStatus.DISCUSSED.value and fact.discussed_at is None:
                fact = dataclasses.replace(fact, discussed_at=at)
            elif to_status == CalloutStatus.RESOLVED.value and fact.resolved_at is None:
                fact = dataclasses.replace(fact, resolved_at=at)
            if step_note:
                fact = dataclasses.replace(fact, notes=(*fact.notes, (at, step_note)))
            facts[callout_id] = fact
        return list(facts.values())

    async def export_rows(
        self, partnership_id: int | None, *, include_withdrawn: bool = False
    ) -> list[ExportedCallout]:
        """Call-outs of one partnership (None: all) without any trace of who raised them.

        Withdrawn call-outs are left out unless asked for: their reporter took them back.
        """
        where: list[ColumnElement[bool]] = []
        if partnership_id is not None:
            where.append(CalloutRow.partnership_id == partnership_id)
        if not include_withdrawn:
            where.append(CalloutRow.status != CalloutStatus.WITHDRAWN.value)
        # Load through the domain (so the lifecycle dates come from one definition), then
        # copy only the fields an export may carry.
        return [_exported(s.callout) for s in await self._load(*where)]

    async def _load(self, *where: ColumnElement[bool]) -> list[StoredCallout]:
        rows = await self._session.execute(
            select(
                CalloutRow,
                PartnershipRow.slug,
                CompactVersionRow.version,
                ClauseRow.clause_key,
                OrganisationRow.key,
            )
            .join(PartnershipRow, PartnershipRow.id == CalloutRow.partnership_id)
            .join(CompactVersionRow, CompactVersionRow.id == CalloutRow.compact_version_id)
            .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
            .join(OrganisationRow, OrganisationRow.id == CalloutRow.about_organisation_id)
            .where(*where)
            .order_by(CalloutRow.raised_at, CalloutRow.id)
            .execution_options(populate_existing=True)
        )
        found = rows.all()
        if not found:
            return []
        history = await self._history(*where)
        return [
            StoredCallout(
                callout=_callout(row, slug, version, clause_key, organisation_key, history[row.id]),
                partnership_id=row.partnership_id,
                compact_version_id=row.compact_version_id,
                version=row.version,
            )
            for row, slug, version, clause_key, organisation_key in found
        ]

    async def _history(self, *where: ColumnElement[bool]) -> dict[str, list[StatusChange]]:
        rows = await self._session.execute(
            select(CalloutStatusChangeRow)
            .join(CalloutRow, CalloutRow.id == CalloutStatusChangeRow.callout_id)
            .where(*where)
            .order_by(CalloutStatusChangeRow.callout_id, CalloutStatusChangeRow.seq)
        )
        steps: defaultdict[str, list[StatusChange]] = defaultdict(list)
        for (row,) in rows.all():
            steps[row.callout_id].append(
                StatusChange(
                    from_status=CalloutStatus(row.from_status),
                    to_status=CalloutStatus(row.to_status),
                    at=row.at,
                    note=row.note,
                )
            )
        return steps

    async def _append_history(self, callout: Callout, *, already: int) -> None:
        """Insert the steps of `callout.history` beyond the `already` stored ones."""
        if already > len(callout.history):
            raise ValueError("a call-out's history may grow, never shrink")
        new_steps: Sequence[StatusChange] = callout.history[already:]
        if new_steps:
            await self._session.execute(
                insert(CalloutStatusChangeRow),
                [
                    {
                        "callout_id": callout.id,
                        "seq": already + offset,
                        "from_status": step.from_status.value,
                        "to_status": step.to_status.value,
                        "at": step.at,
                        "note": step.note,
                    }
                    for offset, step in enumerate(new_steps)
                ],
            )


def _mutable_columns(callout: Callout) -> dict[str, Any]:
    return {
        "what_happened": callout.what_happened,
        "what_would_help": callout.what_would_help,
        "status": callout.status.value,
        "learning_note": callout.learning_note,
        "follow_up_owner": callout.follow_up.owner_organisation_id,
        "agreed_action": callout.follow_up.agreed_action,
        "review_on": callout.follow_up.review_on,
        "updated_at": callout.status_changed_at,
    }


def _callout(
    row: CalloutRow,
    slug: str,
    version: int,
    clause_key: str,
    organisation_key: str,
    history: Sequence[StatusChange],
) -> Callout:
    reporter = None
    if not row.anonymous:
        platform, tenant, user_id = row.reporter_platform, row.reporter_tenant, row.reporter_user_id
        if platform is None or tenant is None or user_id is None:  # the CHECK forbids this
            raise ValueError(f"named call-out {row.id} has no reporter")
        reporter = UserRef(platform, tenant, user_id)
    key = row.reporter_key or NO_REPORTER if reporter is None else named_reporter_key(reporter)
    return Callout(
        id=row.id,
        partnership_slug=slug,
        clause_id=clause_key,
        compact_version=version,
        about_organisation_id=organisation_key,
        what_happened=row.what_happened,
        what_would_help=row.what_would_help,
        anonymous=row.anonymous,
        reporter_key=key,
        reporter=reporter,
        status=CalloutStatus(row.status),
        raised_at=row.raised_at,
        learning_note=row.learning_note,
        history=tuple(history),
        follow_up=FollowUp(row.follow_up_owner, row.agreed_action, row.review_on),
        reporter_organisation_id=row.reporter_organisation,
    )


def _exported(callout: Callout) -> ExportedCallout:
    discussed = callout.changed_to_at(CalloutStatus.DISCUSSED)
    resolved = callout.changed_to_at(CalloutStatus.RESOLVED)
    return ExportedCallout(
        partnership_slug=callout.partnership_slug,
        callout_id=callout.id,
        compact_version=callout.compact_version,
        clause_id=callout.clause_id,
        about_organisation_key=callout.about_organisation_id,
        what_happened=callout.what_happened,
        what_would_help=callout.what_would_help,
        anonymous=callout.anonymous,
        raised_as=callout.disclosure.value,
        status=callout.status.value,
        learning_note=callout.learning_note,
        raised_on=callout.raised_at.date(),
        discussed_on=None if discussed is None else discussed.date(),
        resolved_on=None if resolved is None else resolved.date(),
        learning_notes=dated_notes(callout),
    )
