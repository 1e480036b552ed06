"""The unit-of-work port: what the use cases may ask of storage, and nothing more.

`storage.database.Database` implements it on SQL (SQLite, PostgreSQL); `tests/fakes/memory.py`
implements it in memory, and `tests/contract/` runs the same cases on all three so they
cannot drift. Each repository protocol lists exactly the methods the application calls.
Conflicts surface as the errors in `rituals.errors` (`StaleRound`, `RoundAlreadyOpen`, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Protocol, Self

from rituals.audit import AuditEntry
from rituals.callout import Callout
from rituals.callout_thread import ThreadMessage, ThreadSide
from rituals.compact import Compact, KnownPerson
from rituals.digest import CalloutFact, RoundHeld
from rituals.health import HealthFacts
from rituals.reflection import ReflectionRecord
from rituals.refs import ConversationRef, UserRef
from rituals.review import TriggerKey, TriggerState
from rituals.round.state import Round
from rituals.schedule import DigestSchedule
from rituals.stored import (
    Claim,
    ExportedCallout,
    ExportedReflection,
    PendingDelivery,
    PendingRequest,
    Person,
    StoredCallout,
    StoredCompact,
    StoredRound,
)


class Compacts(Protocol):
    async def load(
        self, compact: Compact, *, source_text: str, now: datetime
    ) -> tuple[StoredCompact, bool]:
        """Store `compact` (and its partnership, organisations and people); True when that
        made a new version. The same content again creates nothing."""
        ...

    async def latest_for(self, partnership_id: int) -> StoredCompact | None: ...

    async def partnership_ids(self) -> list[int]: ...

    async def latest_all(self) -> list[StoredCompact]:
        """The newest version of every partnership's compact, by partnership slug."""
        ...

    async def by_version_id(self, version_id: int) -> StoredCompact:
        """Raises `NotFound` for an unknown version."""
        ...

    async def partnership_id(self, slug: str) -> int | None:
        """The partnership called `slug`, or None if no compact was ever loaded for it."""
        ...

    async def versions(self, partnership_id: int) -> list[StoredCompact]:
        """Every version of the partnership's compact, oldest first (its history)."""
        ...


class People(Protocol):
    async def find(self, partnership_id: int, user: UserRef) -> Person | None: ...

    async def partnerships_knowing(self, user: UserRef) -> list[int]: ...

    async def display_names(
        self, partnership_id: int, users: Iterable[UserRef]
    ) -> dict[UserRef, str]: ...

    async def find_by_handle(self, partnership_id: int, handle: str) -> Person | None: ...

    async def create(
        self, partnership_id: int, user: UserRef, display_name: str, *, now: datetime | None = None
    ) -> Person: ...

    async def link_identity(
        self, person_id: int, user: UserRef, *, source: str | None = None
    ) -> None: ...

    async def identities_for_handles(
        self,
        partnership_id: int,
        handles: Iterable[str],
        *,
        platform: str | None = None,
        tenant: str | None = None,
    ) -> tuple[UserRef, ...]: ...

    async def identities(self, partnership_id: int) -> tuple[UserRef, ...]: ...

    async def home_tenants(self, partnership_id: int, platform: str) -> set[str]:
        """Where the partnership has a linked channel on `platform`."""
        ...

    async def declare_file_ids(
        self, partnership_id: int, people: Iterable[KnownPerson], platform: str, tenant: str
    ) -> None:
        """The compact file's ids for `platform`, given to their people in `tenant`."""
        ...

    async def set_organisation(self, person_id: int, organisation_key: str) -> None: ...

    async def mark_asked(self, person_id: int, now: datetime) -> bool:
        """True only the first time, even for two replicas at once."""
        ...


