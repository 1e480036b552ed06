"""The unit-of-work port in memory: what application tests run on instead of a database.

Semantics the use cases rely on, as the SQL repositories give them (`tests/contract/` runs
the same cases on this and on SQLite and PostgreSQL):
* a unit of work sees a private copy of the tables, taken at its first read or write;
  `commit` publishes the copy, `rollback` and leaving the block discard it;
* writers are serialised as on SQLite (`BEGIN IMMEDIATE`): a unit of work holds the store's
  lock from its first statement to its commit or rollback, and opening a second one in the
  same task while the first holds it raises at once instead of hanging;
* compare-and-swap on round and call-out versions (`StaleRound`, `StaleCallout`), one round
  not closed per channel (`RoundAlreadyOpen`), request keys recorded once;
* inbox and outbox rows leased (`claimed_by`, `claimed_until`): only rows whose lease ran out
  are claimed, oldest first, and a row is taken (deleted) by one unit of work only;
* the orderings the SQL queries promise.
Rows are frozen values, so copying a table is copying a dict.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import TracebackType
from typing import Any, Self

from rituals.audit import AuditEntry
from rituals.callout import LIVE_STATUSES, Callout, CalloutStatus
from rituals.callout_thread import ThreadMessage, ThreadSide
from rituals.compact import Compact, KnownPerson
from rituals.digest import CalloutFact, RoundHeld
from rituals.errors import NotFound, RoundAlreadyOpen, StaleCallout, StaleRound
from rituals.health import (
    AttendanceFact,
    CalloutHealthFact,
    HealthFacts,
    ReflectionFact,
)
from rituals.reflection import Reflection, ReflectionRecord
from rituals.refs import ConversationRef, UserRef
from rituals.reporters import as_stored
from rituals.review import ReviewStatus, TriggerKey, TriggerState
from rituals.round.state import Round
from rituals.schedule import DigestSchedule
from rituals.stored import (
    ANY_TENANT,
    FROM_EMAIL,
    FROM_FILE,
    Claim,
    ExportedCallout,
    ExportedReflection,
    PendingDelivery,
    PendingRequest,
    Person,
    StoredCallout,
    StoredCompact,
    StoredRound,
    dated_notes,
)
from storage.repositories._people import person_key

# --- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Version:
    partnership_id: int
    version: int
    fingerprint: str
    compact: Compact
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class _PersonRow:
    partnership_id: int
    handle: str | None
    display_name: str
    organisation_key: str | None
    created_at: datetime
    email: str | None = None
    asked_organisation_at: datetime | None = None
    claimed_organisation_key: str | None = None
    claimed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Identity:
    person_id: int
    partnership_id: int
    user: UserRef
    source: str | None = None  # FROM_FILE, FROM_EMAIL, or None (met)


@dataclass(frozen=True, slots=True)
class _Channel:
    partnership_id: int
    conversation: ConversationRef  # thread always None
    receives_digest: bool


@dataclass(frozen=True, slots=True)
class _ReflectionRow:
    round_id: str
    partnership_id: int
    compact_version_id: int
    person_id: int | None
    reflection: Reflection


@dataclass(frozen=True, slots=True)
class _DigestRow:
    claimed_at: datetime
    sent_at: datetime | None
    message_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Pending:
    """An inbox row (`key` its request key) or an outbox row (`key` its round id)."""

    key: str
    kind: str
    request: str  # the JSON text, as the SQL column round-trips it
    received_at: datetime
    claimed_by: str
    claimed_until: datetime


@dataclass
class _Tables:
    """Every table; `copy()` is the snapshot a unit of work writes to."""

    next_id: dict[str, int] = field(default_factory=dict)
    partnerships: dict[int, tuple[str, str]] = field(default_factory=dict)  # slug, name
    versions: dict[int, _Version] = field(default_factory=dict)
    organisations: dict[tuple[int, str], str] = field(default_factory=dict)  # -> name
    people: dict[int, _PersonRow] = field(default_factory=dict)
    identities: dict[int, _Identity] = field(default_factory=dict)
    channels: dict[int, _Channel] = field(default_factory=dict)
    rounds: dict[str, StoredRound] = field(default_factory=dict)
    reflections: dict[int, _ReflectionRow] = field(default_factory=dict)
    callouts: dict[str, StoredCallout] = field(default_factory=dict)
    digests: dict[tuple[int, str], _DigestRow] = field(default_factory=dict)
    schedules: dict[int, DigestSchedule] = field(default_factory=dict)
    requests: dict[str, datetime] = field(default_factory=dict)
    addresses: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    inbox: dict[str, _Pending] = field(default_factory=dict)
    outbox: dict[int, _Pending] = field(default_factory=dict)
    reviews: dict[tuple[int, str, str, str], TriggerState] = field(default_factory=dict)
    declared_channels: dict[tuple[str, str], int] = field(default_factory=dict)
    thread: dict[int, tuple[int, ThreadMessage]] = field(default_factory=dict)  # partnership
    summaries: dict[tuple[int, date], datetime] = field(default_factory=dict)
    audit: dict[int, AuditEntry] = field(default_factory=dict)

    def copy(self) -> _Tables:
        return _Tables(**{f.name: dict(getattr(self, f.name)) for f in dataclasses.fields(self)})

    def new_id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]


class MemoryDatabase:
    """Implements `bot.repositories.UnitOfWorkFactory`; one per test."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self.lock = asyncio.Lock()
        self.holder: asyncio.Task[Any] | None = None

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    async def ping(self) -> None:
        return None

    async def dispose(self) -> None:
        return None


class MemoryUnitOfWork:
    """Implements `bot.repositories.UnitOfWork` on a private copy of the tables."""

    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self._work: _Tables | None = None
        self._entered = False
        self.compacts = MemoryCompacts(self)
        self.people = MemoryPeople(self)
        self.membership = MemoryMembership(self)
        self.channels = MemoryChannels(self)
        self.rounds = MemoryRounds(self)
        self.reflections = MemoryReflections(self)
        self.callouts = MemoryCallouts(self)
        self.threads = MemoryThreads(self)
        self.summaries = MemorySummaries(self)
        self.digests = MemoryDigests(self)
        self.schedules = MemorySchedules(self)
        self.requests = MemoryRequestKeys(self)
        self.addresses = MemoryAddresses(self)
        self.inbox = MemoryInbox(self)
        self.outbox = MemoryOutbox(self)
        self.health = MemoryHealth(self)
        self.reviews = MemoryReviews(self)
        self.audit = MemoryAudit(self)
        self.retention = MemoryRetention(self)

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work cannot be entered twice")
        self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()
        self._entered = False

    async def tables(self) -> _Tables:
        """The unit of work's copy, taken (with the store's lock) on first use."""
        if not self._entered:
            raise RuntimeError("the unit of work is only usable inside `async with`")
        if self._work is None:
            database = self._database
            task = asyncio.current_task()
            if database.lock.locked() and database.holder is task:
                raise RuntimeError("a second unit of work in the same task would deadlock")
            await database.lock.acquire()
            database.holder = task
            self._work = database.tables.copy()
        return self._work

    async def commit(self) -> None:
        if self._work is not None:
            self._database.tables = self._work
            self._release()

    async def rollback(self) -> None:
        if self._work is not None:
            self._release()

    def _release(self) -> None:
        self._work = None
        self._database.holder = None
        self._database.lock.release()


