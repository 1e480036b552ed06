"""Compacts, people and channels: the same answers from the fake and from SQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.repositories import UnitOfWorkFactory
from rituals.compact import KnownPerson, PlatformIdentity, PlatformTenants
from rituals.errors import NotFound
from rituals.refs import ConversationRef, UserRef
from rituals.stored import StoredCompact
from tests.storage.builders import ALICE, BOB, CHANNEL, STRANGER, T0, TENANT, make_compact, slack


async def load(store: UnitOfWorkFactory, **changes: object) -> tuple[StoredCompact, bool]:
    async with store.unit_of_work() as uow:
        loaded = await uow.compacts.load(make_compact(**changes), source_text="#", now=T0)
        await uow.commit()
    return loaded


async def test_loading_makes_a_version_only_when_the_content_changes(
    store: UnitOfWorkFactory,
) -> None:
    first, new = await load(store)
    assert new and first.version == 1 and first.compact == make_compact()
    again, new_again = await load(store)
    assert not new_again and again.version_id == first.version_id
    changed, new_changed = await load(store, env_r1="Reworded")
    assert new_changed and changed.version == 2
    assert changed.partnership_id == first.partnership_id
    async with store.unit_of_work() as uow:
        assert await uow.compacts.latest_for(first.partnership_id) == changed
        assert (await uow.compacts.by_version_id(first.version_id)).compact == make_compact()
        assert await uow.compacts.latest_for(first.partnership_id + 99) is None
        with pytest.raises(NotFound):
            await uow.compacts.by_version_id(first.version_id + 99)


async def test_every_partnership_newest_version_by_slug(store: UnitOfWorkFactory) -> None:
    zeta, _ = await load(store, slug="zeta")
    alpha, _ = await load(store, slug="alpha")
    alpha2, _ = await load(store, slug="alpha", env_r1="Reworded")
    async with store.unit_of_work() as uow:
        assert await uow.compacts.latest_all() == [alpha2, zeta]
        assert await uow.compacts.partnership_ids() == sorted(
            {zeta.partnership_id, alpha.partnership_id}
        )


async def test_a_partnership_is_found_by_slug_with_its_history_oldest_first(
    store: UnitOfWorkFactory,
) -> None:
    first, _ = await load(store, slug="alpha")
    second, _ = await load(store, slug="alpha", env_r1="Reworded")
    other, _ = await load(store, slug="zeta")
    async with store.unit_of_work() as uow:
        assert await uow.compacts.partnership_id("alpha") == first.partnership_id
        assert await uow.compacts.partnership_id("zeta") == other.partnership_id
        assert await uow.compacts.partnership_id("nobody") is None
        history = await uow.compacts.versions(first.partnership_id)
        assert [v.version for v in history] == [1, 2]
        assert history[0].compact == make_compact(slug="alpha")
        assert history[1] == second
        assert await uow.compacts.versions(first.partnership_id + 99) == []


async def test_people_from_the_file_are_found_in_their_workspace_only(
    store: UnitOfWorkFactory,
) -> None:
    stored, _ = await load(store)
    pid = stored.partnership_id
    async with store.unit_of_work() as uow:
        alice = await uow.people.find(pid, ALICE)
        assert alice is not None and alice.handle == "alice"
        assert alice.display_name == "Alice Adeyemi" and alice.organisation_key == "nhsei"
        assert alice.identities == (ALICE,)
        assert await uow.people.find(pid, UserRef("slack", "OTHER", "U_ALICE")) is None
        assert await uow.people.find(pid, STRANGER) is None
        assert await uow.people.find_by_handle(pid, "ALICE") == alice
        assert await uow.people.find_by_handle(pid, "nobody") is None
        assert await uow.people.partnerships_knowing(ALICE) == [pid]
        assert await uow.people.partnerships_knowing(STRANGER) == []


async def test_a_newcomer_is_created_then_placed_and_asked_once(store: UnitOfWorkFactory) -> None:
    stored, _ = await load(store)
    pid = stored.partnership_id
    async with store.unit_of_work() as uow:
        frank = await uow.people.create(pid, STRANGER, "frank", now=T0)
        assert (frank.handle, frank.organisation_key, frank.identities) == (None, None, (STRANGER,))
        await uow.people.set_organisation(frank.id, "northgate")
        with pytest.raises(NotFound):
            await uow.people.set_organisation(frank.id, "atlantis")
        with pytest.raises(NotFound):
            await uow.people.set_organisation(frank.id + 999, "northgate")
        assert await uow.people.mark_asked(frank.id, T0)
        assert not await uow.people.mark_asked(frank.id, T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        found = await uow.people.find(pid, STRANGER)
        assert found is not None and found.organisation_key == "northgate"
        assert found.asked_organisation_at == T0
        names = await uow.people.display_names(pid, [ALICE, STRANGER, slack("U_NOBODY")])
    assert names == {ALICE: "Alice Adeyemi", STRANGER: "frank", slack("U_NOBODY"): "U_NOBODY"}


async def test_an_identity_linked_moves_to_its_latest_owner(store: UnitOfWorkFactory) -> None:
    stored, _ = await load(store)
    pid = stored.partnership_id
    console = UserRef("console", "local", "bob")
    async with store.unit_of_work() as uow:
        alice = await uow.people.find(pid, ALICE)
        bob = await uow.people.find(pid, BOB)
        assert alice is not None and bob is not None
        await uow.people.link_identity(alice.id, console)
        await uow.people.link_identity(alice.id, console)  # idempotent
        await uow.people.link_identity(bob.id, console)
        with pytest.raises(NotFound):
            await uow.people.link_identity(bob.id + 999, console)
        found = await uow.people.find(pid, console)
        assert found is not None and found.id == bob.id


async def test_file_identities_follow_the_workspaces_recognised(
    store: UnitOfWorkFactory,
) -> None:
    stored, _ = await load(store, platforms=())
    pid = stored.partnership_id
    async with store.unit_of_work() as uow:
        assert await uow.people.identities(pid) == ()  # no workspace recognised yet
        await uow.channels.bind(pid, CHANNEL)
        await uow.commit()
    await load(store, platforms=(), env_r1="Reworded")  # the linked workspace counts now
    async with store.unit_of_work() as uow:
        await uow.people.create(pid, UserRef("slack", "T2", "U_NEW"), "new")
        identities = await uow.people.identities(pid)
        by_handle = await uow.people.identities_for_handles(pid, ["Bob"])
        pinned = await uow.people.identities_for_handles(pid, ["bob"], tenant="T9")
        other_platform = await uow.people.identities_for_handles(pid, ["bob"], platform="teams")
        assert await uow.people.identities_for_handles(pid, []) == ()
        await uow.commit()
    assert identities == (slack("U_ALICE"), slack("U_BOB"), UserRef("slack", "T2", "U_NEW"))
    assert by_handle == (slack("U_BOB"),)
    assert pinned == other_platform == ()
    listed = (PlatformTenants("slack", ("T2",)),)
    await load(store, platforms=listed)  # a file listing only T2: the ids move there
    async with store.unit_of_work() as uow:
        assert await uow.people.find(pid, ALICE) is None
        moved = await uow.people.find(pid, UserRef("slack", "T2", "U_ALICE"))
    assert moved is not None and moved.handle == "alice"


async def test_a_reload_adopts_a_newcomer_and_drops_identities_the_file_dropped(
    store: UnitOfWorkFactory,
) -> None:
    stored, _ = await load(store)
    pid = stored.partnership_id
    met = UserRef("slack", TENANT, "U_DAN")
    async with store.unit_of_work() as uow:
        dan = await uow.people.create(pid, met, "dan")
        await uow.commit()
    people = (
        *make_compact().people[:1],  # bob's identity is gone from the file
        replace(make_compact().people[1], identities=()),
        KnownPerson("dan", "Dan Dare", "riverside", None, (PlatformIdentity("slack", "U_DAN"),)),
    )
    await load(store, people=people)
    async with store.unit_of_work() as uow:
        adopted = await uow.people.find(pid, met)
        assert adopted is not None and adopted.id == dan.id
        assert (adopted.handle, adopted.display_name) == ("dan", "Dan Dare")
        assert adopted.organisation_key == "riverside"
        assert await uow.people.find(pid, BOB) is None


async def test_channels_bind_move_and_choose_the_digest(store: UnitOfWorkFactory) -> None:
    first, _ = await load(store)
    second, _ = await load(store, slug="other")
    dm = ConversationRef("slack", TENANT, "D_ALICE")
    async with store.unit_of_work() as uow:
        await uow.channels.bind(first.partnership_id, CHANNEL.in_thread("123.4"))
        await uow.channels.bind(first.partnership_id, dm, digest=False)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.channels.partnership_of(CHANNEL.in_thread("9")) == first.partnership_id
        assert await uow.channels.channels_of(first.partnership_id) == [CHANNEL, dm]
        assert await uow.channels.channels_of(first.partnership_id, digest_only=True) == [CHANNEL]
        assert await uow.channels.receives_digest(CHANNEL)
        assert not await uow.channels.receives_digest(dm)
        assert not await uow.channels.receives_digest(ConversationRef("slack", TENANT, "C_X"))
        await uow.channels.set_digest(dm, True)
        await uow.channels.bind(second.partnership_id, CHANNEL, digest=False)  # moves it
        assert await uow.channels.partnership_of(CHANNEL) == second.partnership_id
        assert await uow.channels.receives_digest(CHANNEL)  # the choice made earlier stays
        assert await uow.channels.channels_of(first.partnership_id, digest_only=True) == [dm]
        assert await uow.channels.partnership_of(ConversationRef("slack", TENANT, "C_X")) is None
