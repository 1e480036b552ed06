"""Reflection rounds: the whole round in one row, compare-and-swap saves, reflections written
as rows in the same transaction (why, in docs/architecture.md, "Storage")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import (
    BindParameter,
    Insert,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from rituals.digest import RoundHeld
from rituals.errors import RoundAlreadyOpen, StaleRound
from rituals.reflection import Reflection
from rituals.refs import ConversationRef, UserRef
from rituals.round.state import Round, RoundStatus
from rituals.stored import ANY_TENANT, StoredRound
from storage.models import (
    ClauseRow,
    CompactVersionRow,
    OrganisationRow,
    PersonIdentityRow,
    PersonRow,
    ReflectionClauseRow,
    ReflectionRow,
    RoundRow,
)
from storage.repositories._people import person_key
from storage.repositories._sql import insert_if_absent, rowcount
from storage.round_state import attendees_from_json, round_from_json, round_to_json
from storage.types import UtcDateTime

_CLOSED = RoundStatus.CLOSED.value

_ROUNDS: Final = cast(Table, RoundRow.__table__)
_REFLECTIONS: Final = cast(Table, ReflectionRow.__table__)
_LINKS: Final = cast(Table, ReflectionClauseRow.__table__)
_CLAUSES: Final = cast(Table, ClauseRow.__table__)
_IDENTITIES: Final = cast(Table, PersonIdentityRow.__table__)
_ORGANISATIONS: Final = cast(Table, OrganisationRow.__table__)
_PEOPLE: Final = cast(Table, PersonRow.__table__)

# The columns a `StoredRound` is rebuilt from, in the order `_stored` unpacks them.
_LOADED: Final = (
    _ROUNDS.c.id,
    _ROUNDS.c.partnership_id,
    _ROUNDS.c.compact_version_id,
    _ROUNDS.c.version,
    _ROUNDS.c.platform,
    _ROUNDS.c.tenant,
    _ROUNDS.c.channel_id,
    _ROUNDS.c.thread_id,
    _ROUNDS.c.status,
    _ROUNDS.c.opened_at,
    _ROUNDS.c.closed_at,
    _ROUNDS.c.state,
    _ROUNDS.c.summary_id,
)
_GET: Final = select(*_LOADED).where(_ROUNDS.c.id == bindparam("round_id"))
_OPEN_IN: Final = (
    select(*_LOADED)
    .where(
        _ROUNDS.c.platform == bindparam("platform"),
        _ROUNDS.c.tenant == bindparam("tenant"),
        _ROUNDS.c.channel_id == bindparam("channel_id"),
        _ROUNDS.c.status != _CLOSED,
    )
    .order_by(_ROUNDS.c.opened_at.desc())
    .limit(1)
)
_LATEST_IN: Final = (
    select(*_LOADED)
    .where(
        _ROUNDS.c.platform == bindparam("platform"),
        _ROUNDS.c.tenant == bindparam("tenant"),
        _ROUNDS.c.channel_id == bindparam("channel_id"),
    )
    .order_by(_ROUNDS.c.opened_at.desc(), _ROUNDS.c.id.desc())
    .limit(1)
)
_COUNT_OPEN: Final = select(func.count()).select_from(_ROUNDS).where(_ROUNDS.c.status != _CLOSED)
# Compare-and-swap: SET columns come from the parameters, by column name.
_SWAP: Final = update(_ROUNDS).where(
    _ROUNDS.c.id == bindparam("round_id"), _ROUNDS.c.version == bindparam("read_version")
)

# Reflection rows find their person and organisation rows by subquery. SQLAlchemy keeps a
# column's own name for that column's value in an INSERT or UPDATE, so the parameters of
# subqueries and WHERE clauses are named apart: `by_*` for the author, `in_round`, `owner_id`.
#
# The author's person: an identity in their own tenant wins over one the compact file
# declared for any tenant (`ANY_TENANT`), as everywhere people are looked up.
_PERSON: Final = (
    select(_IDENTITIES.c.person_id)
    .where(
        _IDENTITIES.c.partnership_id == bindparam("owner_id"),
        _IDENTITIES.c.platform == bindparam("by_platform"),
        _IDENTITIES.c.user_id == bindparam("by_user_id"),
        _IDENTITIES.c.tenant.in_([bindparam("by_tenant"), ANY_TENANT]),
    )
    .order_by(case((_IDENTITIES.c.tenant == ANY_TENANT, 1), else_=0))
    .limit(1)
    .scalar_subquery()
)
_ORGANISATION: Final = (
    select(_ORGANISATIONS.c.id)
    .where(
        _ORGANISATIONS.c.partnership_id == bindparam("owner_id"),
        _ORGANISATIONS.c.key == bindparam("organisation_key"),
    )
    .scalar_subquery()
)
# Both return the organisation row they stored, so an unknown organisation key is caught.
_INSERT_REFLECTION: Final = (
    insert(_REFLECTIONS)
    .values(person_id=_PERSON, organisation_id=_ORGANISATION)
    .returning(_REFLECTIONS.c.id, _REFLECTIONS.c.organisation_id)
)
_UPDATE_REFLECTION: Final = (
    update(_REFLECTIONS)
    .where(
        _REFLECTIONS.c.round_id == bindparam("in_round"),
        _REFLECTIONS.c.author_platform == bindparam("by_platform"),
        _REFLECTIONS.c.author_tenant == bindparam("by_tenant"),
        _REFLECTIONS.c.author_user_id == bindparam("by_user_id"),
    )
    .values(organisation_id=_ORGANISATION)
    .returning(_REFLECTIONS.c.id, _REFLECTIONS.c.organisation_id)
)
_UNLINK: Final = delete(_LINKS).where(_LINKS.c.reflection_id == bindparam("reflection_id"))

# The digest's reads: built once, since building a statement costs more than running it.
_HELD_BETWEEN: Final = (
    select(_ROUNDS.c.id, _ROUNDS.c.opened_at, _ROUNDS.c.state)
    .where(
        _ROUNDS.c.partnership_id == bindparam("partnership_id"),
        _ROUNDS.c.status == _CLOSED,
        _ROUNDS.c.opened_at >= bindparam("start"),
        _ROUNDS.c.opened_at < bindparam("end"),
    )
    .order_by(_ROUNDS.c.opened_at, _ROUNDS.c.id)
)
_PEOPLE_NOW: Final = (
    select(
        _IDENTITIES.c.platform,
        _IDENTITIES.c.tenant,
        _IDENTITIES.c.user_id,
        _PEOPLE.c.id,
        _ORGANISATIONS.c.key,
    )
    .join(_PEOPLE, _PEOPLE.c.id == _IDENTITIES.c.person_id)
    .outerjoin(_ORGANISATIONS, _ORGANISATIONS.c.id == _PEOPLE.c.organisation_id)
    .where(
        _IDENTITIES.c.partnership_id == bindparam("partnership_id"),
        _IDENTITIES.c.user_id.in_(bindparam("user_ids", expanding=True)),
    )
)

_DUE: Final = (
    select(_ROUNDS.c.id, _ROUNDS.c.turn_no)
    .where(
        _ROUNDS.c.status != _CLOSED,
        _ROUNDS.c.turn_no.is_not(None),
        _ROUNDS.c.turn_deadline <= bindparam("now", type_=UtcDateTime()),
    )
    .order_by(_ROUNDS.c.turn_deadline, _ROUNDS.c.id)
    .limit(bindparam("limit"))
)


_ENDING: Final = (
    select(_ROUNDS.c.id, _ROUNDS.c.turn_no)
    .where(
        _ROUNDS.c.status != _CLOSED,
        _ROUNDS.c.turn_no.is_not(None),
        _ROUNDS.c.turn_deadline > bindparam("now", type_=UtcDateTime()),
        _ROUNDS.c.turn_deadline <= bindparam("until", type_=UtcDateTime()),
    )
    .order_by(_ROUNDS.c.turn_deadline, _ROUNDS.c.id)
    .limit(bindparam("limit"))
)


class RoundRepository:
    """Stores and loads reflection rounds; one instance per unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, round_: Round, *, partnership_id: int, compact_version_id: int
    ) -> StoredRound:
        """Store a new round (version 1) against the compact version it runs on.

        Raises `RoundAlreadyOpen` if the channel already has a round that is not closed (or a
        round with this id exists), which is how two replicas starting a round in the same
        channel at the same moment end up with one round rather than two.
        """
        owner = await self._session.scalar(
            select(CompactVersionRow.partnership_id).where(
                CompactVersionRow.id == compact_version_id
            )
        )
        if owner != partnership_id:
            raise ValueError(
                f"compact version {compact_version_id} is not a version of partnership"
                f" {partnership_id}"
            )
        inserted = await insert_if_absent(
            self._session,
            insert(_ROUNDS).values(
                id=round_.id,
                partnership_id=partnership_id,
                compact_version_id=compact_version_id,
                version=1,
                **_columns(round_),
            ),
        )
        if inserted is None:
            raise RoundAlreadyOpen("There is already a reflection round under way in this channel.")
        stored = StoredRound(round_, partnership_id, compact_version_id, version=1)
        await _ReflectionWriter(await self._session.connection(), stored).write((), round_)
        return stored

    async def get(self, round_id: str) -> StoredRound | None:
        """The round with this id, exactly as last saved, or None."""
        connection = await self._session.connection()
        row = (await connection.execute(_GET, {"round_id": round_id})).first()
        return None if row is None else _stored(row)

    async def open_in(self, conversation: ConversationRef) -> StoredRound | None:
        """The round not yet closed in the conversation's channel (its thread is ignored)."""
        connection = await self._session.connection()
        row = (await connection.execute(_OPEN_IN, _channel(conversation))).first()
        return None if row is None else _stored(row)

    async def latest_in(self, conversation: ConversationRef) -> StoredRound | None:
        """The round opened last in the conversation's channel, open or closed."""
        connection = await self._session.connection()
        row = (await connection.execute(_LATEST_IN, _channel(conversation))).first()
        return None if row is None else _stored(row)

    async def count_open(self) -> int:
        """How many rounds are not yet closed (everywhere): a gauge for `/metrics`."""
        connection = await self._session.connection()
        return int((await connection.execute(_COUNT_OPEN)).scalar_one())

    async def save(self, stored: StoredRound, new: Round) -> StoredRound:
        """Replace `stored.round` by `new`, unless someone saved the round since it was loaded.

        Compare-and-swap on `version`: the UPDATE only matches the version `stored` was read
        at; if it matches nothing, `StaleRound` is raised before anything else is written.
        """
        old = stored.round
        if new.id != old.id:
            raise ValueError(f"cannot save round {new.id} over round {old.id}")
        kept = new.turns[: len(old.turns)]
        if [t.number for t in kept] != [t.number for t in old.turns]:
            raise ValueError("a saved round may gain turns, never lose them")
        connection = await self._session.connection()
        swapped = await connection.execute(
            _SWAP,
            {
                "round_id": new.id,
                "read_version": stored.version,
                "version": stored.version + 1,
                **_columns(new),
            },
        )
        if swapped.rowcount != 1:
            raise StaleRound(f"round {new.id} changed since version {stored.version} was read")
        saved = StoredRound(
            new,
            stored.partnership_id,
            stored.compact_version_id,
            version=stored.version + 1,
            summary_id=stored.summary_id,
        )
        if new.reflections is not old.reflections:
            await _ReflectionWriter(connection, saved).write(old.reflections, new)
        return saved

    async def set_thread(self, round_id: str, thread_id: str | None) -> None:
        """Point the round's conversation at the thread its header message started.

        This changes the round, so it bumps the version: a save prepared from the round as it
        was before would otherwise put the old (missing) thread back; it gets `StaleRound`
        and is retried on the round with its thread.
        """
        await rowcount(
            self._session,
            update(_ROUNDS)
            .where(_ROUNDS.c.id == round_id)
            .values(thread_id=thread_id, version=_ROUNDS.c.version + 1),
        )

    async def set_summary(self, round_id: str, message_id: str) -> None:
        """Remember the message the round's summary was posted as. Not part of the round's
        state, so no version bump: a save never writes it back."""
        await rowcount(
            self._session,
            update(_ROUNDS).where(_ROUNDS.c.id == round_id).values(summary_id=message_id),
        )

    async def due_turns(self, now: datetime, limit: int = 100) -> list[tuple[str, int]]:
        """(round id, turn number) of open turns whose deadline has passed, oldest first.

        Meant for a periodic tick on any replica: feeding `TurnTimedOut(turn_no)` for a turn
        another replica already timed out is a stale event and changes nothing.
        """
        connection = await self._session.connection()
        rows = await connection.execute(_DUE, {"now": now, "limit": limit})
        return [(round_id, number) for round_id, number in rows]

    async def turns_ending(
        self, now: datetime, within: timedelta, limit: int = 100
    ) -> list[tuple[str, int]]:
        """(round id, turn number) of open turns that will time out within `within` (for a
        reminder to the person asked), soonest first."""
        connection = await self._session.connection()
        rows = await connection.execute(
            _ENDING, {"now": now, "until": now + within, "limit": limit}
        )
        return [(round_id, number) for round_id, number in rows]

    async def held_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[RoundHeld]:
        """Closed rounds opened in `[start, end)`, not cancelled ones, with their attendees'
        organisations (for someone who said which only later, the one they have said since)
        and opaque keys (`person_key`), so the digest counts distinct people."""
        rows = await (await self._session.connection()).execute(
            _HELD_BETWEEN, {"partnership_id": partnership_id, "start": start, "end": end}
        )
        held = [
            (round_id, opened_at, attendees_from_json(state))
            for round_id, opened_at, state in rows.all()
            if not state.get("cancelled", False)  # started by mistake: not a round held
        ]
        users = {a.user for _, _, attendees in held for a in attendees}
        now = await self._people_now(partnership_id, users)
        return [
            RoundHeld(
                round_id=round_id,
                held_at=opened_at,
                attendee_organisation_ids=tuple(
                    a.organisation_id or now.get(a.user, (None, None))[1] for a in attendees
                ),
                attendees=tuple(
                    person_key(now.get(a.user, (None, None))[0], a.user) for a in attendees
                ),
            )
            for round_id, opened_at, attendees in held
        ]

    async def _people_now(
        self, partnership_id: int, users: set[UserRef]
    ) -> dict[UserRef, tuple[int | None, str | None]]:
        """The person each of `users` is, and the organisation they represent now, in one
        query."""
        if not users:
            return {}
        rows = await (await self._session.connection()).execute(
            _PEOPLE_NOW,
            {"partnership_id": partnership_id, "user_ids": sorted({u.user_id for u in users})},
        )
        found: dict[UserRef, tuple[int | None, str | None]] = {}
        for platform, tenant, user_id, person_id, key in rows.all():
            for user in users:
                if (user.platform, user.user_id) != (platform, user_id):
                    continue
                # An exact tenant's identity before one the compact file declared for any.
                if tenant == user.tenant or (tenant == ANY_TENANT and user not in found):
                    found[user] = (person_id, key)
        return found


