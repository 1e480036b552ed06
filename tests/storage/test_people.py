"""People: found by platform identity (exact tenant, or any tenant when the file says so)."""

from __future__ import annotations

import asyncio

import pytest

from rituals.compact import KnownPerson, PlatformIdentity
from rituals.errors import NotFound
from rituals.refs import UserRef
from storage.database import Database
from storage.repositories import ANY_TENANT
from tests.storage.builders import (
    ALICE,
    BOB,
    CHANNEL,
    STRANGER,
    T0,
    load_compact,
    make_compact,
)


async def test_a_file_declared_identity_matches_any_tenant(database: Database) -> None:
    stored = await load_compact(database)
    async with database.unit_of_work() as uow:
        here = await uow.people.find(stored.partnership_id, ALICE)
        elsewhere = await uow.people.find(stored.partnership_id, ALICE._replace(tenant="T_OTHER"))
        teams = await uow.people.find(stored.partnership_id, ALICE._replace(platform="teams"))
    assert here is not None and here == elsewhere
    assert (here.handle, here.display_name, here.organisation_key) == (
        "alice",
        "Alice Adeyemi",
        "nhsei",
    )
    assert here.identities == (ALICE._replace(tenant=ANY_TENANT),)
    assert teams is None


async def test_someone_new_is_created_without_an_organisation(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, STRANGER) is None
        created = await uow.people.create(pid, STRANGER, "Sam Stranger", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        found = await uow.people.find(pid, STRANGER)
        other_tenant = await uow.people.find(pid, STRANGER._replace(tenant="T_OTHER"))
    assert found == created
    assert (found.handle, found.organisation_key, found.identities) == (None, None, (STRANGER,))
    assert other_tenant is None, "an identity met on a platform is tenant-specific"


async def test_created_at_defaults_to_the_database_clock(database: Database) -> None:
    stored = await load_compact(database)
    async with database.unit_of_work() as uow:
        person = await uow.people.create(stored.partnership_id, STRANGER, "Sam")
        await uow.commit()
    assert person.display_name == "Sam"


async def test_an_exact_tenant_identity_wins_over_a_file_declared_one(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        twin = await uow.people.create(pid, ALICE, "Alice on another workspace", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, ALICE) == twin
        file_alice = await uow.people.find(pid, ALICE._replace(tenant="T_OTHER"))
    assert file_alice is not None and file_alice.handle == "alice"


async def test_set_organisation_and_unknown_keys(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        person = await uow.people.create(pid, STRANGER, "Sam", now=T0)
        await uow.people.set_organisation(person.id, "riverside")
        with pytest.raises(NotFound):
            await uow.people.set_organisation(person.id, "atlantis")
        with pytest.raises(NotFound):
            await uow.people.set_organisation(987654, "riverside")
        await uow.commit()
    async with database.unit_of_work() as uow:
        found = await uow.people.find(pid, STRANGER)
    assert found is not None and found.organisation_key == "riverside"


async def test_people_are_asked_for_their_organisation_once(database: Database) -> None:
    stored = await load_compact(database)
    async with database.unit_of_work() as uow:
        person = await uow.people.create(stored.partnership_id, STRANGER, "Sam", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.people.mark_asked(person.id, T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert not await uow.people.mark_asked(person.id, T0)
        found = await uow.people.get(person.id)
    assert found is not None and found.asked_organisation_at == T0


async def test_asking_once_holds_when_two_requests_race(database: Database) -> None:
    stored = await load_compact(database)
    async with database.unit_of_work() as uow:
        person = await uow.people.create(stored.partnership_id, STRANGER, "Sam", now=T0)
        await uow.commit()

    async def ask() -> bool:
        async with database.unit_of_work() as uow:
            first = await uow.people.mark_asked(person.id, T0)
            await uow.commit()
            return first

    assert sorted(await asyncio.gather(ask(), ask())) == [False, True]


async def test_a_person_met_on_a_platform_is_adopted_when_the_file_names_them(
    database: Database,
) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        met = await uow.people.create(pid, STRANGER, "Sam", now=T0)
        await uow.commit()
    named = make_compact(
        people=(
            *make_compact().people,
            KnownPerson(
                "sam", "Sam Smith", "riverside", None, (PlatformIdentity("slack", "U_STRANGER"),)
            ),
        )
    )
    async with database.unit_of_work() as uow:
        await uow.compacts.load(named, source_text="", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        found = await uow.people.find(pid, STRANGER)
    assert found is not None
    assert (found.id, found.handle, found.display_name, found.organisation_key) == (
        met.id,
        "sam",
        "Sam Smith",
        "riverside",
    )


async def test_people_are_scoped_by_partnership(database: Database) -> None:
    one = await load_compact(database, make_compact(slug="one"))
    two = await load_compact(database, make_compact(slug="two"))
    async with database.unit_of_work() as uow:
        alice_one = await uow.people.find(one.partnership_id, ALICE)
        alice_two = await uow.people.find(two.partnership_id, ALICE)
        assert await uow.people.find_by_handle(two.partnership_id, "nobody") is None
    assert alice_one is not None and alice_two is not None
    assert alice_one.id != alice_two.id
    assert (alice_one.partnership_id, alice_two.partnership_id) == (
        one.partnership_id,
        two.partnership_id,
    )


async def test_linking_an_identity_is_idempotent(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    console = UserRef("console", "local", "alice")
    async with database.unit_of_work() as uow:
        alice = await uow.people.find_by_handle(pid, "alice")
        assert alice is not None
        await uow.people.link_identity(alice.id, console)
        await uow.people.link_identity(alice.id, console)
        await uow.commit()
    async with database.unit_of_work() as uow:
        found = await uow.people.find(pid, console)
        with pytest.raises(NotFound):
            await uow.people.link_identity(987654, console)
    assert found is not None and found.id == alice.id
    assert found.identities == (ALICE._replace(tenant=ANY_TENANT), console)


async def test_identities_are_given_the_tenants_the_partnership_is_known_on(
    database: Database,
) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        # Nowhere known yet: a file-declared identity has no concrete tenant to offer.
        assert await uow.people.identities_for_handles(pid, ["alice"], platform="slack") == ()
        await uow.channels.bind(pid, CHANNEL)
        await uow.people.create(pid, UserRef("slack", "T_CONNECT", "U_GUEST"), "Guest", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        facilitators = await uow.people.identities_for_handles(pid, ["ALICE"], platform="slack")
        pinned = await uow.people.identities_for_handles(pid, ["alice"], tenant=CHANNEL.tenant)
        on_teams = await uow.people.identities_for_handles(pid, ["alice"], platform="teams")
        everyone = await uow.people.identities(pid)
    assert facilitators == (ALICE, ALICE._replace(tenant="T_CONNECT"))
    assert pinned == (ALICE,)
    assert on_teams == ()
    assert set(everyone) == {
        ALICE._replace(tenant="T_CONNECT"),
        ALICE,
        BOB._replace(tenant="T_CONNECT"),
        BOB,
        UserRef("slack", "T_CONNECT", "U_GUEST"),
    }