class Membership(Protocol):
    """Who belongs to a partnership: everyone known, and the organisation claims pending."""

    async def everyone(self, partnership_id: int) -> list[Person]:
        """Every person the partnership knows, members or not, by name."""
        ...

    async def person(self, partnership_id: int, person_id: int) -> Person | None: ...

    async def approved_claims(self, partnership_id: int) -> dict[str, int]:
        """Per organisation key, how many people represent it by an approved claim (no handle
        in the file, an organisation): members the file does not name."""
        ...

    async def claim(self, person_id: int, organisation_key: str, now: datetime) -> None:
        """Record (or replace) the person's pending claim; NotFound for an unknown key."""
        ...

    async def pending(self, partnership_id: int) -> list[Claim]: ...

    async def decide(
        self, partnership_id: int, person_id: int, organisation_key: str, *, approve: bool
    ) -> Claim | None:
        """Settle the person's pending claim to `organisation_key` (approved: they represent it
        from now on); None when there is no such claim (decided already, or replaced)."""
        ...


class Channels(Protocol):
    async def bind(
        self, partnership_id: int, conversation: ConversationRef, *, digest: bool = True
    ) -> None: ...

    async def partnership_of(self, conversation: ConversationRef) -> int | None: ...

    async def channels_of(
        self, partnership_id: int, *, digest_only: bool = False
    ) -> list[ConversationRef]: ...

    async def set_digest(self, conversation: ConversationRef, digest: bool) -> None: ...

    async def receives_digest(self, conversation: ConversationRef) -> bool: ...

    async def declared_holder(self, platform: str, channel_id: str) -> int | None:
        """The partnership whose compact file declares this channel, if any."""
        ...

    async def declare(self, partnership_id: int, channels: Sequence[tuple[str, str]]) -> None:
        """Replace the (platform, channel id) pairs the partnership's file declares."""
        ...


class Rounds(Protocol):
    async def add(
        self, round_: Round, *, partnership_id: int, compact_version_id: int
    ) -> StoredRound:
        """Raises `RoundAlreadyOpen` if the channel already has a round not closed."""
        ...

    async def get(self, round_id: str) -> StoredRound | None: ...

    async def open_in(self, conversation: ConversationRef) -> StoredRound | None: ...

    async def latest_in(self, conversation: ConversationRef) -> StoredRound | None:
        """The round opened last in the conversation's channel, open or closed."""
        ...

    async def count_open(self) -> int: ...

    async def save(self, stored: StoredRound, new: Round) -> StoredRound:
        """Compare-and-swap: raises `StaleRound` if the round was saved since `stored`."""
        ...

    async def set_thread(self, round_id: str, thread_id: str | None) -> None: ...

    async def set_summary(self, round_id: str, message_id: str) -> None: ...

    async def due_turns(self, now: datetime, limit: int = 100) -> list[tuple[str, int]]: ...

    async def turns_ending(
        self, now: datetime, within: timedelta, limit: int = 100
    ) -> list[tuple[str, int]]: ...

    async def held_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[RoundHeld]: ...


class Reflections(Protocol):
    async def records_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[ReflectionRecord]: ...

    async def latest_by(
        self, partnership_id: int, author: UserRef, limit: int = 10
    ) -> list[ReflectionRecord]: ...

    async def clause_last_mentioned(
        self, partnership_id: int, *, before: datetime | None = None, include_callouts: bool = True
    ) -> dict[str, datetime]: ...

    async def export_rows(self, partnership_id: int | None) -> list[ExportedReflection]: ...


class Callouts(Protocol):
    async def add(
        self, callout: Callout, *, partnership_id: int, compact_version_id: int
    ) -> StoredCallout: ...

    async def get(self, partnership_id: int, callout_id: str) -> Callout | None: ...

    async def get_stored(self, partnership_id: int, callout_id: str) -> StoredCallout | None: ...

    async def save(self, callout: Callout, *, expected_version: int) -> StoredCallout:
        """Compare-and-swap: raises `StaleCallout` if saved since `expected_version`."""
        ...

    async def open_agenda(self, partnership_id: int) -> list[Callout]: ...

    async def withdrawn_since(self, partnership_id: int, since: datetime) -> list[Callout]:
        """Call-outs withdrawn at or after `since` (their last change was the withdrawal)."""
        ...

    async def restamp_anonymous(self, since: datetime) -> int:
        """Rewrite, unchanged and in this transaction, every anonymous call-out raised or
        changed since `since` (every partnership) and its withdrawal; how many call-outs."""
        ...

    async def facts_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[CalloutFact]: ...

    async def export_rows(
        self, partnership_id: int | None, *, include_withdrawn: bool = False
    ) -> list[ExportedCallout]: ...


