"""A person's rights over their data, on SQL: find them, export what is stored about them
(a subject access request), forget them, re-apply erasures after a restore, and delete a
whole partnership (docs/privacy.md, "Your rights"). Each operation is one transaction and
writes its own audit entry in it."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.audit import FORMER_PARTICIPANT, AuditAction, AuditEntry
from rituals.refs import UserRef
from rituals.stored import ANY_TENANT
from storage.database import Database
from storage.models import (
    Base,
    CalloutRow,
    CalloutStatusChangeRow,
    ChannelRow,
    ClauseRow,
    CompactVersionRow,
    ErasureRow,
    OrganisationRow,
    PartnershipRow,
    PersonIdentityRow,
    PersonRow,
    PlatformAddressRow,
    ReflectionRow,
    RoundRow,
)
from storage.repositories._sql import insert_unless_present, rowcount
from storage.repositories.audit import AuditRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.reflections import clause_keys_by_reflection

IdentityHashes = Callable[[str, Sequence[str], str | None, str | None], set[str]]
"""(partnership slug, platform user ids, email, handle) -> the keyed hashes the erasure list
keeps."""
ReporterKey = Callable[[str, str, UserRef], str]
"""(partnership slug, call-out id, identity) -> that identity's reporter key for it."""

# Where an erased person stood: a platform of its own, so it can never match a real identity.
FORMER_PLATFORM: Final = "former"
ERASED_SOURCE_TEXT: Final = (
    "# The text of this compact version was removed when a person it named was erased\n"
    "# (compact-bot people forget). The stored document keeps the compact without them.\n"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone `<who>` may mean, described so an operator can tell candidates apart."""

    person_id: int
    partnership_slug: str
    handle: str | None
    display_name: str
    email: str | None

    def describe(self) -> str:
        handle = f"@{self.handle} " if self.handle else ""
        email = f", {self.email}" if self.email else ""
        return f"{self.partnership_slug}: {handle}({self.display_name}{email})"


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What one erasure did, counted."""

    identities: int = 0
    reflections: int = 0
    named_callouts: int = 0
    rounds: int = 0


@dataclass(frozen=True, slots=True)
class Deleted:
    """What deleting a partnership removed, rows by table."""

    rows: dict[str, int]


async def find_people(database: Database, who: str, slug: str | None) -> list[Candidate]:
    """People `who` names: a handle (`@` optional), an email, a display name (any case) or a
    platform user id; in one partnership when `slug` is given."""
    wanted = who.strip().removeprefix("@").lower()
    by_identity = select(PersonIdentityRow.person_id).where(
        func.lower(PersonIdentityRow.user_id) == wanted
    )
    query = (
        select(PersonRow, PartnershipRow.slug)
        .join(PartnershipRow, PartnershipRow.id == PersonRow.partnership_id)
        .where(
            or_(
                PersonRow.id.in_(by_identity),
                func.lower(PersonRow.handle) == wanted,
                func.lower(PersonRow.email) == wanted,
                func.lower(PersonRow.display_name) == wanted,
            )
        )
        .order_by(PartnershipRow.slug, PersonRow.id)
    )
    if slug is not None:
        query = query.where(PartnershipRow.slug == slug)
    async with database.unit_of_work() as uow:
        people = (await uow.session.execute(query)).all()
    return [
        Candidate(row.id, partnership, row.handle, row.display_name, row.email)
        for row, partnership in people
    ]


async def already_erased(
    database: Database, who: str, slug: str | None, hashes: IdentityHashes
) -> bool:
    """Whether `who` (a user id, an email or a handle) is on the erasure list."""
    wanted = who.strip()
    async with database.unit_of_work() as uow:
        query = select(ErasureRow.partnership_slug, ErasureRow.identity_hash)
        if slug is not None:
            query = query.where(ErasureRow.partnership_slug == slug)
        stored = {(partnership, h) for partnership, h in await uow.session.execute(query)}
    email = wanted if "@" in wanted.removeprefix("@") else None
    for partnership in {partnership for partnership, _ in stored}:
        if any((partnership, h) in stored for h in hashes(partnership, (wanted,), email, wanted)):
            return True
    return False


# --- the subject access request ---------------------------------------------------------------


async def export_person(
    database: Database, person_id: int, *, operator: str, now: datetime
) -> dict[str, Any]:
    """Everything stored about one person, as JSON types; the export is audited."""
    async with database.unit_of_work() as uow:
        session = uow.session
        person = await PeopleRepository(session).get(person_id)
        if person is None:
            raise LookupError(person_id)
        slug = await _slug(session, person.partnership_id)
        reflections = await _their_reflections(session, person.partnership_id, person.identities)
        callouts = await _their_named_callouts(session, person.partnership_id, person.identities)
        actions = await AuditRepository(session).by_actor(person_id)
        rounds = await _their_rounds(session, person.partnership_id, person.identities)
        await AuditRepository(session).record(
            AuditEntry(now, slug, operator, AuditAction.EXPORT, f"person {person_id}")
        )
        await uow.commit()
    return {
        "partnership": slug,
        "exported_at": now.isoformat(),
        "person": {
            "handle": person.handle,
            "name": person.display_name,
            "email": person.email,
            "organisation": person.organisation_key,
            "asked_organisation_at": _iso(person.asked_organisation_at),
        },
        "identities": [
            {"platform": i.platform, "workspace_or_tenant": i.tenant, "user_id": i.user_id}
            for i in person.identities
        ],
        "reflections": reflections,
        "rounds": rounds,
        "named_callouts": callouts,
        "actions": [
            {"at": e.at.isoformat(), "action": e.action.value, "subject": e.subject}
            for e in actions
        ],
        "anonymous_callouts": (
            "Not included: an anonymous call-out stores no identity, only a keyed hash per "
            "call-out that cannot be searched without the secret key. Its reporter can see "
            "and withdraw their own with /compact mine."
        ),
    }


async def _their_reflections(
    session: AsyncSession, partnership_id: int, identities: Sequence[UserRef]
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(ReflectionRow, OrganisationRow.key)
            .outerjoin(OrganisationRow, OrganisationRow.id == ReflectionRow.organisation_id)
            .where(ReflectionRow.partnership_id == partnership_id)
            .order_by(ReflectionRow.submitted_at, ReflectionRow.id)
        )
    ).all()
    theirs = [
        (row, organisation)
        for row, organisation in rows
        if _matches(identities, row.author_platform, row.author_tenant, row.author_user_id)
    ]
    clauses = await clause_keys_by_reflection(
        session, ReflectionRow.id.in_([row.id for row, _ in theirs])
    )
    return [
        {
            "round": row.round_id,
            "submitted_at": row.submitted_at.isoformat(),
            "edited_at": _iso(row.edited_at),
            "organisation": organisation,
            "learned": row.learned,
            "valued": row.valued,
            "clauses": list(clauses.get(row.id, ())),
        }
        for row, organisation in theirs
    ]