class _Repository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow


# --- compacts and people ------------------------------------------------------------------------


class MemoryCompacts(_Repository):
    async def load(
        self, compact: Compact, *, source_text: str, now: datetime
    ) -> tuple[StoredCompact, bool]:
        t = await self._uow.tables()
        partnership_id = next(
            (pid for pid, (slug, _) in t.partnerships.items() if slug == compact.slug), None
        )
        if partnership_id is None:
            partnership_id = t.new_id("partnerships")
        t.partnerships[partnership_id] = (compact.slug, compact.name)
        for organisation in compact.organisations:
            t.organisations[(partnership_id, organisation.id)] = organisation.name
        _sync_known_people(t, partnership_id, compact, now)
        latest = _newest_version(t, partnership_id)
        fingerprint = compact.fingerprint()
        if latest is not None and t.versions[latest].fingerprint == fingerprint:
            return _stored_compact(t, latest), False
        number = 1 if latest is None else t.versions[latest].version + 1
        version_id = t.new_id("versions")
        t.versions[version_id] = _Version(partnership_id, number, fingerprint, compact, now)
        return _stored_compact(t, version_id), True

    async def latest_for(self, partnership_id: int) -> StoredCompact | None:
        t = await self._uow.tables()
        newest = _newest_version(t, partnership_id)
        return None if newest is None else _stored_compact(t, newest)

    async def partnership_ids(self) -> list[int]:
        t = await self._uow.tables()
        return sorted({v.partnership_id for v in t.versions.values()})

    async def latest_all(self) -> list[StoredCompact]:
        t = await self._uow.tables()
        newest = [
            _newest_version(t, pid) for pid in {v.partnership_id for v in t.versions.values()}
        ]
        stored = [_stored_compact(t, vid) for vid in newest if vid is not None]
        return sorted(stored, key=lambda s: s.partnership_slug)

    async def by_version_id(self, version_id: int) -> StoredCompact:
        t = await self._uow.tables()
        if version_id not in t.versions:
            raise NotFound(f"There is no stored compact version {version_id}.")
        return _stored_compact(t, version_id)

    async def partnership_id(self, slug: str) -> int | None:
        t = await self._uow.tables()
        return next((pid for pid, (s, _) in t.partnerships.items() if s == slug), None)

    async def versions(self, partnership_id: int) -> list[StoredCompact]:
        t = await self._uow.tables()
        mine = [
            (v.version, vid) for vid, v in t.versions.items() if v.partnership_id == partnership_id
        ]
        return [_stored_compact(t, vid) for _, vid in sorted(mine)]


def _newest_version(t: _Tables, partnership_id: int) -> int | None:
    mine = [(v.version, vid) for vid, v in t.versions.items() if v.partnership_id == partnership_id]
    return max(mine)[1] if mine else None


def _stored_compact(t: _Tables, version_id: int) -> StoredCompact:
    row = t.versions[version_id]
    slug = t.partnerships[row.partnership_id][0]
    return StoredCompact(
        row.partnership_id, slug, version_id, row.version, row.compact, row.loaded_at
    )


def _sync_known_people(t: _Tables, partnership_id: int, compact: Compact, now: datetime) -> None:
    """As `storage.repositories.people.sync_known_people`: upsert by handle, give the file's
    ids to their people in the partnership's workspaces, drop identities no longer backed."""
    mine = {pid: row for pid, row in t.people.items() if row.partnership_id == partnership_id}
    by_handle = {row.handle.lower(): pid for pid, row in mine.items() if row.handle is not None}
    emails_before = {pid: (row.email or "").casefold() for pid, row in mine.items()}
    same_email: set[int] = set()
    listed = {p.platform: set(p.tenants) for p in compact.platforms}
    homes = dict(listed)
    for channel in t.channels.values():
        platform = channel.conversation.platform
        if channel.partnership_id == partnership_id and platform not in listed:
            homes.setdefault(platform, set()).add(channel.conversation.tenant)
    existing = {
        i.user: iid for iid, i in t.identities.items() if i.partnership_id == partnership_id
    }
    wanted: dict[UserRef, int] = {}
    for person in compact.people:
        keys = [
            UserRef(given.platform, tenant, given.user_id)
            for given in person.identities
            for tenant in sorted(homes.get(given.platform, ()))
        ]
        owners = [t.identities[existing[k]].person_id for k in keys if k in existing]
        adoptable = next((o for o in owners if t.people[o].handle is None), None)
        pid = by_handle.get(person.handle.lower()) or adoptable
        if pid is None:
            pid = t.new_id("people")
            row = _PersonRow(partnership_id, None, person.name, None, now)
        else:
            row = t.people[pid]
        email = (person.email or "").casefold()
        if email and email == emails_before.get(pid) and len(compact.people_with_email(email)) == 1:
            same_email.add(pid)
        t.people[pid] = replace(
            row,
            handle=person.handle,
            display_name=person.name,
            email=person.email,
            organisation_key=person.organisation_id,
        )
        by_handle[person.handle.lower()] = pid
        for identity in person.identities:
            for tenant in sorted(homes.get(identity.platform, ())):
                wanted[UserRef(identity.platform, tenant, identity.user_id)] = pid
    for user, pid in wanted.items():
        iid = existing.get(user) or t.new_id("identities")
        t.identities[iid] = _Identity(pid, partnership_id, user, FROM_FILE)
    for user, iid in existing.items():
        identity = t.identities[iid]
        stale = (
            user.tenant == ANY_TENANT
            or (identity.source == FROM_FILE and user not in wanted)
            or (
                identity.source == FROM_EMAIL
                and (
                    identity.person_id not in same_email
                    or user.tenant not in listed.get(user.platform, {user.tenant})
                )
            )
        )
        if stale:
            del t.identities[iid]
    # People the file no longer names stop being members (see `_remove_unlisted`).
    declared = {by_handle[person.handle.lower()] for person in compact.people}
    for pid, row in mine.items():
        if row.handle is not None and pid not in declared:
            t.people[pid] = replace(t.people[pid], organisation_key=None)


def _person_id(t: _Tables, partnership_id: int, user: UserRef) -> int | None:
    found = sorted(
        iid
        for iid, i in t.identities.items()
        if i.partnership_id == partnership_id and i.user == user
    )
    return t.identities[found[0]].person_id if found else None


