"""Membership: claims and removal from the file, the same on the fake and on SQL."""

from __future__ import annotations

import pytest

from bot.repositories import UnitOfWorkFactory
from rituals.errors import NotFound
from tests.storage.builders import ALICE, BOB, STRANGER, T0, make_compact


async def _stranger_claims(store: UnitOfWorkFactory, organisation: str) -> tuple[int, int]:
    async with store.unit_of_work() as uow:
        stored, _ = await uow.compacts.load(make_compact(), source_text="#", now=T0)
        person = await uow.people.create(stored.partnership_id, STRANGER, "Zed", now=T0)
        await uow.membership.claim(person.id, organisation, T0)
        await uow.commit()
    return stored.partnership_id, person.id


async def test_a_claim_waits_then_one_decision_settles_it(store: UnitOfWorkFactory) -> None:
    pid, zed = await _stranger_claims(store, "riverside")
    async with store.unit_of_work() as uow:
        [claim] = await uow.membership.pending(pid)
        assert (claim.person_id, claim.display_name, claim.organisation_key) == (
            zed,
            "Zed",
            "riverside",
        )
        assert await uow.membership.pending(pid + 99) == []
        assert await uow.people.partnerships_knowing(STRANGER) == []  # not a member yet
        # A button for another organisation (a claim since replaced) settles nothing.
        assert await uow.membership.decide(pid, zed, "northgate", approve=True) is None
        assert await uow.membership.decide(pid, zed, "riverside", approve=True) == claim
        assert await uow.membership.decide(pid, zed, "riverside", approve=False) is None
        await uow.commit()
    async with store.unit_of_work() as uow:
        person = await uow.membership.person(pid, zed)
        assert person is not None and person.organisation_key == "riverside"
        assert await uow.membership.pending(pid) == []
        assert await uow.people.partnerships_knowing(STRANGER) == [pid]
        assert await uow.membership.person(pid + 99, zed) is None


async def test_a_declined_claim_changes_no_organisation(store: UnitOfWorkFactory) -> None:
    pid, zed = await _stranger_claims(store, "riverside")
    async with store.unit_of_work() as uow:
        assert await uow.membership.decide(pid, zed, "riverside", approve=False) is not None
        person = await uow.membership.person(pid, zed)
        assert person is not None and person.organisation_key is None
        with pytest.raises(NotFound):
            await uow.membership.claim(zed, "nowhere", T0)


async def test_people_the_file_no_longer_names_stop_being_members(
    store: UnitOfWorkFactory,
) -> None:
    pid, zed = await _stranger_claims(store, "riverside")
    async with store.unit_of_work() as uow:
        await uow.membership.decide(pid, zed, "riverside", approve=True)
        without_bob = make_compact(people=make_compact().people[:1])
        await uow.compacts.load(without_bob, source_text="#", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        everyone = {p.display_name: p for p in await uow.membership.everyone(pid)}
        assert list(everyone) == ["Alice Adeyemi", "Bob Birch", "Zed"]
        assert everyone["Bob Birch"].organisation_key is None
        assert everyone["Bob Birch"].identities == ()
        assert await uow.people.find(pid, BOB) is None
        assert await uow.people.partnerships_knowing(BOB) == []
        # An approved claim is not the file's to remove; the file's people stay.
        assert everyone["Zed"].organisation_key == "riverside"
        assert await uow.people.partnerships_knowing(ALICE) == [pid]


async def test_approved_claims_are_counted_per_organisation(store: UnitOfWorkFactory) -> None:
    """The group sizes a reporter hides in count approved claims, not pending or declined
    ones, nor the people the file names (counted from the file)."""
    pid, zed = await _stranger_claims(store, "riverside")
    async with store.unit_of_work() as uow:
        assert await uow.membership.approved_claims(pid) == {}  # pending
        await uow.membership.decide(pid, zed, "riverside", approve=True)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.membership.approved_claims(pid) == {"riverside": 1}
        assert await uow.membership.approved_claims(pid + 99) == {}
