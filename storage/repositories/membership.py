"""Who belongs to a partnership: everyone it knows, and the organisation claims a facilitator
has yet to approve (docs/compact-file.md, "Who represents whom")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rituals.stored import Claim, Person
from storage.models import OrganisationRow, PersonRow
from storage.repositories._sql import rowcount
from storage.repositories.people import PeopleRepository, organisation_for

_CLAIMED = aliased(OrganisationRow)


class MembershipRepository:
    """Claims live on the person's row (one pending claim each); every query is scoped to
    one partnership."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._people = PeopleRepository(session)

    async def everyone(self, partnership_id: int) -> list[Person]:
        ids = await self._session.scalars(
            select(PersonRow.id)
            .where(PersonRow.partnership_id == partnership_id)
            .order_by(PersonRow.display_name, PersonRow.id)
        )
        people = [await self._people.get(person_id) for person_id in ids.all()]
        return [person for person in people if person is not None]

    async def approved_claims(self, partnership_id: int) -> dict[str, int]:
        rows = await self._session.execute(
            select(OrganisationRow.key, func.count(PersonRow.id))
            .join(OrganisationRow, OrganisationRow.id == PersonRow.organisation_id)
            .where(PersonRow.partnership_id == partnership_id, PersonRow.handle.is_(None))
            .group_by(OrganisationRow.key)
        )
        return {key: count for key, count in rows}

    async def person(self, partnership_id: int, person_id: int) -> Person | None:
        person = await self._people.get(person_id)
        return person if person is not None and person.partnership_id == partnership_id else None

    async def claim(self, person_id: int, organisation_key: str, now: datetime) -> None:
        organisation_id = await organisation_for(self._session, person_id, organisation_key)
        await rowcount(
            self._session,
            update(PersonRow)
            .where(PersonRow.id == person_id)
            .values(claimed_organisation_id=organisation_id, claimed_at=now),
        )

    async def pending(self, partnership_id: int) -> list[Claim]:
        rows = await self._session.execute(
            select(PersonRow.id, PersonRow.display_name, _CLAIMED.key, PersonRow.claimed_at)
            .join(_CLAIMED, _CLAIMED.id == PersonRow.claimed_organisation_id)
            .where(PersonRow.partnership_id == partnership_id)
            .order_by(PersonRow.claimed_at, PersonRow.id)
        )
        return [
            Claim(person_id, name, key, at)
            for person_id, name, key, at in rows.all()
            if at is not None
        ]

    async def decide(
        self, partnership_id: int, person_id: int, organisation_key: str, *, approve: bool
    ) -> Claim | None:
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
        settled: dict[str, Any] = {"claimed_organisation_id": None, "claimed_at": None}
        if approve:
            settled["organisation_id"] = PersonRow.claimed_organisation_id
        # Conditional on the claim still being there: two facilitators pressing at once settle
        # it once; the loser finds nothing to decide.
        changed = await rowcount(
            self._session,
            update(PersonRow)
            .where(
                PersonRow.id == person_id,
                PersonRow.partnership_id == partnership_id,
                PersonRow.claimed_at == claim.claimed_at,
            )
            .values(**settled),
        )
        return claim if changed == 1 else None