async def _their_named_callouts(
    session: AsyncSession, partnership_id: int, identities: Sequence[UserRef]
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(CalloutRow, ClauseRow.clause_key, OrganisationRow.key)
            .join(ClauseRow, ClauseRow.id == CalloutRow.clause_id)
            .join(OrganisationRow, OrganisationRow.id == CalloutRow.about_organisation_id)
            .where(CalloutRow.partnership_id == partnership_id, CalloutRow.anonymous.is_(False))
            .order_by(CalloutRow.raised_at, CalloutRow.id)
        )
    ).all()
    theirs = [
        (row, clause, about)
        for row, clause, about in rows
        if _matches(
            identities, row.reporter_platform, row.reporter_tenant, row.reporter_user_id or ""
        )
    ]
    history = await session.execute(
        select(CalloutStatusChangeRow)
        .where(CalloutStatusChangeRow.callout_id.in_([row.id for row, _c, _a in theirs]))
        .order_by(CalloutStatusChangeRow.callout_id, CalloutStatusChangeRow.seq)
    )
    steps: dict[str, list[dict[str, str]]] = {}
    for step in history.scalars():
        steps.setdefault(step.callout_id, []).append(
            {"to": step.to_status, "at": step.at.isoformat(), "note": step.note}
        )
    return [
        {
            "reference": row.id,
            "clause": clause,
            "about": about,
            "what_happened": row.what_happened,
            "what_would_help": row.what_would_help,
            "status": row.status,
            "raised_at": row.raised_at.isoformat(),
            "learning_note": row.learning_note,
            "history": steps.get(row.id, []),
        }
        for row, clause, about in theirs
    ]