class CalloutThreads(Protocol):
    """Questions to a call-out's reporter and their replies (`rituals.callout_thread`)."""

    async def add(self, partnership_id: int, message: ThreadMessage) -> None: ...

    async def count_on(
        self, partnership_id: int, callout_id: str, side: ThreadSide, day: date
    ) -> int: ...

    async def of_callouts(
        self, partnership_id: int, callout_ids: Sequence[str]
    ) -> dict[str, list[ThreadMessage]]:
        """Each call-out's thread, in the order it was written."""
        ...

    async def replies_between(
        self, partnership_id: int, first_day: date, last_day: date
    ) -> list[ThreadMessage]:
        """Replies written on the days `first_day`..`last_day` (both included)."""
        ...


class FacilitatorSummaries(Protocol):
    async def claim(self, partnership_id: int, day: date, now: datetime) -> bool:
        """Claim the daily summary of `day`; False if someone already has."""
        ...

    async def last_day(self, partnership_id: int) -> date | None: ...


class Digests(Protocol):
    async def claim(
        self,
        partnership_id: int,
        period: str,
        now: datetime,
        *,
        stale_after: timedelta | None = None,
    ) -> bool: ...

    async def mark_sent(
        self, partnership_id: int, period: str, message_ids: Sequence[str], now: datetime
    ) -> None: ...

    async def was_sent(self, partnership_id: int, period: str) -> bool: ...

    async def posted(self, partnership_id: int, period: str) -> list[str]: ...

    async def record_post(
        self, partnership_id: int, period: str, entry: str, now: datetime
    ) -> None: ...

    async def unsent(
        self, claimed_before: datetime, claimed_after: datetime
    ) -> list[tuple[int, str]]: ...

    async def sent_periods(self, partnership_id: int) -> list[str]: ...

    async def claimed_among(self, wanted: Sequence[tuple[int, str]]) -> set[tuple[int, str]]: ...


class Schedules(Protocol):
    async def get(self, partnership_id: int) -> DigestSchedule: ...

    async def all(self, partnership_ids: list[int]) -> dict[int, DigestSchedule]: ...

    async def save(self, partnership_id: int, schedule: DigestSchedule, now: datetime) -> None: ...


class RequestKeys(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool:
        """True the first time `key` is seen (and records it); False for a repeat."""
        ...

    async def forget_before(self, moment: datetime) -> int: ...

    async def restamp_since(self, since: datetime) -> int: ...


class Addresses(Protocol):
    async def remember(
        self, platform: str, key: str, address: Mapping[str, Any], now: datetime
    ) -> None: ...

    async def recall(self, platform: str, key: str) -> dict[str, Any] | None: ...


class Inbox(Protocol):
    """Requests acknowledged before they are handled (docs/durability.md). Each row is leased
    (`by`, `until`) to the process working on it; one whose lease ran out is claimable."""

    async def put(
        self,
        key: str,
        kind: str,
        request: dict[str, Any],
        now: datetime,
        *,
        by: str,
        until: datetime,
    ) -> None: ...

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
        """Record the request's key (first seen on `day`) and its row, in one statement
        where the database allows; False, writing nothing, for a key seen before."""
        ...

    async def take(self, key: str) -> bool:
        """Delete the request's row; True if it was there (this transaction handles it)."""
        ...

    async def drop(self, keys: Collection[str]) -> int:
        """Delete the rows of requests already handled; how many were still there."""
        ...

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingRequest]:
        """Lease to `by` the rows whose lease ran out, oldest first; a row another unit of
        work claims at the same moment is left to it."""
        ...

    async def renew(self, *, by: str, until: datetime) -> int:
        """Extend the lease on every row `by` holds; how many."""
        ...

    async def count(self) -> int: ...