class _ReflectionWriter:
    """Projects a round's new and edited reflections into rows, with their clause links.

    Per reflection: one INSERT (or UPDATE) that finds its person and organisation rows by
    subquery, then one INSERT ... SELECT of its clause links (after a DELETE of the old
    links, for an edit). Keys that find no row raise `ValueError` rather than store a
    reflection that would silently lose its organisation or a clause.
    """

    def __init__(self, connection: AsyncConnection, stored: StoredRound) -> None:
        self._connection = connection
        self._stored = stored

    async def write(self, old: Sequence[Reflection], new: Round) -> None:
        before = {reflection.author: reflection for reflection in old}
        authors = {reflection.author for reflection in new.reflections}
        if not before.keys() <= authors:
            raise ValueError("a saved round may gain reflections, never lose them")
        for position, reflection in enumerate(new.reflections):
            previous = before.get(reflection.author)
            if previous is None:
                await self._insert(position, reflection)
            elif previous != reflection:
                await self._update(position, reflection)

    async def _insert(self, position: int, reflection: Reflection) -> None:
        author = reflection.author
        result = await self._connection.execute(
            _INSERT_REFLECTION,
            {
                "round_id": self._stored.round.id,
                "partnership_id": self._stored.partnership_id,
                "compact_version_id": self._stored.compact_version_id,
                "author_platform": author.platform,
                "author_tenant": author.tenant,
                "author_user_id": author.user_id,
                **self._lookups(reflection),
                **_reflection_columns(position, reflection),
            },
        )
        reflection_id, organisation_id = result.one()
        _check_organisation(reflection, organisation_id)
        await self._link(reflection_id, reflection)

    async def _update(self, position: int, reflection: Reflection) -> None:
        result = await self._connection.execute(
            _UPDATE_REFLECTION,
            {
                "in_round": self._stored.round.id,
                **self._lookups(reflection),
                **_reflection_columns(position, reflection),
            },
        )
        reflection_id, organisation_id = result.one()
        _check_organisation(reflection, organisation_id)
        await self._connection.execute(_UNLINK, {"reflection_id": reflection_id})
        await self._link(reflection_id, reflection)

    def _lookups(self, reflection: Reflection) -> dict[str, Any]:
        """Parameters naming the author (their person subquery, an edit's WHERE) and their
        organisation (its subquery)."""
        author = reflection.author
        return {
            "owner_id": self._stored.partnership_id,
            "by_platform": author.platform,
            "by_tenant": author.tenant,
            "by_user_id": author.user_id,
            "organisation_key": reflection.organisation_id,
        }

    async def _link(self, reflection_id: int, reflection: Reflection) -> None:
        keys = reflection.clause_ids
        if not keys:
            return
        parameters: dict[str, Any] = {
            "reflection_id": reflection_id,
            "submitted_at": reflection.submitted_at,
            "compact_version_id": self._stored.compact_version_id,
        }
        parameters.update((f"clause_{i}", key) for i, key in enumerate(keys))
        linked = await self._connection.execute(_links_statement(len(keys)), parameters)
        if linked.rowcount != len(set(keys)):
            raise ValueError(
                f"clause(s) {sorted(keys)} are not all in compact version"
                f" {self._stored.compact_version_id}"
            )