async def _their_rounds(
    session: AsyncSession, partnership_id: int, identities: Sequence[UserRef]
) -> list[dict[str, Any]]:
    """The rounds they started or attended, and how each went for them (the round's
    snapshot records who answered, passed or was not heard)."""
    rows = await session.execute(
        select(RoundRow.id, RoundRow.platform, RoundRow.tenant, RoundRow.started_by)
        .add_columns(RoundRow.opened_at, RoundRow.state)
        .where(RoundRow.partnership_id == partnership_id)
        .order_by(RoundRow.opened_at, RoundRow.id)
    )
    theirs: list[dict[str, Any]] = []
    for round_id, platform, tenant, started_by, opened_at, state in rows.all():
        started = _matches(identities, platform, tenant, started_by)
        attended = any(_matches(identities, *a["user"]) for a in state.get("attendees", []))
        if not (started or attended):
            continue
        answered = any(_matches(identities, *r["author"]) for r in state.get("reflections", []))
        passed = any(_matches(identities, *u) for u in state.get("passed", []))
        outcome = "answered" if answered else "passed" if passed else "did not answer"
        theirs.append(
            {
                "round": round_id,
                "opened_at": opened_at.isoformat(),
                "started_it": started,
                "attended": attended,
                "outcome": outcome if attended else None,
            }
        )
    return theirs


# --- erasure ---------------------------------------------------------------------------------


async def forget_person(
    database: Database,
    person_id: int,
    *,
    hashes: IdentityHashes,
    reporter_key: ReporterKey,
    with_reflections: bool,
    operator: str,
    now: datetime,
) -> Forgotten:
    """Erase one person in one transaction (what stays, and how, in docs/privacy.md)."""
    async with database.unit_of_work() as uow:
        done = await _forget(
            uow.session,
            person_id,
            hashes=hashes,
            reporter_key=reporter_key,
            with_reflections=with_reflections,
            now=now,
        )
        await AuditRepository(uow.session).record(
            AuditEntry(now, done.slug, operator, AuditAction.FORGET, f"person {person_id}")
        )
        await uow.commit()
    await _checkpoint(database)
    return done.counts


async def reapply_erasures(
    database: Database,
    *,
    hashes: IdentityHashes,
    reporter_key: ReporterKey,
    operator: str,
    now: datetime,
) -> int:
    """Forget again everyone on the erasure list who is stored (after a backup is restored,
    or a compact file that still names them was loaded); how many, in one transaction."""
    async with database.unit_of_work() as uow:
        session = uow.session
        listed = select(
            ErasureRow.partnership_slug, ErasureRow.identity_hash, ErasureRow.reflections_too
        )
        erased = {(slug, h): too for slug, h, too in await session.execute(listed)}
        people = (
            await session.execute(
                select(PersonRow.id, PersonRow.email, PersonRow.handle, PartnershipRow.slug)
                .join(PartnershipRow, PartnershipRow.id == PersonRow.partnership_id)
                .where(PartnershipRow.slug.in_({slug for slug, _ in erased}))
                .order_by(PersonRow.id)
            )
        ).all()
        again = 0
        for person_id, email, handle, slug in people:
            user_ids = await session.scalars(
                select(PersonIdentityRow.user_id).where(PersonIdentityRow.person_id == person_id)
            )
            matched = [
                erased[slug, h]
                for h in hashes(slug, list(user_ids), email, handle)
                if (slug, h) in erased
            ]
            if not matched:
                continue
            done = await _forget(
                session,
                person_id,
                hashes=hashes,
                reporter_key=reporter_key,
                with_reflections=any(matched),
                now=now,
            )
            await AuditRepository(session).record(
                AuditEntry(now, done.slug, operator, AuditAction.FORGET, f"person {person_id}")
            )
            again += 1
        await uow.commit()
    await _checkpoint(database)
    return again