def _person(t: _Tables, person_id: int) -> Person | None:
    row = t.people.get(person_id)
    if row is None:
        return None
    identities = tuple(i.user for _, i in sorted(t.identities.items()) if i.person_id == person_id)
    return Person(
        id=person_id,
        partnership_id=row.partnership_id,
        handle=row.handle,
        display_name=row.display_name,
        organisation_key=row.organisation_key,
        identities=identities,
        email=row.email,
        asked_organisation_at=row.asked_organisation_at,
    )


class MemoryPeople(_Repository):
    async def find(self, partnership_id: int, user: UserRef) -> Person | None:
        t = await self._uow.tables()
        person_id = _person_id(t, partnership_id, user)
        return None if person_id is None else _person(t, person_id)

    async def partnerships_knowing(self, user: UserRef) -> list[int]:
        t = await self._uow.tables()
        return sorted(
            {
                i.partnership_id
                for i in t.identities.values()
                if i.user == user and t.people[i.person_id].organisation_key is not None
            }
        )

    async def display_names(
        self, partnership_id: int, users: Iterable[UserRef]
    ) -> dict[UserRef, str]:
        t = await self._uow.tables()
        names: dict[UserRef, str] = {}
        for user in set(users):
            person_id = _person_id(t, partnership_id, user)
            names[user] = user.user_id if person_id is None else t.people[person_id].display_name
        return names

    async def find_by_handle(self, partnership_id: int, handle: str) -> Person | None:
        t = await self._uow.tables()
        wanted = handle.lower()
        for pid, row in sorted(t.people.items()):
            if row.partnership_id == partnership_id and (row.handle or "").lower() == wanted:
                return _person(t, pid)
        return None

    async def create(
        self, partnership_id: int, user: UserRef, display_name: str, *, now: datetime | None = None
    ) -> Person:
        t = await self._uow.tables()
        person_id = t.new_id("people")
        created = now or datetime.now(UTC)
        t.people[person_id] = _PersonRow(partnership_id, None, display_name, None, created)
        t.identities[t.new_id("identities")] = _Identity(person_id, partnership_id, user)
        person = _person(t, person_id)
        assert person is not None
        return person

    async def link_identity(
        self, person_id: int, user: UserRef, *, source: str | None = None
    ) -> None:
        t = await self._uow.tables()
        row = t.people.get(person_id)
        if row is None:
            raise NotFound("That person is not known in this partnership.")
        existing = next(
            (
                iid
                for iid, i in t.identities.items()
                if i.partnership_id == row.partnership_id and i.user == user
            ),
            None,
        )
        t.identities[existing or t.new_id("identities")] = _Identity(
            person_id, row.partnership_id, user, source
        )

    async def identities_for_handles(
        self,
        partnership_id: int,
        handles: Iterable[str],
        *,
        platform: str | None = None,
        tenant: str | None = None,
    ) -> tuple[UserRef, ...]:
        t = await self._uow.tables()
        wanted = {handle.lower() for handle in handles}
        if not wanted:
            return ()
        chosen = [
            i.user
            for _, _, i in sorted(
                (i.person_id, iid, i)
                for iid, i in t.identities.items()
                if i.partnership_id == partnership_id
            )
            if (t.people[i.person_id].handle or "").lower() in wanted
            and t.people[i.person_id].handle is not None
            and (platform is None or i.user.platform == platform)
            and (tenant is None or i.user.tenant == tenant)
        ]
        return tuple(chosen)

    async def identities(self, partnership_id: int) -> tuple[UserRef, ...]:
        t = await self._uow.tables()
        chosen = [
            i.user
            for _, _, i in sorted(
                (i.person_id, iid, i)
                for iid, i in t.identities.items()
                if i.partnership_id == partnership_id
            )
        ]
        return tuple(chosen)

    async def home_tenants(self, partnership_id: int, platform: str) -> set[str]:
        t = await self._uow.tables()
        return {
            c.conversation.tenant
            for c in t.channels.values()
            if c.partnership_id == partnership_id and c.conversation.platform == platform
        }

    async def declare_file_ids(
        self, partnership_id: int, people: Iterable[KnownPerson], platform: str, tenant: str
    ) -> None:
        for person in people:
            row = await self.find_by_handle(partnership_id, person.handle)
            for identity in person.identities if row is not None else ():
                if identity.platform == platform and row is not None:
                    user = UserRef(platform, tenant, identity.user_id)
                    await self.link_identity(row.id, user, source=FROM_FILE)

    async def set_organisation(self, person_id: int, organisation_key: str) -> None:
        t = await self._uow.tables()
        row = t.people.get(person_id)
        if row is None:
            raise NotFound("That person is not known in this partnership.")
        if (row.partnership_id, organisation_key) not in t.organisations:
            raise NotFound(f"There is no organisation '{organisation_key}' in the partnership.")
        t.people[person_id] = replace(row, organisation_key=organisation_key)

    async def mark_asked(self, person_id: int, now: datetime) -> bool:
        t = await self._uow.tables()
        row = t.people.get(person_id)
        if row is None or row.asked_organisation_at is not None:
            return False
        t.people[person_id] = replace(row, asked_organisation_at=now)
        return True


class MemoryMembership(_Repository):
    async def everyone(self, partnership_id: int) -> list[Person]:
        t = await self._uow.tables()
        mine = sorted(
            (row.display_name, pid)
            for pid, row in t.people.items()
            if row.partnership_id == partnership_id
        )
        return [person for _, pid in mine if (person := _person(t, pid)) is not None]

    async def approved_claims(self, partnership_id: int) -> dict[str, int]:
        t = await self._uow.tables()
        return dict(
            Counter(
                row.organisation_key
                for row in t.people.values()
                if row.partnership_id == partnership_id
                and row.handle is None
                and row.organisation_key is not None
            )
        )

    async def person(self, partnership_id: int, person_id: int) -> Person | None:
        t = await self._uow.tables()
        person = _person(t, person_id)
        return person if person is not None and person.partnership_id == partnership_id else None

    async def claim(self, person_id: int, organisation_key: str, now: datetime) -> None:
        t = await self._uow.tables()
        row = t.people.get(person_id)
        if row is None:
            raise NotFound("That person is not known in this partnership.")
        if (row.partnership_id, organisation_key) not in t.organisations:
            raise NotFound(f"There is no organisation '{organisation_key}' in the partnership.")
        t.people[person_id] = replace(
            row, claimed_organisation_key=organisation_key, claimed_at=now
        )

    async def pending(self, partnership_id: int) -> list[Claim]:
        t = await self._uow.tables()
        claims = [
            Claim(pid, row.display_name, row.claimed_organisation_key, row.claimed_at)
            for pid, row in t.people.items()
            if row.partnership_id == partnership_id
            and row.claimed_organisation_key is not None
            and row.claimed_at is not None
        ]
        return sorted(claims, key=lambda c: (c.claimed_at, c.person_id))

    async def decide(
        self, partnership_id: int, person_id: int, organisation_key: str, *, approve: bool
    ) -> Claim | None:
        t = await self._uow.tables()
        claim = next(
            (
                c
                for c in await self.pending(partnership_id)
                if c.person_id == person_id and c.organisation_key == organisation_key
            ),
            None,
        )
        if claim is None:
            return None
        row = t.people[person_id]
        organisation = organisation_key if approve else row.organisation_key
        t.people[person_id] = replace(
            row, organisation_key=organisation, claimed_organisation_key=None, claimed_at=None
        )
        return claim


