"""People of a partnership, their platform identities (each scoped to one workspace or tenant)
and organisations, from the compact file or first met on a platform (docs/architecture.md,
"Storage")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.compact import KnownPerson, Organisation, PlatformTenants
from rituals.errors import NotFound
from rituals.refs import UserRef
from rituals.stored import ANY_TENANT, FROM_EMAIL, FROM_FILE, Person
from storage.models import ChannelRow, OrganisationRow, PersonIdentityRow, PersonRow
from storage.repositories._sql import insert_unless_present, rowcount

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
)


class PeopleRepository:
    """Finds and records people; every query is scoped to one partnership."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, partnership_id: int, user: UserRef) -> Person | None:
        """The person behind `user`: same platform, workspace or tenant, and user id."""
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
                PersonIdentityRow.tenant == user.tenant,
            )
            .limit(1)
        )
        return await self._session.scalar(statement)

    async def partnerships_knowing(self, user: UserRef) -> list[int]:
        """The partnerships `user` is a member of (by their identity in this workspace or
        tenant), in one query, rather than asking every partnership in turn.

        A member represents an organisation (placed by the file or by an approved claim):
        someone only met in a round, or waiting for a claim, is known but not a member.
        """
        rows = await self._session.scalars(
            select(PersonIdentityRow.partnership_id)
            .join(PersonRow, PersonRow.id == PersonIdentityRow.person_id)
            .where(
                PersonIdentityRow.platform == user.platform,
                PersonIdentityRow.user_id == user.user_id,
                PersonIdentityRow.tenant == user.tenant,
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
            user = UserRef(platform, tenant, user_id)
            if user in wanted:
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

    async def link_identity(
        self, person_id: int, user: UserRef, *, source: str | None = None
    ) -> None:
        """Record that `user` is this person (a console handle, or someone recognised by the
        id or email the compact file gives them: `source`).

        Idempotent. If the identity belonged to someone else it now belongs to this person:
        the latest statement of who someone is wins, as with binding a channel.
        """
        partnership_id = await self._session.scalar(
            select(PersonRow.partnership_id).where(PersonRow.id == person_id)
        )
        if partnership_id is None:
            raise NotFound("That person is not known in this partnership.")
        key = (
            PersonIdentityRow.partnership_id == partnership_id,
            PersonIdentityRow.platform == user.platform,
            PersonIdentityRow.tenant == user.tenant,
            PersonIdentityRow.user_id == user.user_id,
        )
        existing = await self._session.scalar(select(PersonIdentityRow).where(*key))
        if existing is not None:
            existing.person_id = person_id
            existing.source = source
            await self._session.flush()
            return
        values = {
            "person_id": person_id,
            "partnership_id": partnership_id,
            "platform": user.platform,
            "tenant": user.tenant,
            "user_id": user.user_id,
            "source": source,
        }
        # Two first links (or first words) in one workspace at once record the same identity:
        # the second waits for the first, then the latest statement of who it is wins.
        if not await insert_unless_present(self._session, _IDENTITIES, values):
            await rowcount(
                self._session,
                update(PersonIdentityRow).where(*key).values(person_id=person_id, source=source),
            )

    async def identities_for_handles(
        self,
        partnership_id: int,
        handles: Iterable[str],
        *,
        platform: str | None = None,
        tenant: str | None = None,
    ) -> tuple[UserRef, ...]:
        """The platform identities of the people the file names by `handles` (any case),
        on `platform` and in `tenant` when given."""
        wanted = {handle.lower() for handle in handles}
        if not wanted:
            return ()
        rows = await self._session.execute(
            select(PersonRow.handle, PersonIdentityRow)
            .join(PersonIdentityRow, PersonIdentityRow.person_id == PersonRow.id)
            .where(PersonRow.partnership_id == partnership_id, PersonRow.handle.is_not(None))
            .order_by(PersonRow.id, PersonIdentityRow.id)
        )
        return tuple(
            UserRef(identity.platform, identity.tenant, identity.user_id)
            for handle, identity in rows.all()
            if handle is not None
            and handle.lower() in wanted
            and (platform is None or identity.platform == platform)
            and (tenant is None or identity.tenant == tenant)
        )

    async def identities(self, partnership_id: int) -> tuple[UserRef, ...]:
        """Every identity of every person in the partnership, as events carry them (e.g. to
        find whose keyed hash a reporter key is)."""
        rows = await self._session.scalars(
            select(PersonIdentityRow)
            .where(PersonIdentityRow.partnership_id == partnership_id)
            .order_by(PersonIdentityRow.person_id, PersonIdentityRow.id)
        )
        return tuple(UserRef(i.platform, i.tenant, i.user_id) for i in rows.all())

    async def home_tenants(self, partnership_id: int, platform: str) -> set[str]:
        """The workspaces or tenants where the partnership has a linked channel on `platform`
        (whose people it recognises when its compact file lists none)."""
        rows = await self._session.scalars(
            select(ChannelRow.tenant)
            .where(ChannelRow.partnership_id == partnership_id, ChannelRow.platform == platform)
            .distinct()
        )
        return set(rows.all())

    async def declare_file_ids(
        self, partnership_id: int, people: Iterable[KnownPerson], platform: str, tenant: str
    ) -> None:
        """Give the ids the compact file lists for `platform` to their people in `tenant`
        (a workspace or tenant the partnership now recognises), so they are known before
        they first speak (a facilitator's private notices reach them)."""
        for person in people:
            row = await self.find_by_handle(partnership_id, person.handle)
            if row is None:
                continue
            for identity in person.identities:
                if identity.platform == platform:
                    user = UserRef(platform, tenant, identity.user_id)
                    await self.link_identity(row.id, user, source=FROM_FILE)

    async def set_organisation(self, person_id: int, organisation_key: str) -> None:
        """Say which organisation the person speaks for; NotFound for an unknown key."""
        organisation_id = await organisation_for(self._session, person_id, organisation_key)
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
    platforms: Sequence[PlatformTenants] = (),
) -> None:
    """Upsert the people a compact file names, by handle (case-insensitive), and re-check
    the identities recognised through the file.

    Name, email and organisation follow the file. The file's ids are given to their people
    in each workspace or tenant the partnership recognises (`platforms`, else where it has
    a linked channel); someone met under such an id is taken to be that person. Identities
    recognised by an id the file no longer gives that person, by an email the file changed,
    or in a workspace no longer listed are dropped, to be recognised again when their owner
    next speaks. Identities met on a platform (no source) are left alone.
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
    existing = {(i.platform, i.tenant, i.user_id): i for i in identities}
    homes = await _homes(session, partnership_id, platforms)
    emails_before = {row.id: _folded(row.email) for row in rows}
    by_id = {row.id: row for row in rows}
    declared = _upsert_people(
        session,
        partnership_id,
        rows,
        people,
        organisation_ids,
        now,
        lambda person: _adoptable(_file_keys(person, homes), existing, by_id),
    )
    await session.flush()

    wanted: dict[tuple[str, str, str], int] = {}
    for row, person in declared:
        for key in _file_keys(person, homes):
            wanted[key] = row.id
    for key, person_id in wanted.items():
        found = existing.get(key)
        if found is None:
            platform, tenant, user_id = key
            found = PersonIdentityRow(
                partnership_id=partnership_id, platform=platform, tenant=tenant, user_id=user_id
            )
            session.add(found)
        found.person_id, found.source = person_id, FROM_FILE

    listed = {p.platform: set(p.tenants) for p in platforms}
    shared = Counter(_folded(person.email) for _, person in declared)
    same_email = {
        row.id
        for row, person in declared
        if person.email
        and _folded(person.email) == emails_before.get(row.id)
        and shared[_folded(person.email)] == 1  # an email two people share matches neither
    }
    for key, identity in existing.items():
        if _unbacked(key, identity, wanted, same_email, listed):
            await session.delete(identity)
    declared_ids = {row.id for row, _ in declared}
    _remove_unlisted([row for row in rows if row.id not in declared_ids])
    await session.flush()


def _unbacked(
    key: tuple[str, str, str],
    identity: PersonIdentityRow,
    wanted: Mapping[tuple[str, str, str], int],
    same_email: set[int],
    listed: Mapping[str, set[str]],
) -> bool:
    """An identity the file no longer backs: stored for any tenant (before migration 0012),
    an id the file no longer gives, or an email match whose email changed or whose
    workspace is no longer listed."""
    if identity.tenant == ANY_TENANT:
        return True
    if identity.source == FROM_FILE:
        return key not in wanted
    if identity.source == FROM_EMAIL:
        home = listed.get(identity.platform, {identity.tenant})
        return identity.person_id not in same_email or identity.tenant not in home
    return False


def _upsert_people(
    session: AsyncSession,
    partnership_id: int,
    rows: Sequence[PersonRow],
    people: Iterable[KnownPerson],
    organisation_ids: Mapping[str, int],
    now: datetime,
    adoptable: Callable[[KnownPerson], PersonRow | None],
) -> list[tuple[PersonRow, KnownPerson]]:
    """Each person of the file as a row: theirs by handle, someone met under one of their
    ids (`adoptable`), or new. Name, email and organisation follow the file."""
    by_handle = {row.handle.lower(): row for row in rows if row.handle is not None}
    declared: list[tuple[PersonRow, KnownPerson]] = []
    for person in people:
        row = by_handle.get(person.handle.lower()) or adoptable(person)
        if row is None:
            row = PersonRow(partnership_id=partnership_id, created_at=now)
            session.add(row)
        row.handle = person.handle
        row.display_name = person.name
        row.email = person.email
        row.organisation_id = organisation_ids[person.organisation_id]
        by_handle[person.handle.lower()] = row
        declared.append((row, person))
    return declared


def _file_keys(person: KnownPerson, homes: Mapping[str, set[str]]) -> list[tuple[str, str, str]]:
    """The identities the file's ids give `person`: each id in each recognised tenant."""
    return [
        (given.platform, tenant, given.user_id)
        for given in person.identities
        for tenant in sorted(homes.get(given.platform, ()))
    ]


async def _homes(
    session: AsyncSession, partnership_id: int, platforms: Sequence[PlatformTenants]
) -> dict[str, set[str]]:
    """Per platform, the workspaces or tenants the partnership recognises: those the file
    lists, else those where it has a linked channel."""
    listed = {p.platform: set(p.tenants) for p in platforms}
    homes = dict(listed)
    linked = await session.execute(
        select(ChannelRow.platform, ChannelRow.tenant).where(
            ChannelRow.partnership_id == partnership_id
        )
    )
    for platform, tenant in linked:
        if platform not in listed:
            homes.setdefault(platform, set()).add(tenant)
    return homes


def _remove_unlisted(rows: Sequence[PersonRow]) -> None:
    """People the file named before and names no more stop being members at once: no
    organisation (their past reflections keep theirs; their file and email identities go
    with the re-check above). Their row stays, since reflections refer to it; handle-less
    people (approved claims) are not the file's to remove."""
    for row in rows:
        if row.handle is not None:
            row.organisation_id = None


def _adoptable(
    keys: Sequence[tuple[str, str, str]],
    existing: Mapping[tuple[str, str, str], PersonIdentityRow],
    by_id: Mapping[int, PersonRow],
) -> PersonRow | None:
    """Someone met before the file named them, under one of the file's ids for them."""
    for key in keys:
        identity = existing.get(key)
        owner = None if identity is None else by_id.get(identity.person_id)
        if owner is not None and owner.handle is None:
            return owner
    return None


def _folded(email: str | None) -> str:
    return (email or "").casefold()


async def organisation_for(session: AsyncSession, person_id: int, organisation_key: str) -> int:
    """The id of `organisation_key` in the person's own partnership; NotFound for an unknown
    person or key."""
    partnership_id = await session.scalar(
        select(PersonRow.partnership_id).where(PersonRow.id == person_id)
    )
    if partnership_id is None:
        raise NotFound("That person is not known in this partnership.")
    organisation_id = await session.scalar(
        select(OrganisationRow.id).where(
            OrganisationRow.partnership_id == partnership_id,
            OrganisationRow.key == organisation_key,
        )
    )
    if organisation_id is None:
        raise NotFound(f"There is no organisation '{organisation_key}' in the partnership.")
    return organisation_id
