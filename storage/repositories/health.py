"""The facts the compact's health is composed from (`rituals.health.HealthFacts`), in seven
statements however long the span: reflections, their clause links, rounds (attendees), the
attendees' people, call-outs with their steps, members, and each clause's last citation.

Reporters never leave this module: a call-out's reporter columns are read only inside a
subquery that turns them into their organisation, and only for call-outs that are not
anonymous. People are opaque keys (`person-<id>`, or a hash of an identity nobody owns).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Final

from sqlalchemy import BindParameter, Row, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rituals.callout import CalloutStatus, Disclosure
from rituals.health import (
    AttendanceFact,
    CalloutHealthFact,
    HealthFacts,
    ReflectionFact,
)
from rituals.refs import UserRef
from rituals.round import Attendee
from rituals.stored import ANY_TENANT
from storage.models import (
    CalloutRow,
    CalloutStatusChangeRow,
    ClauseRow,
    OrganisationRow,
    PersonIdentityRow,
    PersonRow,
    ReflectionRow,
    RoundRow,
)
from storage.repositories._people import person_key
from storage.repositories.reflections import (
    SHOWN,
    _clause_keys_statement,
    _last_mentioned_statement,
)
from storage.round_state import attendees_from_json

_PARTNERSHIP: Final[BindParameter[int]] = bindparam("partnership_id")
_START: Final[BindParameter[datetime]] = bindparam("start")
_END: Final[BindParameter[datetime]] = bindparam("end")
_IN_SPAN = (
    ReflectionRow.partnership_id == _PARTNERSHIP,
    ReflectionRow.submitted_at >= _START,
    ReflectionRow.submitted_at < _END,
    *SHOWN,
)
_REFLECTIONS: Final = (
    select(
        ReflectionRow.id,
        ReflectionRow.person_id,
        ReflectionRow.author_platform,
        ReflectionRow.author_tenant,
        ReflectionRow.author_user_id,
        OrganisationRow.key,
        ReflectionRow.submitted_at,
    )
    .outerjoin(PersonRow, PersonRow.id == ReflectionRow.person_id)
    .outerjoin(
        OrganisationRow,
        OrganisationRow.id
        == func.coalesce(ReflectionRow.organisation_id, PersonRow.organisation_id),
    )
    .where(*_IN_SPAN)
    .order_by(ReflectionRow.submitted_at, ReflectionRow.id)
)
_LINKS: Final = _clause_keys_statement(_IN_SPAN)
_ROUNDS: Final = select(RoundRow.opened_at, RoundRow.state).where(
    RoundRow.partnership_id == _PARTNERSHIP,
    RoundRow.opened_at >= _START,
    RoundRow.opened_at < _END,
)
# Who the attendees are now: their person and organisation, by any of their identities.
_PEOPLE_OF: Final = (
    select(
        PersonIdentityRow.platform,
        PersonIdentityRow.tenant,
        PersonIdentityRow.user_id,
        PersonRow.id,
        OrganisationRow.key,
    )
    .join(PersonRow, PersonRow.id == PersonIdentityRow.person_id)
    .outerjoin(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
    .where(
        PersonIdentityRow.partnership_id == _PARTNERSHIP,
        PersonIdentityRow.user_id.in_(bindparam("user_ids", expanding=True)),
    )
)


def _reporter_organisation() -> Any:
    """The organisation of a named call-out's reporter, as a correlated subquery (an exact
    tenant's identity before a file-declared one); NULL for an anonymous call-out."""
    identity = aliased(PersonIdentityRow)
    return (
        select(OrganisationRow.key)
        .join(PersonRow, PersonRow.organisation_id == OrganisationRow.id)
        .join(identity, identity.person_id == PersonRow.id)
        .where(
            ~CalloutRow.anonymous,
            identity.partnership_id == CalloutRow.partnership_id,
            identity.platform == CalloutRow.reporter_platform,
            identity.user_id == CalloutRow.reporter_user_id,
            or_(identity.tenant == CalloutRow.reporter_tenant, identity.tenant == ANY_TENANT),
        )
        .order_by(identity.tenant == ANY_TENANT)
        .limit(1)
        .scalar_subquery()
    )


_ABOUT = aliased(OrganisationRow)
_CALLOUTS: Final = (
    select(
        CalloutRow.id,
        ClauseRow.clause_key,
        _ABOUT.key,
        CalloutRow.anonymous,
        func.coalesce(CalloutRow.reporter_organisation, _reporter_organisation()),
        CalloutRow.status,
        CalloutRow.raised_at,
        CalloutRow.learning_note,
        CalloutStatusChangeRow.to_status,
        CalloutStatusChangeRow.at,
        CalloutStatusChangeRow.note,
    )
    .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
    .join(_ABOUT, _ABOUT.id == CalloutRow.about_organisation_id)
    .outerjoin(CalloutStatusChangeRow, CalloutStatusChangeRow.callout_id == CalloutRow.id)
    .where(
        CalloutRow.partnership_id == _PARTNERSHIP,
        CalloutRow.raised_at < _END,
        or_(CalloutRow.raised_at >= _START, CalloutRow.updated_at >= _START),
    )
    .order_by(CalloutRow.raised_at, CalloutRow.id, CalloutStatusChangeRow.seq)
)
_MEMBERS: Final = (
    select(OrganisationRow.key, PersonRow.id)
    .join(PersonRow, PersonRow.organisation_id == OrganisationRow.id)
    .where(PersonRow.partnership_id == _PARTNERSHIP)
)
_LAST_CITED: Final = _last_mentioned_statement(with_before=True, include_callouts=False)