@cache
def _links_statement(count: int) -> Insert:
    """INSERT ... SELECT of the clause links of one reflection citing `count` clauses.

    The clause rows are those of the round's compact version with the cited keys; each
    link's `position` is the index of its key among the cited ones (the author's order).
    Built once per count: the shape of the statement depends on nothing else.
    """
    keys: list[BindParameter[Any]] = [bindparam(f"clause_{i}") for i in range(count)]
    position = case(*((_CLAUSES.c.clause_key == key, i) for i, key in enumerate(keys)))
    return insert(_LINKS).from_select(
        ["reflection_id", "clause_id", "position", "submitted_at"],
        select(
            bindparam("reflection_id", type_=_LINKS.c.reflection_id.type),
            _CLAUSES.c.id,
            position,
            bindparam("submitted_at", type_=_LINKS.c.submitted_at.type),
        ).where(
            _CLAUSES.c.compact_version_id == bindparam("compact_version_id"),
            _CLAUSES.c.clause_key.in_(keys),
        ),
    )


def _check_organisation(reflection: Reflection, organisation_id: int | None) -> None:
    if reflection.organisation_id is not None and organisation_id is None:
        raise ValueError(
            f"unknown organisation(s) in reflections: [{reflection.organisation_id!r}]"
        )


def _stored(row: Sequence[Any]) -> StoredRound:
    """The `StoredRound` of a row of the `_LOADED` columns."""
    (
        round_id,
        partnership_id,
        compact_version_id,
        version,
        platform,
        tenant,
        channel_id,
        thread_id,
        status,
        opened_at,
        closed_at,
        state,
        summary_id,
    ) = row
    round_ = round_from_json(
        state,
        id=round_id,
        conversation=ConversationRef(platform, tenant, channel_id, thread_id),
        status=RoundStatus(status),
        opened_at=opened_at,
        closed_at=closed_at,
    )
    return StoredRound(round_, partnership_id, compact_version_id, version, summary_id)


