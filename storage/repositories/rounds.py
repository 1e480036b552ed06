"""Reflection rounds: one row per round, a row per turn and per reflection, and CAS saves.

A timer firing and a click can race on one round (on one replica or two). Every round row
carries a `version`; `save` only succeeds against the version it was loaded at, so the loser
gets `StaleRound`, reloads, decides again and retries, and no answer is lost or doubled.

Turns and reflections are written as differences against the round that was loaded: new
ones are inserted, changed ones updated, none ever deleted (the engine only appends, and an
answer once stored must survive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.digest import RoundHeld
from rituals.reflection import Reflection
from rituals.refs import ConversationRef, UserRef
from rituals.round.state import Round, RoundStatus, Turn, TurnOutcome
from storage.errors import RoundAlreadyOpen, StaleRound
from storage.models import (
    ClauseRow,
    CompactVersionRow,
    OrganisationRow,
    PersonIdentityRow,
    PersonRow,
    ReflectionClauseRow,
    ReflectionRow,
    RoundRow,
    TurnRow,
)
from storage.repositories._sql import insert_if_absent, rowcount
from storage.repositories.people import ANY_TENANT
from storage.repositories.reflections import clause_keys_by_reflection
from storage.round_state import RoundState

_CLOSED = RoundStatus.CLOSED.value


@dataclass(frozen=True, slots=True)
class StoredRound:
    """A round as loaded, with the `version` a later `save` must still find."""

    round: Round
    partnership_id: int
    compact_version_id: int
    version: int


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
            insert(RoundRow).values(
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
        await self._write_children(stored, None, round_)
        return stored

    async def get(self, round_id: str) -> StoredRound | None:
        """The round with this id, exactly as last saved, or None."""
        row = await self._session.scalar(
            select(RoundRow)
            .where(RoundRow.id == round_id)
            .execution_options(populate_existing=True)
        )
        return None if row is None else await self._load(row)

    async def open_in(self, conversation: ConversationRef) -> StoredRound | None:
        """The round not yet closed in the conversation's channel (its thread is ignored)."""
        row = await self._session.scalar(
            select(RoundRow)
            .where(
                RoundRow.platform == conversation.platform,
                RoundRow.tenant == conversation.tenant,
                RoundRow.channel_id == conversation.channel,
                RoundRow.status != _CLOSED,
            )
            .order_by(RoundRow.opened_at.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        return None if row is None else await self._load(row)

    async def save(self, stored: StoredRound, new: Round) -> StoredRound:
        """Replace `stored.round` by `new`, unless someone saved the round since it was loaded.

        Compare-and-swap on `version`: the UPDATE only matches the version `stored` was read
        at; if it matches nothing, `StaleRound` is raised before anything else is written.
        """
        if new.id != stored.round.id:
            raise ValueError(f"cannot save round {new.id} over round {stored.round.id}")
        swapped = await rowcount(
            self._session,
            update(RoundRow)
            .where(RoundRow.id == new.id, RoundRow.version == stored.version)
            .values(version=stored.version + 1, **_columns(new)),
        )
        if swapped != 1:
            raise StaleRound(f"round {new.id} changed since version {stored.version} was read")
        saved = StoredRound(
            new, stored.partnership_id, stored.compact_version_id, version=stored.version + 1
        )
        await self._write_children(saved, stored.round, new)
        return saved

    async def set_thread(self, round_id: str, thread_id: str | None) -> None:
        """Point the round's conversation at the thread its header message started.

        This changes the round, so it bumps the version: a save prepared from the round as it
        was before would otherwise put the old (missing) thread back; it gets `StaleRound`
        and is retried on the round with its thread.
        """
        await rowcount(
            self._session,
            update(RoundRow)
            .where(RoundRow.id == round_id)
            .values(thread_id=thread_id, version=RoundRow.version + 1),
        )

    async def due_turns(self, now: datetime, limit: int = 100) -> list[tuple[str, int]]:
        """(round id, turn number) of open turns whose deadline has passed, oldest first.

        Meant for a periodic tick on any replica: feeding `TurnTimedOut(turn_no)` for a turn
        another replica already timed out is a stale event and changes nothing.
        """
        statement = (
            select(RoundRow.id, TurnRow.number)
            .join(TurnRow, (TurnRow.round_id == RoundRow.id) & TurnRow.outcome.is_(None))
            .where(RoundRow.status != _CLOSED, RoundRow.turn_deadline <= now)
            .order_by(RoundRow.turn_deadline, RoundRow.id)
            .limit(limit)
        )
        return [(round_id, number) for round_id, number in (await self._session.execute(statement))]

    async def held_between(
        self, partnership_id: int, start: datetime, end: datetime
    ) -> list[RoundHeld]:
        """Closed rounds opened in `[start, end)`, with their attendees' organisations (for
        someone who said which only later, the one they have said since)."""
        rows = await self._session.execute(
            select(RoundRow.id, RoundRow.opened_at, RoundRow.state)
            .where(
                RoundRow.partnership_id == partnership_id,
                RoundRow.status == _CLOSED,
                RoundRow.opened_at >= start,
                RoundRow.opened_at < end,
            )
            .order_by(RoundRow.opened_at, RoundRow.id)
        )
        held = [
            (round_id, opened_at, RoundState.from_json(state).attendees)
            for round_id, opened_at, state in rows.all()
        ]
        unplaced = {a.user for _, _, attendees in held for a in attendees if not a.organisation_id}
        since = await self._organisations_now(partnership_id, unplaced)
        return [
            RoundHeld(
                round_id=round_id,
                held_at=opened_at,
                attendee_organisation_ids=tuple(
                    a.organisation_id or since.get(a.user) for a in attendees
                ),
            )
            for round_id, opened_at, attendees in held
        ]

    async def _organisations_now(
        self, partnership_id: int, users: set[UserRef]
    ) -> dict[UserRef, str]:
        """The organisation each of `users` represents now, in one query."""
        if not users:
            return {}
        rows = await self._session.execute(
            select(
                PersonIdentityRow.platform,
                PersonIdentityRow.tenant,
                PersonIdentityRow.user_id,
                OrganisationRow.key,
            )
            .join(PersonRow, PersonRow.id == PersonIdentityRow.person_id)
            .join(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
            .where(
                PersonIdentityRow.partnership_id == partnership_id,
                PersonIdentityRow.user_id.in_({user.user_id for user in users}),
            )
        )
        found: dict[UserRef, str] = {}
        for platform, tenant, user_id, key in rows.all():
            for user in users:
                if (user.platform, user.user_id) == (platform, user_id) and tenant in (
                    user.tenant,
                    ANY_TENANT,
                ):
                    found[user] = key
        return found

    async def _load(self, row: RoundRow) -> StoredRound:
        turns = (
            await self._session.scalars(
                select(TurnRow)
                .where(TurnRow.round_id == row.id)
                .order_by(TurnRow.number)
                .execution_options(populate_existing=True)
            )
        ).all()
        reflection_rows = (
            await self._session.execute(
                select(ReflectionRow, OrganisationRow.key)
                .outerjoin(OrganisationRow, OrganisationRow.id == ReflectionRow.organisation_id)
                .where(ReflectionRow.round_id == row.id)
                .order_by(ReflectionRow.position)
                .execution_options(populate_existing=True)
            )
        ).all()
        clause_keys = await clause_keys_by_reflection(
            self._session, ReflectionRow.round_id == row.id
        )
        state = RoundState.from_json(row.state)
        round_ = Round(
            id=row.id,
            conversation=ConversationRef(row.platform, row.tenant, row.channel_id, row.thread_id),
            started_by=state.started_by,
            facilitators=state.facilitators,
            status=RoundStatus(row.status),
            order=state.order,
            seed=state.seed,
            turn_timeout=state.turn_timeout,
            clause_ids=state.clause_ids,
            opened_at=row.opened_at,
            attendees=state.attendees,
            queue=state.queue,
            turns=tuple(_turn(t) for t in turns),
            reflections=tuple(
                _reflection(r, organisation_key, clause_keys.get(r.id, ()))
                for r, organisation_key in reflection_rows
            ),
            passed=state.passed,
            closed_at=row.closed_at,
        )
        return StoredRound(round_, row.partnership_id, row.compact_version_id, row.version)

    async def _write_children(self, stored: StoredRound, old: Round | None, new: Round) -> None:
        await self._write_turns(new.id, () if old is None else old.turns, new.turns)
        await _ReflectionWriter(self._session, stored).write(
            () if old is None else old.reflections, new.reflections
        )

    async def _write_turns(self, round_id: str, old: Sequence[Turn], new: Sequence[Turn]) -> None:
        before = {turn.number: turn for turn in old}
        if not before.keys() <= {turn.number for turn in new}:
            raise ValueError("a saved round may gain turns, never lose them")
        added = [turn for turn in new if turn.number not in before]
        for turn in new:
            previous = before.get(turn.number)
            if previous is not None and previous != turn:
                await self._session.execute(
                    update(TurnRow)
                    .where(TurnRow.round_id == round_id, TurnRow.number == turn.number)
                    .values(**_turn_columns(turn)),
                    execution_options={"synchronize_session": False},
                )
        if added:
            await self._session.execute(
                insert(TurnRow),
                [{"round_id": round_id, "number": t.number, **_turn_columns(t)} for t in added],
            )


class _ReflectionWriter:
    """Inserts new and updates edited reflections of one round, with their clause links.

    Person, organisation and clause row ids are looked up once per save, not per reflection.
    """

    def __init__(self, session: AsyncSession, stored: StoredRound) -> None:
        self._session = session
        self._stored = stored

    async def write(self, old: Sequence[Reflection], new: Sequence[Reflection]) -> None:
        before = {reflection.author: reflection for reflection in old}
        if not before.keys() <= {reflection.author for reflection in new}:
            raise ValueError("a saved round may gain reflections, never lose them")
        added = [(i, r) for i, r in enumerate(new) if r.author not in before]
        edited = [(i, r) for i, r in enumerate(new) if r.author in before and before[r.author] != r]
        if not added and not edited:
            return
        changed = [r for _, r in added + edited]
        organisations = await self._organisation_ids(changed)
        clauses = await self._clause_ids(changed)
        people = await self._person_ids([r.author for _, r in added])

        links: list[dict[str, Any]] = []
        for position, reflection in added:
            result = await self._session.execute(
                insert(ReflectionRow)
                .values(
                    round_id=self._stored.round.id,
                    partnership_id=self._stored.partnership_id,
                    compact_version_id=self._stored.compact_version_id,
                    person_id=people.get(reflection.author),
                    author_platform=reflection.author.platform,
                    author_tenant=reflection.author.tenant,
                    author_user_id=reflection.author.user_id,
                    position=position,
                    **_reflection_columns(reflection, organisations),
                )
                .returning(ReflectionRow.id)
            )
            links += _links(result.scalar_one(), reflection, clauses)
        for position, reflection in edited:
            result = await self._session.execute(
                update(ReflectionRow)
                .where(
                    ReflectionRow.round_id == self._stored.round.id,
                    ReflectionRow.author_platform == reflection.author.platform,
                    ReflectionRow.author_tenant == reflection.author.tenant,
                    ReflectionRow.author_user_id == reflection.author.user_id,
                )
                .values(position=position, **_reflection_columns(reflection, organisations))
                .returning(ReflectionRow.id),
                execution_options={"synchronize_session": False},
            )
            reflection_id = result.scalar_one()
            await self._session.execute(
                delete(ReflectionClauseRow).where(
                    ReflectionClauseRow.reflection_id == reflection_id
                ),
                execution_options={"synchronize_session": False},
            )
            links += _links(reflection_id, reflection, clauses)
        if links:
            await self._session.execute(insert(ReflectionClauseRow), links)

    async def _organisation_ids(self, reflections: Sequence[Reflection]) -> dict[str, int]:
        keys = {r.organisation_id for r in reflections if r.organisation_id is not None}
        if not keys:
            return {}
        rows = await self._session.execute(
            select(OrganisationRow.key, OrganisationRow.id).where(
                OrganisationRow.partnership_id == self._stored.partnership_id,
                OrganisationRow.key.in_(keys),
            )
        )
        found = {key: row_id for key, row_id in rows.all()}
        if missing := keys - found.keys():
            raise ValueError(f"unknown organisation(s) in reflections: {sorted(missing)}")
        return found

    async def _clause_ids(self, reflections: Sequence[Reflection]) -> dict[str, int]:
        keys = {cid for r in reflections for cid in r.clause_ids}
        if not keys:
            return {}
        rows = await self._session.execute(
            select(ClauseRow.clause_key, ClauseRow.id).where(
                ClauseRow.compact_version_id == self._stored.compact_version_id,
                ClauseRow.clause_key.in_(keys),
            )
        )
        found = {key: row_id for key, row_id in rows.all()}
        if missing := keys - found.keys():
            raise ValueError(
                f"clause(s) {sorted(missing)} are not in compact version"
                f" {self._stored.compact_version_id}"
            )
        return found

    async def _person_ids(self, authors: Sequence[UserRef]) -> dict[UserRef, int]:
        if not authors:
            return {}
        rows = await self._session.execute(
            select(
                PersonIdentityRow.platform,
                PersonIdentityRow.tenant,
                PersonIdentityRow.user_id,
                PersonIdentityRow.person_id,
            ).where(
                PersonIdentityRow.partnership_id == self._stored.partnership_id,
                PersonIdentityRow.user_id.in_({a.user_id for a in authors}),
            )
        )
        exact: dict[UserRef, int] = {}
        anywhere: dict[tuple[str, str], int] = {}
        for platform, tenant, user_id, person_id in rows.all():
            if tenant == ANY_TENANT:
                anywhere[(platform, user_id)] = person_id
            else:
                exact[UserRef(platform, tenant, user_id)] = person_id
        found: dict[UserRef, int] = {}
        for author in authors:
            match = exact.get(author, anywhere.get((author.platform, author.user_id)))
            if match is not None:
                found[author] = match
        return found


def _columns(round_: Round) -> dict[str, Any]:
    """The round row's columns for `round_` (all but id, owner and version)."""
    current = round_.current_turn
    conversation = round_.conversation
    return {
        "platform": conversation.platform,
        "tenant": conversation.tenant,
        "channel_id": conversation.channel,
        "thread_id": conversation.thread,
        "status": round_.status.value,
        "started_by": round_.started_by.user_id,
        "state": RoundState.of(round_).to_json(),
        "turn_deadline": None if current is None or round_.is_closed else current.deadline,
        "opened_at": round_.opened_at,
        "closed_at": round_.closed_at,
    }


def _turn_columns(turn: Turn) -> dict[str, Any]:
    return {
        "platform": turn.person.platform,
        "tenant": turn.person.tenant,
        "user_id": turn.person.user_id,
        "started_at": turn.started_at,
        "deadline": turn.deadline,
        "outcome": None if turn.outcome is None else turn.outcome.value,
        "ended_at": turn.ended_at,
    }


def _turn(row: TurnRow) -> Turn:
    return Turn(
        number=row.number,
        person=UserRef(row.platform, row.tenant, row.user_id),
        started_at=row.started_at,
        deadline=row.deadline,
        outcome=None if row.outcome is None else TurnOutcome(row.outcome),
        ended_at=row.ended_at,
    )


def _reflection_columns(reflection: Reflection, organisations: dict[str, int]) -> dict[str, Any]:
    key = reflection.organisation_id
    return {
        "organisation_id": None if key is None else organisations[key],
        "learned": reflection.learned,
        "valued": reflection.valued,
        "turn_no": reflection.turn_no,
        "submitted_at": reflection.submitted_at,
        "edited_at": reflection.edited_at,
    }


def _links(
    reflection_id: int, reflection: Reflection, clauses: dict[str, int]
) -> list[dict[str, Any]]:
    return [
        {"reflection_id": reflection_id, "clause_id": clauses[key], "position": position}
        for position, key in enumerate(reflection.clause_ids)
    ]


def _reflection(
    row: ReflectionRow, organisation_key: str | None, clause_ids: tuple[str, ...]
) -> Reflection:
    return Reflection(
        author=UserRef(row.author_platform, row.author_tenant, row.author_user_id),
        organisation_id=organisation_key,
        learned=row.learned,
        valued=row.valued,
        clause_ids=clause_ids,
        submitted_at=row.submitted_at,
        turn_no=row.turn_no,
        edited_at=row.edited_at,
    )
