"""People of a partnership, their platform identities and organisations: from the compact
file (tenant `"*"`) or first met on a platform (docs/architecture.md, "Storage")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Table, bindparam, case, delete, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.compact import KnownPerson, Organisation
from rituals.errors import NotFound
from rituals.refs import UserRef
from rituals.stored import ANY_TENANT, Person
from storage.models import ChannelRow, OrganisationRow, PersonIdentityRow, PersonRow
from storage.repositories._sql import rowcount

_IDENTITIES: Final = cast(Table, PersonIdentityRow.__table__)
_PEOPLE: Final = cast(Table, PersonRow.__table__)

# Run once per round event (names for the messages), so built once: a Core statement of
# columns, with the user ids as an expanding IN.
_DISPLAY_NAMES: Final = (
    select(
        _IDENTITIES.c.platform, _IDENTITIES.c.tenant, _IDENTITIES.c.user_id, _PEOPLE.c.display_name
    )
    .join_from(_IDENTITIES, _PEOPLE, _PEOPLE.c.id == _IDENTITIES.c.person_id)
    .where(
        _IDENTITIES.c.partnership_id == bindparam("partnership_id"),
        _IDENTITIES.c.user_id.in_(bindparam("user_ids", expanding=True)),
    )
    # Exact-tenant identities come last so they win over file-declared ones.
    .order_by(case((_IDENTITIES.c.tenant == ANY_TENANT, 0), else_=1))
)


class PeopleRepository:
    """Finds and records people; every query is scoped to one partnership."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, partnership_id: int, user: UserRef) -> Person | None:
        """The person behind `user` (exact tenant first, then a file-declared `"*"` one)."""
        person_id = await self.person_id(partnership_id, user)
        return None if person_id is None else await self.get(person_id)

    async def person_id(self, partnership_id: int, user: UserRef) -> int | None:
        """Like `find`, but only the row id (for rows that refer to the person)."""
        statement = (
            select(PersonIdentityRow.person_id)
            .where(
                PersonIdentityRow.partnership_id == partnership_id,
                PersonIdentityRow.platform == user.platform,
                PersonIdentityRow.user_id == user.user_id,
                PersonIdentityRow.tenant.in_((user.tenant, ANY_TENANT)),
            )
            .order_by(case((PersonIdentityRow.tenant == ANY_TENANT, 1), else_=0))
            .limit(1)
        )
        return await self._session.scalar(statement)

    async def partnerships_knowing(self, user: UserRef) -> list[int]:
        """The partnerships `user` is a member of (by this tenant's identity or a file-declared
        one), in one query, rather than asking every partnership in turn.

        A member represents an organisation (placed by the file or by an approved claim):
        someone only met in a round, or waiting for a claim, is known but not a member.
        """
        rows = await self._session.scalars(
            select(PersonIdentityRow.partnership_id)
            .join(PersonRow, PersonRow.id == PersonIdentityRow.person_id)
            .where(
                PersonIdentityRow.platform == user.platform,
                PersonIdentityRow.user_id == user.user_id,
                PersonIdentityRow.tenant.in_((user.tenant, ANY_TENANT)),
                PersonRow.organisation_id.is_not(None),
            )
            .distinct()
            .order_by(PersonIdentityRow.partnership_id)
        )
        return list(rows)

    async def display_names(
        self, partnership_id: int, users: Iterable[UserRef]
    ) -> dict[UserRef, str]:
        """Display names for many people in one query (a round's attendees, an agenda).

        Someone not known yet is named by their platform user id.
        """
        wanted = set(users)
        names = {user: user.user_id for user in wanted}
        if not wanted:
            return names
        connection = await self._session.connection()
        rows = await connection.execute(
            _DISPLAY_NAMES,
            {
                "partnership_id": partnership_id,
                "user_ids": sorted({user.user_id for user in wanted}),
            },
        )
        for platform, tenant, user_id, display_name in rows:
            for user in wanted:
                same = user.platform == platform and user.user_id == user_id
                if same and tenant in (user.tenant, ANY_TENANT):
                    names[user] = display_name
        return names

    async def find_by_handle(self, partnership_id: int, handle: str) -> Person | None:
        """The person the compact file names `handle` (case-insensitive, like the file)."""
        rows = await self._session.execute(
            select(PersonRow.id, PersonRow.handle).where(
                PersonRow.partnership_id == partnership_id, PersonRow.handle.is_not(None)
            )
        )
        # Handles per partnership are few, and case folding differs between databases.
        wanted = handle.lower()
        match = next((pid for pid, h in rows.all() if h is not None and h.lower() == wanted), None)
        return None if match is None else await self.get(match)

    async def get(self, person_id: int) -> Person | None:
        """The person with this row id, or None."""
        found = (
            await self._session.execute(
                select(PersonRow, OrganisationRow.key)
                .outerjoin(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
                .where(PersonRow.id == person_id)
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
        if found is None:
            return None
        row, organisation_key = found
        identities = (
            await self._session.scalars(
                select(PersonIdentityRow)
                .where(PersonIdentityRow.person_id == person_id)
                .order_by(PersonIdentityRow.id)
            )
        ).all()
        return Person(
            id=row.id,
            partnership_id=row.partnership_id,
            handle=row.handle,
            display_name=row.display_name,
            organisation_key=organisation_key,
            identities=tuple(UserRef(i.platform, i.tenant, i.user_id) for i in identities),
            email=row.email,
            asked_organisation_at=row.asked_organisation_at,
        )

    async def create(
        self, partnership_id: int, user: UserRef, display_name: str, *, now: datetime | None = None
    ) -> Person:
        """Record someone the compact file does not name, with no organisation yet.

        `created_at` is `now` when given (pass the application's clock), else the database's.
        """
        row = PersonRow(partnership_id=partnership_id, handle=None, display_name=display_name)
        if now is not None:
            row.created_at = now
        self._session.add(row)
        await self._session.flush()
        self._session.add(
            PersonIdentityRow(
                person_id=row.id,
                partnership_id=partnership_id,
                platform=user.platform,
                tenant=user.tenant,
                user_id=user.user_id,
            )
        )
        await self._session.flush()
        person = await self.get(row.id)
        assert person is not None
        return person

    async def link_identity(self, person_id: int, user: UserRef) -> None:
        """Record that `user` is this person (e.g. a console handle, or a second workspace).

        Idempotent. If the identity belonged to someone else it now belongs to this person:
        the latest statement of who someone is wins, as with binding a channel.
        """
        partnership_id = await self._session.scalar(
            select(PersonRow.partnership_id).where(PersonRow.id == person_id)
        )
        if partnership_id is None:
            raise NotFound("That person is not known in this partnership.")
        existing = await self._session.scalar(
            select(PersonIdentityRow).where(
                PersonIdentityRow.partnership_id == partnership_id,
                PersonIdentityRow.platform == user.platform,
                PersonIdentityRow.tenant == user.tenant,
                PersonIdentityRow.user_id == user.user_id,
            )
        )
        if existing is None:
            self._session.add(
                PersonIdentityRow(
                    person_id=person_id,
                    partnership_id=partnership_id,
                    platform=user.platform,
                    tenant=user.tenant,
                    user_id=user.user_id,
                )
            )
        else:
            existing.person_id = person_id
        await self._session.flush()

    async def identities_for_handles(
        self,
        partnership_id: int,
        handles: Iterable[str],
        *,
        platform: str | None = None,
        tenant: str | None = None,
    ) -> tuple[UserRef, ...]:
        """The platform identities of the people the file names by `handles` (any case).

        For comparing with the `UserRef`s events carry (e.g. facilitators of a round), a
        file-declared identity is given a real tenant: `tenant` when passed, else each tenant
        the partnership is known on for that platform (see `identities`).
        """
        wanted = {handle.lower() for handle in handles}
        if not wanted:
            return ()
        rows = await self._session.execute(
            select(PersonRow.handle, PersonIdentityRow)
            .join(PersonIdentityRow, PersonIdentityRow.person_id == PersonRow.id)
            .where(PersonRow.partnership_id == partnership_id, PersonRow.handle.is_not(None))
            .order_by(PersonRow.id, PersonIdentityRow.id)
        )
        chosen = [
            identity
            for handle, identity in rows.all()
            if handle is not None
            and handle.lower() in wanted
            and (platform is None or identity.platform == platform)
        ]
        tenants = None if tenant is None else {p: {tenant} for p in {i.platform for i in chosen}}
        return await self._concrete(partnership_id, chosen, tenants)

    async def identities(self, partnership_id: int) -> tuple[UserRef, ...]:
        """Every identity of every person in the partnership, as events would carry them.

        A file-declared (`"*"`) identity is listed once per tenant the partnership is known
        on for that platform (its bound channels, and identities met there), since that is
        where its owner can appear. Used, e.g., to find whose keyed hash a reporter key is.
        """
        rows = await self._session.scalars(
            select(PersonIdentityRow)
            .where(PersonIdentityRow.partnership_id == partnership_id)
            .order_by(PersonIdentityRow.person_id, PersonIdentityRow.id)
        )
        return await self._concrete(partnership_id, rows.all(), None)

    async def _concrete(
        self,
        partnership_id: int,
        identities: Sequence[PersonIdentityRow],
        tenants: Mapping[str, set[str]] | None,
    ) -> tuple[UserRef, ...]:
        if tenants is None and any(i.tenant == ANY_TENANT for i in identities):
            tenants = await self._known_tenants(partnership_id)
        refs: dict[UserRef, None] = {}
        for identity in identities:
            if identity.tenant != ANY_TENANT:
                refs[UserRef(identity.platform, identity.tenant, identity.user_id)] = None
                continue
            for tenant in sorted((tenants or {}).get(identity.platform, ())):
                refs[UserRef(identity.platform, tenant, identity.user_id)] = None
        return tuple(refs)

    async def _known_tenants(self, partnership_id: int) -> dict[str, set[str]]:
        """Tenants per platform where the partnership has a channel or has met someone."""
        channels = select(ChannelRow.platform, ChannelRow.tenant).where(
            ChannelRow.partnership_id == partnership_id
        )
        met = select(PersonIdentityRow.platform, PersonIdentityRow.tenant).where(
            PersonIdentityRow.partnership_id == partnership_id,
            PersonIdentityRow.tenant != ANY_TENANT,
        )
        known: dict[str, set[str]] = {}
        for platform, tenant in (await self._session.execute(union(channels, met))).all():
            known.setdefault(platform, set()).add(tenant)
        return known

    async def set_organisation(self, person_id: int, organisation_key: str) -> None:
        """Say which organisation the person speaks for; NotFound for an unknown key."""
        partnership_id = await self._session.scalar(
            select(PersonRow.partnership_id).where(PersonRow.id == person_id)
        )
        if partnership_id is None:
            raise NotFound("That person is not known in this partnership.")
        organisation_id = await self._session.scalar(
            select(OrganisationRow.id).where(
                OrganisationRow.partnership_id == partnership_id,
                OrganisationRow.key == organisation_key,
            )
        )
        if organisation_id is None:
            raise NotFound(f"There is no organisation '{organisation_key}' in the partnership.")
        await rowcount(
            self._session,
            update(PersonRow)
            .where(PersonRow.id == person_id)
            .values(organisation_id=organisation_id),
        )

    async def mark_asked(self, person_id: int, now: datetime) -> bool:
        """Record that we asked for their organisation; True only the first time.

        A single conditional UPDATE, so two replicas handling the same person at once still
        ask only once.
        """
        changed = await rowcount(
            self._session,
            update(PersonRow)
            .where(PersonRow.id == person_id, PersonRow.asked_organisation_at.is_(None))
            .values(asked_organisation_at=now),
        )
        return changed == 1

    async def organisations(self, partnership_id: int) -> list[Organisation]:
        """Every organisation ever named for the partnership, by key."""
        rows = (
            await self._session.scalars(
                select(OrganisationRow)
                .where(OrganisationRow.partnership_id == partnership_id)
                .order_by(OrganisationRow.key)
            )
        ).all()
        return [Organisation(id=r.key, name=r.name, role_id=r.role_key) for r in rows]


async def sync_known_people(
    session: AsyncSession,
    partnership_id: int,
    people: Iterable[KnownPerson],
    organisation_ids: Mapping[str, int],
    now: datetime,
) -> None:
    """Upsert the people a compact file names, by handle (case-insensitive).

    Name, email and organisation follow the file. A handle-less person already met on a
    platform under one of the file's identities is adopted (given the handle) rather than
    duplicated. The file's identities are stored with `ANY_TENANT`; those the file no longer
    lists for a person are removed, so a corrected user id stops matching the wrong person.
    Identities learned on a platform (exact tenant) are left alone.
    """
    rows = (
        await session.scalars(
            select(PersonRow)
            .where(PersonRow.partnership_id == partnership_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    identities = (
        await session.scalars(
            select(PersonIdentityRow)
            .where(PersonIdentityRow.partnership_id == partnership_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    by_handle = {row.handle.lower(): row for row in rows if row.handle is not None}
    by_id = {row.id: row for row in rows}
    file_identities = {(i.platform, i.user_id): i for i in identities if i.tenant == ANY_TENANT}

    declared: list[tuple[PersonRow, KnownPerson]] = []
    for person in people:
        row = by_handle.get(person.handle.lower()) or _adoptable(person, identities, by_id)
        if row is None:
            row = PersonRow(partnership_id=partnership_id, created_at=now)
            session.add(row)
        row.handle = person.handle
        row.display_name = person.name
        row.email = person.email
        row.organisation_id = organisation_ids[person.organisation_id]
        by_handle[person.handle.lower()] = row
        declared.append((row, person))
    await session.flush()

    # First give every declared identity to its person (moving it if the file moved it),
    # then drop the ones their person no longer declares; in that order a user id moved from
    # one handle to another is reassigned, not deleted and re-inserted in the same flush.
    wanted_by_person: dict[int, set[tuple[str, str]]] = {}
    for row, person in declared:
        wanted = {(i.platform, i.user_id) for i in person.identities}
        wanted_by_person[row.id] = wanted
        for key in sorted(wanted):
            identity = file_identities.get(key)
            if identity is None:
                identity = PersonIdentityRow(
                    partnership_id=partnership_id,
                    platform=key[0],
                    tenant=ANY_TENANT,
                    user_id=key[1],
                )
                session.add(identity)
                file_identities[key] = identity
            identity.person_id = row.id
    for key, identity in file_identities.items():
        owner_wants = wanted_by_person.get(identity.person_id)
        if owner_wants is not None and key not in owner_wants:
            await session.delete(identity)
    await session.flush()
    await _remove_unlisted(session, [row for row in rows if row.id not in wanted_by_person])


async def _remove_unlisted(session: AsyncSession, rows: Sequence[PersonRow]) -> None:
    """People the file named before and names no more stop being members at once: no
    organisation (their past reflections keep theirs), no file-declared identity. Their row
    stays, since reflections refer to it; handle-less people (approved claims) are not the
    file's to remove."""
    removed = [row for row in rows if row.handle is not None]
    for row in removed:
        row.organisation_id = None
    if removed:
        await session.execute(
            delete(PersonIdentityRow).where(
                PersonIdentityRow.person_id.in_([row.id for row in removed]),
                PersonIdentityRow.tenant == ANY_TENANT,
            )
        )
    await session.flush()


def _adoptable(
    person: KnownPerson, identities: Sequence[PersonIdentityRow], by_id: Mapping[int, PersonRow]
) -> PersonRow | None:
    wanted = {(i.platform, i.user_id) for i in person.identities}
    for identity in identities:
        owner = by_id.get(identity.person_id)
        if (
            owner is not None
            and owner.handle is None
            and ((identity.platform, identity.user_id) in wanted)
        ):
            return owner
    return None