@dataclass(frozen=True, slots=True)
class _Erased:
    slug: str
    counts: Forgotten


async def _forget(
    session: AsyncSession,
    person_id: int,
    *,
    hashes: IdentityHashes,
    reporter_key: ReporterKey,
    with_reflections: bool,
    now: datetime,
) -> _Erased:
    people = PeopleRepository(session)
    person = await people.get(person_id)
    if person is None:
        raise LookupError(person_id)
    pid = person.partnership_id
    slug = await _slug(session, pid)
    # Every identity as call-outs and rounds hold it (a file-declared one in each tenant).
    concrete = [
        ref
        for ref in await people.identities(pid)
        if _matches(person.identities, ref.platform, ref.tenant, ref.user_id)
    ]
    everywhere = (*person.identities, *concrete)
    stand_in = _stand_in()
    rounds = await _rewrite_rounds(session, pid, everywhere, stand_in, with_reflections)
    reflections = await _erase_reflections(session, pid, everywhere, stand_in, with_reflections)
    await rowcount(
        session,
        update(ReflectionRow).where(ReflectionRow.person_id == person_id).values(person_id=None),
    )
    named = await _unlink_callouts(session, pid, slug, everywhere, reporter_key)
    await AuditRepository(session).erase_actor(person_id)
    await _forget_addresses(session, everywhere)
    if person.handle:
        await _scrub_compact_versions(session, pid, person.handle)
    user_ids = [i.user_id for i in person.identities]
    for identity_hash in hashes(slug, user_ids, person.email, person.handle):
        await insert_unless_present(
            session,
            _table(ErasureRow),
            {
                "partnership_slug": slug,
                "identity_hash": identity_hash,
                "erased_on": now.date(),
                "reflections_too": with_reflections,
            },
        )
    await rowcount(
        session, delete(PersonIdentityRow).where(PersonIdentityRow.person_id == person_id)
    )
    await rowcount(session, delete(PersonRow).where(PersonRow.id == person_id))
    counts = Forgotten(
        identities=len(person.identities),
        reflections=reflections,
        named_callouts=named,
        rounds=rounds,
    )
    return _Erased(slug, counts)


async def _rewrite_rounds(
    session: AsyncSession,
    partnership_id: int,
    who: Sequence[UserRef],
    stand_in: UserRef,
    drop_reflections: bool,
) -> int:
    """Each round's snapshot names them "a former participant" (`stand_in`);
    `drop_reflections` removes their reflections from it. Returns how many rounds changed."""
    rows = (
        await session.scalars(select(RoundRow).where(RoundRow.partnership_id == partnership_id))
    ).all()
    changed = 0
    for row in rows:
        started = _matches(who, row.platform, row.tenant, row.started_by)
        if not started and not any(_matches(who, *ref) for ref in _user_refs(row.state)):
            continue
        state = dict(row.state)
        if drop_reflections:
            state["reflections"] = [
                r for r in state.get("reflections", []) if not _matches(who, *r["author"])
            ]
        row.state = _replaced(state, who, stand_in)
        if started:
            row.started_by = stand_in.user_id
        changed += 1
    await session.flush()
    return changed