# --- channels -----------------------------------------------------------------------------------


def _channel_key(conversation: ConversationRef) -> tuple[str, str, str]:
    return (conversation.platform, conversation.tenant, conversation.channel)


def _channel_id(t: _Tables, conversation: ConversationRef) -> int | None:
    key = _channel_key(conversation)
    return next((cid for cid, c in t.channels.items() if _channel_key(c.conversation) == key), None)


class MemoryChannels(_Repository):
    async def bind(
        self, partnership_id: int, conversation: ConversationRef, *, digest: bool = True
    ) -> None:
        t = await self._uow.tables()
        cid = _channel_id(t, conversation)
        if cid is not None:
            t.channels[cid] = replace(t.channels[cid], partnership_id=partnership_id)
            return
        channel = ConversationRef(conversation.platform, conversation.tenant, conversation.channel)
        t.channels[t.new_id("channels")] = _Channel(partnership_id, channel, digest)

    async def partnership_of(self, conversation: ConversationRef) -> int | None:
        t = await self._uow.tables()
        cid = _channel_id(t, conversation)
        return None if cid is None else t.channels[cid].partnership_id

    async def channels_of(
        self, partnership_id: int, *, digest_only: bool = False
    ) -> list[ConversationRef]:
        t = await self._uow.tables()
        return [
            c.conversation
            for _, c in sorted(t.channels.items())
            if c.partnership_id == partnership_id and (c.receives_digest or not digest_only)
        ]

    async def set_digest(self, conversation: ConversationRef, digest: bool) -> None:
        t = await self._uow.tables()
        cid = _channel_id(t, conversation)
        if cid is not None:
            t.channels[cid] = replace(t.channels[cid], receives_digest=digest)

    async def declared_holder(self, platform: str, channel_id: str) -> int | None:
        t = await self._uow.tables()
        return t.declared_channels.get((platform, channel_id))

    async def declare(self, partnership_id: int, channels: Sequence[tuple[str, str]]) -> None:
        t = await self._uow.tables()
        for key, holder in list(t.declared_channels.items()):
            if holder == partnership_id:
                del t.declared_channels[key]
        for key in channels:
            t.declared_channels[key] = partnership_id

    async def receives_digest(self, conversation: ConversationRef) -> bool:
        t = await self._uow.tables()
        cid = _channel_id(t, conversation)
        return cid is not None and t.channels[cid].receives_digest


# --- rounds and reflections ---------------------------------------------------------------------


def _same_channel(a: ConversationRef, b: ConversationRef) -> bool:
    return _channel_key(a) == _channel_key(b)


class MemoryRounds(_Repository):
    async def add(
        self, round_: Round, *, partnership_id: int, compact_version_id: int
    ) -> StoredRound:
        t = await self._uow.tables()
        version = t.versions.get(compact_version_id)
        if version is None or version.partnership_id != partnership_id:
            raise ValueError(
                f"compact version {compact_version_id} is not a version of partnership"
                f" {partnership_id}"
            )
        open_here = any(
            not s.round.is_closed and _same_channel(s.round.conversation, round_.conversation)
            for s in t.rounds.values()
        )
        if round_.id in t.rounds or (open_here and not round_.is_closed):
            raise RoundAlreadyOpen("There is already a reflection round under way in this channel.")
        stored = StoredRound(round_, partnership_id, compact_version_id, version=1)
        _write_reflections(t, stored, ())
        t.rounds[round_.id] = stored
        return stored

    async def get(self, round_id: str) -> StoredRound | None:
        t = await self._uow.tables()
        return t.rounds.get(round_id)

    async def open_in(self, conversation: ConversationRef) -> StoredRound | None:
        t = await self._uow.tables()
        found = [
            s
            for s in t.rounds.values()
            if not s.round.is_closed and _same_channel(s.round.conversation, conversation)
        ]
        return max(found, key=lambda s: s.round.opened_at) if found else None

    async def latest_in(self, conversation: ConversationRef) -> StoredRound | None:
        t = await self._uow.tables()
        found = [s for s in t.rounds.values() if _same_channel(s.round.conversation, conversation)]
        return max(found, key=lambda s: (s.round.opened_at, s.round.id)) if found else None

    async def count_open(self) -> int:
        t = await self._uow.tables()
        return sum(1 for s in t.rounds.values() if not s.round.is_closed)

    async def save(self, stored: StoredRound, new: Round) -> StoredRound:
        t = await self._uow.tables()
        old = stored.round
        if new.id != old.id:
            raise ValueError(f"cannot save round {new.id} over round {old.id}")
        kept = new.turns[: len(old.turns)]
        if [turn.number for turn in kept] != [turn.number for turn in old.turns]:
            raise ValueError("a saved round may gain turns, never lose them")
        current = t.rounds.get(new.id)
        if current is None or current.version != stored.version:
            raise StaleRound(f"round {new.id} changed since version {stored.version} was read")
        saved = replace(stored, round=new, version=stored.version + 1)
        _write_reflections(t, saved, old.reflections)
        t.rounds[new.id] = saved
        return saved

    async def set_thread(self, round_id: str, thread_id: str | None) -> None:
        t = await self._uow.tables()
        stored = t.rounds.get(round_id)
        if stored is None:
            return
        conversation = stored.round.conversation.in_thread(thread_id)
        t.rounds[round_id] = replace(
            stored,
            round=replace(stored.round, conversation=conversation),
            version=stored.version + 1,
        )

    async def set_summary(self, round_id: str, message_id: str) -> None:
        t = await self._uow.tables()
        stored = t.rounds.get(round_id)
        if stored is not None:
            t.rounds[round_id] = replace(stored, summary_id=message_id)

    async def due_turns(self, now: datetime, limit: int = 100) -> list[tuple[str, int]]:
        t = await self._uow.tables()
        return _open_turns(t, lambda deadline: deadline <= now)[:limit]

    async def turns_ending(
        self, now: datetime, within: timedelta, limit: int = 100
    ) -> list[tuple[str, int]]:
        t = await self._uow.tables()
        return _open_turns(t, lambda deadline: now < deadline <= now + within)[:limit]

    async def held_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[RoundHeld]:
        t = await self._uow.tables()
        held = sorted(
            (s.round for s in t.rounds.values() if s.partnership_id == partnership_id),
            key=lambda r: (r.opened_at, r.id),
        )
        return [
            RoundHeld(
                round_id=r.id,
                held_at=r.opened_at,
                attendee_organisation_ids=tuple(
                    a.organisation_id or _organisation_now(t, partnership_id, a.user)
                    for a in r.attendees
                ),
                attendees=tuple(
                    person_key(_person_id(t, partnership_id, a.user), a.user) for a in r.attendees
                ),
            )
            for r in held
            if r.is_closed and not r.cancelled and start <= r.opened_at < end
        ]