class HealthRepository:
    """Implements `bot.repositories.Health` on SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def facts(
        self, partnership_id: int, start: datetime, end: datetime, zone: tzinfo
    ) -> HealthFacts:
        connection = await self._session.connection()
        span = {"partnership_id": partnership_id, "start": start, "end": end}
        reflections = (await connection.execute(_REFLECTIONS, span)).all()
        links = (await connection.execute(_LINKS, span)).all()
        rounds = (await connection.execute(_ROUNDS, span)).all()
        attendees = [(opened, a) for opened, state in rounds for a in attendees_from_json(state)]
        people = await self._people_of(partnership_id, {a.user for _, a in attendees})
        callouts = (await connection.execute(_CALLOUTS, span)).all()
        members = (await connection.execute(_MEMBERS, {"partnership_id": partnership_id})).all()
        last = await connection.execute(
            _LAST_CITED, {"partnership_id": partnership_id, "before": start}
        )
        return HealthFacts(
            reflections=_reflections(reflections, links),
            attendances=[_attendance(opened, a, people) for opened, a in attendees],
            callouts=_callouts(callouts, zone),
            members=_members(members),
            last_cited=_last_days(last.all(), zone),
        )

    async def _people_of(
        self, partnership_id: int, users: set[UserRef]
    ) -> dict[UserRef, tuple[int | None, str | None]]:
        """Each attendee's person and organisation now (an exact tenant before `*`)."""
        if not users:
            return {}
        rows = await (await self._session.connection()).execute(
            _PEOPLE_OF,
            {"partnership_id": partnership_id, "user_ids": sorted({u.user_id for u in users})},
        )
        found: dict[UserRef, tuple[bool, int, str | None]] = {}
        for platform, tenant, user_id, person_id, organisation in rows.all():
            for user in users:
                same = (user.platform, user.user_id) == (platform, user_id)
                if not same or tenant not in (user.tenant, ANY_TENANT):
                    continue
                exact = tenant == user.tenant
                if user not in found or (exact and not found[user][0]):
                    found[user] = (exact, person_id, organisation)
        return {user: (person_id, org) for user, (_, person_id, org) in found.items()}


def _attendance(
    held_at: datetime, attendee: Attendee, people: Mapping[UserRef, tuple[int | None, str | None]]
) -> AttendanceFact:
    """An attendee with the organisation they joined for, else the one they have said since."""
    person_id, organisation = people.get(attendee.user, (None, None))
    return AttendanceFact(
        person_key(person_id, attendee.user), attendee.organisation_id or organisation, held_at
    )


def _reflections(
    rows: Sequence[Row[*tuple[Any, ...]]], links: Sequence[Row[*tuple[Any, ...]]]
) -> list[ReflectionFact]:
    clauses: defaultdict[int, list[str]] = defaultdict(list)
    for reflection_id, clause_key in links:
        clauses[reflection_id].append(clause_key)
    return [
        ReflectionFact(
            person_key(person_id, UserRef(platform, tenant, user_id)),
            organisation,
            tuple(clauses.get(reflection_id, ())),
            submitted_at,
        )
        for reflection_id, person_id, platform, tenant, user_id, organisation, submitted_at in rows
    ]


def _disclosure(anonymous: bool, reporter_organisation: str | None) -> Disclosure:
    if not anonymous:
        return Disclosure.NAMED
    return Disclosure.ANONYMOUS if reporter_organisation is None else Disclosure.ORGANISATION


def _callouts(rows: Iterable[Row[*tuple[Any, ...]]], zone: tzinfo) -> list[CalloutHealthFact]:
    """One fact per call-out from its rows (one per step): the first day it entered each
    status, and every learning note it was given."""
    found: dict[str, dict[str, Any]] = {}
    for (callout_id, clause, about, anonymous, reporter_org, status, raised_at, note,
         to_status, at, step_note) in rows:  # fmt: skip
        fact = found.setdefault(
            callout_id,
            {
                "clause_id": clause,
                "about_organisation_id": about,
                "disclosure": _disclosure(anonymous, reporter_org),
                "reporter_organisation_id": reporter_org,
                "status": CalloutStatus(status),
                "raised_on": _day(raised_at, zone),
                "notes": [],
                "last_note": note or "",
            },
        )
        key = {"discussed": "discussed_on", "resolved": "resolved_on"}.get(to_status or "")
        if key is not None and key not in fact:
            fact[key] = _day(at, zone)
        if step_note:
            fact["notes"].append(step_note)
    facts = []
    for fact in found.values():
        notes = [*fact.pop("notes"), fact.pop("last_note")]
        facts.append(
            CalloutHealthFact(
                **fact, learning_notes=tuple(dict.fromkeys(n for n in notes if n.strip()))
            )
        )
    return facts


def _members(rows: Iterable[Row[*tuple[Any, ...]]]) -> dict[str, frozenset[str]]:
    people: defaultdict[str, set[str]] = defaultdict(set)
    for organisation, person_id in rows:
        people[organisation].add(f"person-{person_id}")
    return {organisation: frozenset(keys) for organisation, keys in people.items()}


def _last_days(rows: Iterable[Row[*tuple[Any, ...]]], zone: tzinfo) -> dict[str, date]:
    last: dict[str, date] = {}
    for clause, moment in rows:
        if moment is None:
            continue
        day = _day(moment, zone)
        if clause not in last or last[clause] < day:
            last[clause] = day
    return last


def _day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()