def _user_refs(value: Any) -> Iterator[tuple[str, str, str]]:
    """Every [platform, tenant, user id] triple in a round snapshot, wherever it sits."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _user_refs(item)
    elif isinstance(value, list):
        if len(value) == 3 and all(isinstance(v, str) for v in value):
            yield value[0], value[1], value[2]
        else:
            for item in value:
                yield from _user_refs(item)


def _replaced(value: Any, who: Sequence[UserRef], stand_in: UserRef) -> Any:
    """`value` with their triples replaced by `stand_in`, and the name beside them erased."""
    if isinstance(value, dict):
        user = value.get("user")
        theirs = isinstance(user, list) and len(user) == 3 and _matches(who, *user)
        return {
            key: FORMER_PARTICIPANT if theirs and key == "name" else _replaced(item, who, stand_in)
            for key, item in value.items()
        }
    if isinstance(value, list):
        if len(value) == 3 and all(isinstance(v, str) for v in value) and _matches(who, *value):
            return [stand_in.platform, stand_in.tenant, stand_in.user_id]
        return [_replaced(item, who, stand_in) for item in value]
    return value


async def _erase_reflections(
    session: AsyncSession,
    partnership_id: int,
    who: Sequence[UserRef],
    stand_in: UserRef,
    drop: bool,
) -> int:
    rows = (
        await session.scalars(
            select(ReflectionRow).where(ReflectionRow.partnership_id == partnership_id)
        )
    ).all()
    theirs = [
        r for r in rows if _matches(who, r.author_platform, r.author_tenant, r.author_user_id)
    ]
    for row in theirs:
        if drop:
            await session.delete(row)
            continue
        row.author_platform, row.author_tenant, row.author_user_id = stand_in
        row.person_id = None
    await session.flush()
    return len(theirs)


async def _unlink_callouts(
    session: AsyncSession,
    partnership_id: int,
    slug: str,
    who: Sequence[UserRef],
    reporter_key: ReporterKey,
) -> int:
    """Named call-outs become anonymous with no reporter key; an anonymous one whose key is
    theirs loses its key too (nobody can withdraw either any more). Returns the named count."""
    rows = (
        await session.scalars(select(CalloutRow).where(CalloutRow.partnership_id == partnership_id))
    ).all()
    named = 0
    concrete = [ref for ref in who if ref.tenant != ANY_TENANT]
    for row in rows:
        if not row.anonymous and _matches(
            who, row.reporter_platform, row.reporter_tenant, row.reporter_user_id or ""
        ):
            named += 1
        elif not any(reporter_key(slug, row.id, ref) == row.reporter_key for ref in concrete):
            continue
        row.anonymous = True
        row.reporter_platform = row.reporter_tenant = row.reporter_user_id = None
        # No key at all: nobody is its reporter any more (loaded as claimable by nobody).
        row.reporter_key = None
    await session.flush()
    return named


async def _forget_addresses(session: AsyncSession, who: Sequence[UserRef]) -> None:
    """How to reach them on a platform: their own addresses (keys ending in their user id,
    as the Teams adapter writes them), and the personal chat those point at (its address and
    its binding to the partnership)."""
    for ref in who:
        rows = (
            await session.scalars(
                select(PlatformAddressRow).where(
                    PlatformAddressRow.platform == ref.platform,
                    PlatformAddressRow.key.endswith(f":{ref.user_id}"),
                )
            )
        ).all()
        for row in rows:
            chat = row.address.get("conversationId") if row.key.startswith("personal:") else None
            if chat:
                await rowcount(
                    session,
                    delete(PlatformAddressRow).where(
                        PlatformAddressRow.platform == ref.platform,
                        PlatformAddressRow.key == f"conversation:{chat}",
                    ),
                )
                await rowcount(
                    session,
                    delete(ChannelRow).where(
                        ChannelRow.platform == ref.platform, ChannelRow.channel_id == chat
                    ),
                )
            await session.delete(row)
    await session.flush()


async def _scrub_compact_versions(session: AsyncSession, partnership_id: int, handle: str) -> None:
    """Stored compact versions that name them keep the compact without them (and without
    the file's text, which named them too)."""
    rows = (
        await session.scalars(
            select(CompactVersionRow).where(CompactVersionRow.partnership_id == partnership_id)
        )
    ).all()
    wanted = handle.lower()
    for row in rows:
        document = dict(row.document)
        people = [p for p in document.get("people", []) if p["handle"].lower() != wanted]
        if len(people) == len(document.get("people", [])):
            continue
        document["people"] = people
        document["facilitators"] = [
            h for h in document.get("facilitators", []) if h.lower() != wanted
        ]
        row.document = document
        row.source_text = ERASED_SOURCE_TEXT
    await session.flush()


# --- deleting a partnership -----------------------------------------------------------------


async def delete_partnership(
    database: Database, slug: str, *, operator: str, now: datetime
) -> Deleted:
    """Remove the partnership and every row that belongs to it, in one transaction: each
    table with a `partnership_id`, and each child of one, dependents first; then the
    partnership. The audit entry recording it stays."""
    async with database.unit_of_work() as uow:
        session = uow.session
        partnership_id = await session.scalar(
            select(PartnershipRow.id).where(PartnershipRow.slug == slug)
        )
        if partnership_id is None:
            raise LookupError(slug)
        counts: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):  # children before their parents
            belongs = _belonging(table, partnership_id)
            if belongs is not None and table.name != "partnerships":
                counts[table.name] = await rowcount(session, delete(table).where(belongs))
        await rowcount(session, delete(PartnershipRow).where(PartnershipRow.id == partnership_id))
        await AuditRepository(session).record(
            AuditEntry(now, slug, operator, AuditAction.PARTNERSHIP_DELETE, slug)
        )
        await uow.commit()
    await _checkpoint(database)
    return Deleted({name: n for name, n in counts.items() if n})