def _open_turns(t: _Tables, due: Any) -> list[tuple[str, int]]:
    found = []
    for stored in t.rounds.values():
        turn = None if stored.round.is_closed else stored.round.current_turn
        if turn is not None and turn.deadline is not None and due(turn.deadline):
            found.append((turn.deadline, stored.round.id, turn.number))
    return [(round_id, number) for _, round_id, number in sorted(found)]


def _organisation_now(t: _Tables, partnership_id: int, user: UserRef) -> str | None:
    person_id = _person_id(t, partnership_id, user)
    return None if person_id is None else t.people[person_id].organisation_key


def _write_reflections(t: _Tables, stored: StoredRound, old: Sequence[Reflection]) -> None:
    """The reflection rows of a round's new and edited reflections, checked as SQL checks."""
    new = stored.round
    before = {reflection.author: reflection for reflection in old}
    if not before.keys() <= {reflection.author for reflection in new.reflections}:
        raise ValueError("a saved round may gain reflections, never lose them")
    clauses = {c.id for c in t.versions[stored.compact_version_id].compact.clauses}
    rows = {(row.round_id, row.reflection.author): rid for rid, row in t.reflections.items()}
    for reflection in new.reflections:
        if before.get(reflection.author) == reflection:
            continue
        key = (stored.partnership_id, reflection.organisation_id)
        if reflection.organisation_id is not None and key not in t.organisations:
            raise ValueError(f"unknown organisation(s) in reflections: [{key[1]!r}]")
        if not set(reflection.clause_ids) <= clauses:
            raise ValueError(
                f"clause(s) {sorted(reflection.clause_ids)} are not all in the version"
            )
        rid = rows.get((new.id, reflection.author))
        person_id = (
            _person_id(t, stored.partnership_id, reflection.author)
            if rid is None
            else t.reflections[rid].person_id
        )
        row = _ReflectionRow(
            new.id, stored.partnership_id, stored.compact_version_id, person_id, reflection
        )
        t.reflections[rid or t.new_id("reflections")] = row


class MemoryReflections(_Repository):
    async def records_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[ReflectionRecord]:
        t = await self._uow.tables()
        rows = _reflection_rows(t, partnership_id)
        return [_record(t, row) for row in rows if start <= row.reflection.submitted_at < end]

    async def latest_by(
        self, partnership_id: int, author: UserRef, limit: int = 10
    ) -> list[ReflectionRecord]:
        t = await self._uow.tables()
        rows = [r for r in _reflection_rows(t, partnership_id) if r.reflection.author == author]
        return [_record(t, row) for row in reversed(rows)][:limit]

    async def clause_last_mentioned(
        self, partnership_id: int, *, before: datetime | None = None, include_callouts: bool = True
    ) -> dict[str, datetime]:
        t = await self._uow.tables()
        moments: list[tuple[str, datetime]] = [
            (clause, row.reflection.submitted_at)
            for row in _reflection_rows(t, partnership_id)
            for clause in row.reflection.clause_ids
        ]
        if include_callouts:
            moments += [
                (s.callout.clause_id, s.callout.raised_at)
                for s in t.callouts.values()
                if s.partnership_id == partnership_id
                and s.callout.status is not CalloutStatus.WITHDRAWN
            ]
        latest: dict[str, datetime] = {}
        for clause, moment in moments:
            if before is not None and moment >= before:
                continue
            if clause not in latest or moment > latest[clause]:
                latest[clause] = moment
        return latest

    async def export_rows(self, partnership_id: int | None) -> list[ExportedReflection]:
        t = await self._uow.tables()
        exported = []
        for rid, row in t.reflections.items():
            if partnership_id is not None and row.partnership_id != partnership_id:
                continue
            reflection = row.reflection
            if reflection.withdrawn_at is not None:
                continue
            slug = t.partnerships[row.partnership_id][0]
            exported.append(
                (
                    (slug, reflection.submitted_at, rid),
                    ExportedReflection(
                        partnership_slug=slug,
                        round_id=row.round_id,
                        compact_version=t.versions[row.compact_version_id].version,
                        submitted_at=reflection.submitted_at,
                        edited_at=reflection.edited_at,
                        organisation_key=reflection.organisation_id,
                        author_name=_author_name(t, row),
                        learned=reflection.learned,
                        valued=reflection.valued,
                        clause_ids=reflection.clause_ids,
                        hidden_at=reflection.hidden_at,
                    ),
                )
            )
        return [row for _, row in sorted(exported, key=lambda pair: pair[0])]


def _reflection_rows(t: _Tables, partnership_id: int) -> list[_ReflectionRow]:
    """The partnership's shown reflection rows (neither withdrawn nor hidden), oldest first
    (by submission, then row id)."""
    rows = [(r.reflection.submitted_at, rid, r) for rid, r in t.reflections.items()]
    return [
        r
        for _, _, r in sorted(rows, key=lambda x: x[:2])
        if r.partnership_id == partnership_id and r.reflection.shown
    ]


def _author_name(t: _Tables, row: _ReflectionRow) -> str:
    person = None if row.person_id is None else t.people.get(row.person_id)
    return row.reflection.author.user_id if person is None else person.display_name


def _record(t: _Tables, row: _ReflectionRow) -> ReflectionRecord:
    reflection = row.reflection
    person = None if row.person_id is None else t.people.get(row.person_id)
    organisation = reflection.organisation_id or (
        None if person is None else person.organisation_key
    )
    return ReflectionRecord(
        round_id=row.round_id,
        author_name=_author_name(t, row),
        organisation_id=organisation,
        learned=reflection.learned,
        valued=reflection.valued,
        clause_ids=reflection.clause_ids,
        recorded_at=reflection.submitted_at,
        edited_at=reflection.edited_at,
        person=person_key(
            row.person_id or _person_id(t, row.partnership_id, reflection.author),
            reflection.author,
        ),
    )


# --- call-outs ----------------------------------------------------------------------------------


