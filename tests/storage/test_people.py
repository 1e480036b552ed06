"""People: found by platform identity, each scoped to one workspace or tenant."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import text

from rituals.compact import KnownPerson, PlatformIdentity
from rituals.errors import NotFound
from rituals.refs import UserRef
from rituals.stored import FROM_EMAIL
from storage.database import Database
from tests.storage.builders import (
    ALICE,
    BOB,
    CHANNEL,
    STRANGER,
    T0,
    TENANT,
    load_compact,
    make_compact,
)


async def test_a_file_id_holds_only_in_the_partnerships_own_workspaces(
    database: Database,
) -> None:
    """A bare user id from the file no longer carries a person (a facilitator) into any
    workspace that installs the app: it holds where the partnership is (`platforms:`)."""
    stored = await load_compact(database)
    async with database.unit_of_work() as uow:
        here = await uow.people.find(stored.partnership_id, ALICE)
        elsewhere = await uow.people.find(stored.partnership_id, ALICE._replace(tenant="T_OTHER"))
        teams = await uow.people.find(stored.partnership_id, ALICE._replace(platform="teams"))
        knowing_elsewhere = await uow.people.partnerships_knowing(ALICE._replace(tenant="T_OTHER"))
    assert here is not None
    assert (here.handle, here.display_name, here.organisation_key) == (
        "alice",
        "Alice Adeyemi",
        "nhsei",
    )
    assert here.identities == (ALICE,)
    assert elsewhere is None and teams is None and knowing_elsewhere == []


async def test_with_no_platforms_listed_file_ids_hold_where_a_channel_is_linked(
    database: Database,
) -> None:
    stored = await load_compact(database, make_compact(platforms=()))
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, ALICE) is None  # nowhere yet
        assert await uow.people.home_tenants(pid, "slack") == set()
        await uow.channels.bind(pid, CHANNEL)
        await uow.commit()
    await load_compact(database, make_compact(platforms=(), env_r1="Reworded"))
    async with database.unit_of_work() as uow:
        assert await uow.people.home_tenants(pid, "slack") == {CHANNEL.tenant}
        found = await uow.people.find(pid, ALICE)
        assert await uow.people.find(pid, ALICE._replace(tenant="T_OTHER")) is None
    assert found is not None and found.handle == "alice"


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


async def test_a_reload_drops_email_identities_whose_email_changed(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    by_email = UserRef("slack", TENANT, "U_ALICE_2")
    async with database.unit_of_work() as uow:
        alice = await uow.people.find_by_handle(pid, "alice")
        assert alice is not None
        await uow.people.link_identity(alice.id, by_email, source=FROM_EMAIL)
        await uow.commit()
    await load_compact(database, make_compact(env_r1="Reworded"))  # same email: kept
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, by_email) == await uow.people.get(alice.id)
    people = make_compact().people
    moved = (replace(people[0], email="alice@elsewhere.example"), people[1])
    await load_compact(database, make_compact(people=moved))
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, by_email) is None  # recognised again when she speaks
        assert await uow.people.find(pid, ALICE) is not None  # the file's id still holds
        await uow.people.link_identity(alice.id, by_email, source=FROM_EMAIL)
        await uow.commit()
    # Bob is given the same email: it now matches two people, so neither keeps it.
    shared = (moved[0], replace(people[1], email="Alice@Elsewhere.example"))
    await load_compact(database, make_compact(people=shared))
    async with database.unit_of_work() as uow:
        assert await uow.people.find(pid, by_email) is None


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
    assert found.identities == (ALICE, console)


async def waiting_on_a_lock(database: Database) -> None:
    """Until another transaction waits on a row lock in this database (PostgreSQL), counting
    attempts; SQLite takes one writer at a time, so there the second simply comes after."""
    if database.engine.dialect.name != "postgresql":
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(1000):
        async with database.engine.connect() as connection:
            if await connection.scalar(query):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second transaction never reached the first's row")


async def test_two_transactions_recording_one_identity_at_once_both_succeed(
    database: Database,
) -> None:
    """Two first links in one workspace at once (the Slack bench's 64 did) declare the same
    file ids: the second waits for the first and then succeeds, the latest statement wins."""
    stored = await load_compact(database)
    pid = stored.partnership_id
    met = UserRef("slack", TENANT, "U0NEW")
    async with database.unit_of_work() as first:
        alice = await first.people.find_by_handle(pid, "alice")
        bob = await first.people.find_by_handle(pid, "bob")
        assert alice is not None and bob is not None
        await first.people.link_identity(alice.id, met)

        async def second() -> None:
            async with database.unit_of_work() as uow:
                await uow.people.link_identity(bob.id, met)
                await uow.commit()

        racing = asyncio.create_task(second())
        await waiting_on_a_lock(database)
        await first.commit()
    await racing
    async with database.unit_of_work() as uow:
        found = await uow.people.find(pid, met)
    assert found is not None and found.id == bob.id


async def test_identities_are_listed_only_where_they_were_recognised(
    database: Database,
) -> None:
    stored = await load_compact(database, make_compact(platforms=()))
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        # Nowhere linked yet: the file's ids are no identity anywhere.
        assert await uow.people.identities_for_handles(pid, ["alice"], platform="slack") == ()
        await uow.channels.bind(pid, CHANNEL)
        await uow.people.declare_file_ids(pid, make_compact().people, "slack", CHANNEL.tenant)
        guest = UserRef("slack", "T_CONNECT", "U_GUEST")
        await uow.people.create(pid, guest, "Guest", now=T0)  # met: no role, no file person
        await uow.commit()
    async with database.unit_of_work() as uow:
        facilitators = await uow.people.identities_for_handles(pid, ["ALICE"], platform="slack")
        pinned = await uow.people.identities_for_handles(pid, ["alice"], tenant="T_CONNECT")
        on_teams = await uow.people.identities_for_handles(pid, ["alice"], platform="teams")
        everyone = await uow.people.identities(pid)
    assert facilitators == (ALICE,)
    assert pinned == on_teams == ()
    assert set(everyone) == {ALICE, BOB, guest}