def _belonging(table: Table, partnership_id: int) -> ColumnElement[bool] | None:
    """The rows of `table` that belong to the partnership: by its own `partnership_id`, or
    (for a child table such as a call-out's history) by a parent row that has one."""
    if "partnership_id" in table.c:
        return table.c.partnership_id == partnership_id
    parents = [
        key.parent.in_(
            select(key.column).where(key.column.table.c.partnership_id == partnership_id)
        )
        for key in table.foreign_keys
        if isinstance(key.column.table, Table) and "partnership_id" in key.column.table.c
    ]
    return or_(*parents) if parents else None


# --- helpers -----------------------------------------------------------------------------------


def _stand_in() -> UserRef:
    """Who an erased person becomes: named "a former participant" wherever a name falls back
    to the user id, and told apart from other erased people by a random tenant that links to
    nothing. One per erasure, so the group-size rule still counts them as one person."""
    return UserRef(FORMER_PLATFORM, secrets.token_hex(6), FORMER_PARTICIPANT)


async def _checkpoint(database: Database) -> None:
    """On SQLite, fold the write-ahead log into the file and empty it, so erased values do
    not linger in the -wal file either (secure_delete zeroes them in the database file)."""
    if database.engine.dialect.name == "sqlite":
        async with database.engine.connect() as connection:
            # Straight to the driver: inside the transaction SQLAlchemy would begin, a
            # checkpoint finds its own table locked.
            raw = await connection.get_raw_connection()
            await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]


def _matches(
    who: Iterable[UserRef], platform: str | None, tenant: str | None, user_id: str
) -> bool:
    """Whether a stored identity is one of theirs (a file-declared one matches any tenant)."""
    return any(
        ref.platform == platform
        and ref.user_id == user_id
        and (ref.tenant == tenant or ANY_TENANT in (ref.tenant, tenant))
        for ref in who
    )


async def _slug(session: AsyncSession, partnership_id: int) -> str:
    slug = await session.scalar(
        select(PartnershipRow.slug).where(PartnershipRow.id == partnership_id)
    )
    assert slug is not None
    return slug


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table