class MemoryCallouts(_Repository):
    async def add(
        self, callout: Callout, *, partnership_id: int, compact_version_id: int
    ) -> StoredCallout:
        t = await self._uow.tables()
        version = t.versions.get(compact_version_id)
        if (
            version is None
            or version.partnership_id != partnership_id
            or (version.version, t.partnerships[partnership_id][0])
            != (callout.compact_version, callout.partnership_slug)
        ):
            raise ValueError(
                f"call-out {callout.id} is not for compact version {compact_version_id}"
            )
        if not version.compact.has_clause(callout.clause_id):
            raise NotFound(f"There is no clause '{callout.clause_id}' in the compact.")
        if (partnership_id, callout.about_organisation_id) not in t.organisations:
            raise NotFound(f"There is no partner organisation '{callout.about_organisation_id}'.")
        if callout.id in t.callouts:
            raise ValueError(f"call-out {callout.id} already exists")
        callout = as_stored(callout)  # as SQL keeps it
        kept = replace(callout, reporter=None) if callout.anonymous else callout
        stored = StoredCallout(kept, partnership_id, compact_version_id, version=1)
        t.callouts[callout.id] = stored
        return stored

    async def get(self, partnership_id: int, callout_id: str) -> Callout | None:
        stored = await self.get_stored(partnership_id, callout_id)
        return None if stored is None else stored.callout

    async def get_stored(self, partnership_id: int, callout_id: str) -> StoredCallout | None:
        t = await self._uow.tables()
        stored = t.callouts.get(callout_id)
        return stored if stored is not None and stored.partnership_id == partnership_id else None

    async def save(self, callout: Callout, *, expected_version: int) -> StoredCallout:
        t = await self._uow.tables()
        current = t.callouts.get(callout.id)
        if current is None or current.version != expected_version:
            raise StaleCallout(
                f"call-out {callout.id} changed since version {expected_version} was read"
            )
        if len(callout.history) < len(current.callout.history):
            raise ValueError("a call-out's history may grow, never shrink")
        callout = as_stored(callout)  # as SQL keeps it
        kept = replace(
            current.callout,
            what_happened=callout.what_happened,
            what_would_help=callout.what_would_help,
            status=callout.status,
            learning_note=callout.learning_note,
            history=callout.history,
            follow_up=callout.follow_up,
        )
        saved = replace(current, callout=kept, version=expected_version + 1)
        t.callouts[callout.id] = saved
        return saved

    async def open_agenda(self, partnership_id: int) -> list[Callout]:
        t = await self._uow.tables()
        return [c for c in _callouts(t, partnership_id) if c.status in LIVE_STATUSES]

    async def withdrawn_since(self, partnership_id: int, since: datetime) -> list[Callout]:
        t = await self._uow.tables()
        return [
            c
            for c in _callouts(t, partnership_id)
            if c.status is CalloutStatus.WITHDRAWN and c.status_changed_at >= since
        ]

    async def restamp_anonymous(self, since: datetime) -> int:
        t = await self._uow.tables()  # no transaction ids here: only the count to report
        return len(
            [
                c
                for c in t.callouts.values()
                if c.callout.anonymous
                and (c.callout.raised_at >= since or c.callout.status_changed_at >= since)
            ]
        )

    async def facts_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[CalloutFact]:
        t = await self._uow.tables()
        return [
            CalloutFact.from_callout(c)
            for c in _callouts(t, partnership_id)
            if start <= c.raised_at < end or any(start <= s.at < end for s in c.history)
        ]

    async def export_rows(
        self, partnership_id: int | None, *, include_withdrawn: bool = False
    ) -> list[ExportedCallout]:
        t = await self._uow.tables()
        return [
            _exported(c)
            for c in _callouts(t, partnership_id)
            if include_withdrawn or c.status is not CalloutStatus.WITHDRAWN
        ]


def _callouts(t: _Tables, partnership_id: int | None) -> list[Callout]:
    mine = [
        s.callout
        for s in t.callouts.values()
        if partnership_id is None or s.partnership_id == partnership_id
    ]
    return sorted(mine, key=lambda c: (c.raised_at, c.id))


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


# --- digests, schedules, request keys, addresses ------------------------------------------------


class MemoryThreads(_Repository):
    async def add(self, partnership_id: int, message: ThreadMessage) -> None:
        t = await self._uow.tables()
        if message.callout_id not in t.callouts:
            raise NotFound(f"no call-out {message.callout_id}")
        t.thread[t.new_id("thread")] = (partnership_id, message)

    async def count_on(
        self, partnership_id: int, callout_id: str, side: ThreadSide, day: date
    ) -> int:
        return sum(
            1
            for m in await self._of(partnership_id)
            if m.callout_id == callout_id and m.side is side and m.on_day == day
        )

    async def of_callouts(
        self, partnership_id: int, callout_ids: Sequence[str]
    ) -> dict[str, list[ThreadMessage]]:
        threads: dict[str, list[ThreadMessage]] = {}
        for message in await self._of(partnership_id):
            if message.callout_id in callout_ids:
                threads.setdefault(message.callout_id, []).append(message)
        return threads

    async def replies_between(
        self, partnership_id: int, first_day: date, last_day: date
    ) -> list[ThreadMessage]:
        found = [
            m
            for m in await self._of(partnership_id)
            if m.side is ThreadSide.REPLY and first_day <= m.on_day <= last_day
        ]
        return sorted(found, key=lambda m: m.callout_id)

    async def _of(self, partnership_id: int) -> list[ThreadMessage]:
        t = await self._uow.tables()
        return [m for _id, (pid, m) in sorted(t.thread.items()) if pid == partnership_id]


class MemorySummaries(_Repository):
    async def claim(self, partnership_id: int, day: date, now: datetime) -> bool:
        t = await self._uow.tables()
        if (partnership_id, day) in t.summaries:
            return False
        t.summaries[(partnership_id, day)] = now
        return True

    async def last_day(self, partnership_id: int) -> date | None:
        t = await self._uow.tables()
        return max((day for pid, day in t.summaries if pid == partnership_id), default=None)