class Outbox(Protocol):
    """Rounds whose messages are owed after a committed change, leased like inbox rows."""

    async def add(self, round_id: str, now: datetime, *, by: str, until: datetime) -> int: ...

    async def done(self, delivery_ids: Collection[int]) -> int:
        """The messages went out; how many of the rows were still there."""
        ...

    async def claim_due(
        self, now: datetime, *, by: str, until: datetime, limit: int = 50
    ) -> list[PendingDelivery]: ...

    async def renew(self, *, by: str, until: datetime) -> int: ...

    async def count(self) -> int: ...


class Health(Protocol):
    async def facts(
        self, partnership_id: int, start: datetime, end: datetime, zone: tzinfo
    ) -> HealthFacts:
        """What the health view is composed from, for `[start, end)` (callers pass the span and
        the one before it): reflections, attendances and call-outs (raised in it, or changing
        status in it, days read in `zone`), members, and each clause's last citation before
        `start`. People are opaque keys; a call-out carries its reporter's organisation only
        when it is not anonymous, never the reporter. A fixed number of statements."""
        ...


class ReviewTriggers(Protocol):
    async def states(self, partnership_id: int, span_label: str) -> dict[TriggerKey, TriggerState]:
        """What is stored about the triggers of one span (a quarter's label)."""
        ...

    async def record(
        self, partnership_id: int, states: Sequence[TriggerState], now: datetime
    ) -> None:
        """Store each state (status, revised_in); `reported_in` once set is never changed."""
        ...

    async def close_revised(
        self, partnership_id: int, clause_ids: Sequence[str], version: int, now: datetime
    ) -> int:
        """Every stored trigger of `clause_ids` not yet revised becomes revised in `version`;
        how many did."""
        ...


class AuditTrail(Protocol):
    """Facilitator and operator actions, written in the action's own transaction."""

    async def record(self, entry: AuditEntry) -> None: ...

    async def entries(self, partnership_slug: str | None = None) -> list[AuditEntry]: ...

    async def delete_before(self, partnership_slug: str | None, moment: datetime) -> int: ...

    async def delete_orphans_before(self, kept_slugs: list[str], moment: datetime) -> int:
        """Entries of partnerships no longer stored (or of none) older than `moment`."""
        ...


class Retention(Protocol):
    """Erasing what has been kept long enough (each a count of rows)."""

    async def erase_withdrawn_texts(self, withdrawn_before: datetime) -> int: ...

    async def delete_finished_callouts(self, partnership_id: int, before: datetime) -> int: ...

    async def delete_closed_rounds(self, partnership_id: int, before: datetime) -> int: ...


class UnitOfWork(Protocol):
    """One transaction: `async with factory.unit_of_work() as uow: ...; await uow.commit()`.

    Nothing is visible to other units of work before `commit`; leaving the block without
    committing discards everything since the last commit.
    """

    @property
    def compacts(self) -> Compacts: ...
    @property
    def people(self) -> People: ...
    @property
    def membership(self) -> Membership: ...
    @property
    def channels(self) -> Channels: ...
    @property
    def rounds(self) -> Rounds: ...
    @property
    def reflections(self) -> Reflections: ...
    @property
    def callouts(self) -> Callouts: ...
    @property
    def threads(self) -> CalloutThreads: ...
    @property
    def summaries(self) -> FacilitatorSummaries: ...
    @property
    def digests(self) -> Digests: ...
    @property
    def schedules(self) -> Schedules: ...
    @property
    def requests(self) -> RequestKeys: ...
    @property
    def addresses(self) -> Addresses: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def health(self) -> Health: ...
    @property
    def reviews(self) -> ReviewTriggers: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def retention(self) -> Retention: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Where the application's data lives: fresh units of work, a health check, shutdown."""

    def unit_of_work(self) -> UnitOfWork: ...

    async def ping(self) -> None:
        """Raise unless the store answers (health checks)."""
        ...

    async def dispose(self) -> None: ...