def _channel(conversation: ConversationRef) -> dict[str, str]:
    return {
        "platform": conversation.platform,
        "tenant": conversation.tenant,
        "channel_id": conversation.channel,
    }


def _columns(round_: Round) -> dict[str, Any]:
    """The round row's columns for `round_` (all but id, owner and version)."""
    current = None if round_.is_closed else round_.current_turn
    conversation = round_.conversation
    return {
        "platform": conversation.platform,
        "tenant": conversation.tenant,
        "channel_id": conversation.channel,
        "thread_id": conversation.thread,
        "status": round_.status.value,
        "started_by": round_.started_by.user_id,
        "state": round_to_json(round_),
        "turn_no": None if current is None else current.number,
        "turn_deadline": None if current is None else current.deadline,
        "opened_at": round_.opened_at,
        "closed_at": round_.closed_at,
    }


def _reflection_columns(position: int, reflection: Reflection) -> Mapping[str, Any]:
    """The columns of a reflection row that an edit may change (besides its organisation)."""
    return {
        "learned": reflection.learned,
        "valued": reflection.valued,
        "turn_no": reflection.turn_no,
        "position": position,
        "submitted_at": reflection.submitted_at,
        "edited_at": reflection.edited_at,
        "withdrawn_at": reflection.withdrawn_at,
        "hidden_at": reflection.hidden_at,
    }