class MemoryDigests(_Repository):
    async def claim(
        self,
        partnership_id: int,
        period: str,
        now: datetime,
        *,
        stale_after: timedelta | None = None,
    ) -> bool:
        t = await self._uow.tables()
        key = (partnership_id, period)
        row = t.digests.get(key)
        if row is None:
            t.digests[key] = _DigestRow(now, None, ())
            return True
        if stale_after is None or row.sent_at is not None or row.claimed_at > now - stale_after:
            return False
        t.digests[key] = replace(row, claimed_at=now)
        return True

    async def mark_sent(
        self, partnership_id: int, period: str, message_ids: Sequence[str], now: datetime
    ) -> None:
        t = await self._uow.tables()
        key = (partnership_id, period)
        row = t.digests.get(key) or _DigestRow(now, None, ())
        t.digests[key] = replace(row, sent_at=now, message_ids=tuple(message_ids))

    async def was_sent(self, partnership_id: int, period: str) -> bool:
        t = await self._uow.tables()
        row = t.digests.get((partnership_id, period))
        return row is not None and row.sent_at is not None

    async def posted(self, partnership_id: int, period: str) -> list[str]:
        t = await self._uow.tables()
        row = t.digests.get((partnership_id, period))
        return [] if row is None else list(row.message_ids)

    async def record_post(
        self, partnership_id: int, period: str, entry: str, now: datetime
    ) -> None:
        t = await self._uow.tables()
        key = (partnership_id, period)
        row = t.digests.get(key)
        if row is not None:
            t.digests[key] = replace(row, message_ids=(*row.message_ids, entry), claimed_at=now)

    async def unsent(
        self, claimed_before: datetime, claimed_after: datetime
    ) -> list[tuple[int, str]]:
        t = await self._uow.tables()
        found = [
            (row.claimed_at, key)
            for key, row in t.digests.items()
            if row.sent_at is None and claimed_after < row.claimed_at <= claimed_before
        ]
        return [key for _, key in sorted(found)]

    async def sent_periods(self, partnership_id: int) -> list[str]:
        t = await self._uow.tables()
        return sorted(
            period
            for (pid, period), row in t.digests.items()
            if pid == partnership_id and row.sent_at is not None
        )

    async def claimed_among(self, wanted: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        t = await self._uow.tables()
        return {key for key in wanted if key in t.digests}


class MemorySchedules(_Repository):
    async def get(self, partnership_id: int) -> DigestSchedule:
        t = await self._uow.tables()
        return t.schedules.get(partnership_id, DigestSchedule())

    async def all(self, partnership_ids: list[int]) -> dict[int, DigestSchedule]:
        t = await self._uow.tables()
        return {pid: t.schedules.get(pid, DigestSchedule()) for pid in partnership_ids}

    async def save(self, partnership_id: int, schedule: DigestSchedule, now: datetime) -> None:
        t = await self._uow.tables()
        # Stored as "HH:MM", as the SQL column keeps it.
        at = time(schedule.at.hour, schedule.at.minute)
        t.schedules[partnership_id] = replace(schedule, at=at)


class MemoryRequestKeys(_Repository):
    async def first_time(self, key: str, now: datetime) -> bool:
        t = await self._uow.tables()
        if key in t.requests:
            return False
        t.requests[key] = now
        return True

    async def restamp_since(self, since: datetime) -> int:
        t = await self._uow.tables()  # no transaction ids here: only the count to report
        return len([key for key, seen in t.requests.items() if seen >= since])

    async def forget_before(self, moment: datetime) -> int:
        t = await self._uow.tables()
        old = [key for key, seen in t.requests.items() if seen <= moment - timedelta(days=1)]
        for key in old:
            del t.requests[key]
        return len(old)


class MemoryAddresses(_Repository):
    async def remember(
        self, platform: str, key: str, address: Mapping[str, Any], now: datetime
    ) -> None:
        t = await self._uow.tables()
        t.addresses[(platform, key)] = dict(address)

    async def recall(self, platform: str, key: str) -> dict[str, Any] | None:
        t = await self._uow.tables()
        stored = t.addresses.get((platform, key))
        return None if stored is None else dict(stored)


# --- the inbox and the outbox (leased rows) -------------------------------------------------


def _due(rows: Mapping[Any, _Pending], now: datetime, limit: int) -> list[Any]:
    """Ids of rows whose lease ran out, in the order the SQL query gives."""
    return [row_id for row_id, row in rows.items() if row.claimed_until < now][:limit]


def _renew(rows: dict[Any, _Pending], by: str, until: datetime) -> int:
    mine = [row_id for row_id, row in rows.items() if row.claimed_by == by]
    for row_id in mine:
        rows[row_id] = replace(rows[row_id], claimed_until=until)
    return len(mine)


class MemoryInbox(_Repository):
    async def put(
        self,
        key: str,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> None:
        t = await self._uow.tables()
        if key in t.inbox:
            raise KeyError(f"inbox row {key!r} exists")  # SQL: a primary-key violation
        t.inbox[key] = _Pending(key, kind, json.dumps(request), now, by, until)

    async def put_new(
        self,
        key: str,
        day: datetime,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> bool:
        t = await self._uow.tables()
        if key in t.requests:
            return False
        t.requests[key] = day
        await self.put(key, kind, request, now, by=by, until=until)
        return True

    async def take(self, key: str) -> bool:
        t = await self._uow.tables()
        return t.inbox.pop(key, None) is not None

    async def drop(self, keys: Collection[str]) -> int:
        t = await self._uow.tables()
        return sum(t.inbox.pop(key, None) is not None for key in set(keys))

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingRequest]:
        t = await self._uow.tables()
        oldest = dict(sorted(t.inbox.items(), key=lambda item: item[1].received_at))
        claimed = []
        for key in _due(oldest, now, limit):
            row = t.inbox[key] = replace(t.inbox[key], claimed_by=by, claimed_until=until)
            claimed.append(PendingRequest(key, row.kind, json.loads(row.request)))
        return claimed

    async def renew(self, *, by: str, until: datetime) -> int:
        return _renew((await self._uow.tables()).inbox, by, until)

    async def count(self) -> int:
        return len((await self._uow.tables()).inbox)


class MemoryOutbox(_Repository):
    async def add(self, round_id: str, now: datetime, *, by: str, until: datetime) -> int:
        t = await self._uow.tables()
        if round_id not in t.rounds:
            raise KeyError(f"no round {round_id!r}")  # SQL: a foreign-key violation
        delivery_id = t.new_id("outbox")
        t.outbox[delivery_id] = _Pending(round_id, "round", "{}", now, by, until)
        return delivery_id

    async def done(self, delivery_ids: Collection[int]) -> int:
        t = await self._uow.tables()
        return sum(t.outbox.pop(i, None) is not None for i in set(delivery_ids))

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingDelivery]:
        t = await self._uow.tables()
        claimed = []
        for delivery_id in _due(dict(sorted(t.outbox.items())), now, limit):
            row = t.outbox[delivery_id] = replace(
                t.outbox[delivery_id], claimed_by=by, claimed_until=until
            )
            claimed.append(PendingDelivery(delivery_id, row.key))
        return claimed

    async def renew(self, *, by: str, until: datetime) -> int:
        return _renew((await self._uow.tables()).outbox, by, until)

    async def count(self) -> int:
        return len((await self._uow.tables()).outbox)


# --- the compact's health and its review triggers -----------------------------------------------


class MemoryHealth(_Repository):
    async def facts(
        self, partnership_id: int, start: datetime, end: datetime, zone: tzinfo
    ) -> HealthFacts:
        t = await self._uow.tables()
        return HealthFacts(
            reflections=[
                _reflection_fact(t, row)
                for row in _reflection_rows(t, partnership_id)
                if start <= row.reflection.submitted_at < end
            ],
            attendances=_attendances(t, partnership_id, start, end),
            callouts=[
                _callout_fact(t, partnership_id, c, zone)
                for c in _callouts(t, partnership_id)
                if c.raised_at < end and (c.raised_at >= start or c.status_changed_at >= start)
            ],
            members=_members(t, partnership_id),
            last_cited=_last_cited(t, partnership_id, start, zone),
        )


def _organisation_of(t: _Tables, person_id: int | None) -> str | None:
    row = None if person_id is None else t.people.get(person_id)
    return None if row is None else row.organisation_key


def _reflection_fact(t: _Tables, row: _ReflectionRow) -> ReflectionFact:
    reflection = row.reflection
    return ReflectionFact(
        person_key(row.person_id, reflection.author),
        reflection.organisation_id or _organisation_of(t, row.person_id),
        reflection.clause_ids,
        reflection.submitted_at,
    )


def _attendances(
    t: _Tables, partnership_id: int, start: datetime, end: datetime
) -> list[AttendanceFact]:
    found = []
    for stored in t.rounds.values():
        held = stored.round.opened_at
        if stored.partnership_id != partnership_id or not start <= held < end:
            continue
        for attendee in stored.round.attendees:
            person_id = _person_id(t, partnership_id, attendee.user)
            organisation = attendee.organisation_id or _organisation_of(t, person_id)
            found.append(AttendanceFact(person_key(person_id, attendee.user), organisation, held))
    return found


def _callout_fact(
    t: _Tables, partnership_id: int, callout: Callout, zone: tzinfo
) -> CalloutHealthFact:
    reporter = None
    if callout.reporter is not None:
        reporter = _organisation_of(t, _person_id(t, partnership_id, callout.reporter))
    discussed = callout.changed_to_at(CalloutStatus.DISCUSSED)
    resolved = callout.changed_to_at(CalloutStatus.RESOLVED)
    notes = [step.note for step in callout.history] + [callout.learning_note]
    return CalloutHealthFact(
        clause_id=callout.clause_id,
        about_organisation_id=callout.about_organisation_id,
        disclosure=callout.disclosure,
        reporter_organisation_id=reporter or callout.reporter_organisation_id,
        status=callout.status,
        raised_on=callout.raised_at.astimezone(zone).date(),
        discussed_on=None if discussed is None else discussed.astimezone(zone).date(),
        resolved_on=None if resolved is None else resolved.astimezone(zone).date(),
        learning_notes=tuple(dict.fromkeys(n for n in notes if n.strip())),
    )


def _members(t: _Tables, partnership_id: int) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {}
    for pid, row in t.people.items():
        if row.partnership_id == partnership_id and row.organisation_key is not None:
            members.setdefault(row.organisation_key, set()).add(f"person-{pid}")
    return {organisation: frozenset(keys) for organisation, keys in members.items()}


def _last_cited(t: _Tables, partnership_id: int, before: datetime, zone: tzinfo) -> dict[str, date]:
    last: dict[str, date] = {}
    for row in _reflection_rows(t, partnership_id):
        if row.reflection.submitted_at >= before:
            continue
        day = row.reflection.submitted_at.astimezone(zone).date()
        for clause in row.reflection.clause_ids:
            if clause not in last or last[clause] < day:
                last[clause] = day
    return last


class MemoryReviews(_Repository):
    async def states(self, partnership_id: int, span_label: str) -> dict[TriggerKey, TriggerState]:
        t = await self._uow.tables()
        return {
            state.key: state
            for (pid, label, _, _), state in sorted(t.reviews.items())
            if (pid, label) == (partnership_id, span_label)
        }

    async def record(
        self, partnership_id: int, states: Sequence[TriggerState], now: datetime
    ) -> None:
        t = await self._uow.tables()
        for state in states:
            key = (partnership_id, state.span_label, state.clause_id, state.kind.value)
            before = t.reviews.get(key)
            reported = state.reported_in if before is None else before.reported_in
            t.reviews[key] = replace(state, reported_in=reported or state.reported_in)

    async def close_revised(
        self, partnership_id: int, clause_ids: Sequence[str], version: int, now: datetime
    ) -> int:
        t = await self._uow.tables()
        closing = [
            key
            for key, state in t.reviews.items()
            if key[0] == partnership_id
            and state.clause_id in clause_ids
            and state.status is not ReviewStatus.REVISED
        ]
        for key in closing:
            t.reviews[key] = replace(
                t.reviews[key], status=ReviewStatus.REVISED, revised_in=version
            )
        return len(closing)


# --- the audit trail and retention (docs/privacy.md, "Your rights") ---------------------------


class MemoryAudit(_Repository):
    async def record(self, entry: AuditEntry) -> None:
        t = await self._uow.tables()
        t.audit[t.new_id("audit")] = entry

    async def entries(self, partnership_slug: str | None = None) -> list[AuditEntry]:
        t = await self._uow.tables()
        chosen = [
            (e.at, i, e)
            for i, e in t.audit.items()
            if partnership_slug is None or e.partnership_slug == partnership_slug
        ]
        return [e for _at, _i, e in sorted(chosen, key=lambda x: (x[0], x[1]))]

    async def delete_before(self, partnership_slug: str | None, moment: datetime) -> int:
        return await self._delete(lambda e: e.partnership_slug == partnership_slug, moment)

    async def delete_orphans_before(self, kept_slugs: list[str], moment: datetime) -> int:
        return await self._delete(lambda e: e.partnership_slug not in kept_slugs, moment)

    async def _delete(self, which: Callable[[AuditEntry], bool], moment: datetime) -> int:
        t = await self._uow.tables()
        old = [i for i, e in t.audit.items() if which(e) and e.at < moment]
        for i in old:
            del t.audit[i]
        return len(old)


class MemoryRetention(_Repository):
    async def erase_withdrawn_texts(self, withdrawn_before: datetime) -> int:
        t = await self._uow.tables()
        erased = 0
        for key, stored in t.callouts.items():
            callout = stored.callout
            if (
                callout.status is CalloutStatus.WITHDRAWN
                and callout.status_changed_at < withdrawn_before
                and (callout.what_happened or callout.what_would_help)
            ):
                blank = dataclasses.replace(callout, what_happened="", what_would_help="")
                t.callouts[key] = dataclasses.replace(stored, callout=blank)
                erased += 1
        return erased

    async def delete_finished_callouts(self, partnership_id: int, before: datetime) -> int:
        t = await self._uow.tables()
        finished = (CalloutStatus.RESOLVED, CalloutStatus.WITHDRAWN)
        old = [
            key
            for key, stored in t.callouts.items()
            if stored.partnership_id == partnership_id
            and stored.callout.status in finished
            and stored.callout.status_changed_at < before
        ]
        for key in old:
            del t.callouts[key]
        return len(old)

    async def delete_closed_rounds(self, partnership_id: int, before: datetime) -> int:
        t = await self._uow.tables()
        old = {
            key
            for key, stored in t.rounds.items()
            if stored.partnership_id == partnership_id
            and stored.round.closed_at is not None
            and stored.round.closed_at < before
        }
        for key in old:
            del t.rounds[key]
        for row_id in [i for i, row in t.reflections.items() if row.round_id in old]:
            del t.reflections[row_id]
        return len(old)
