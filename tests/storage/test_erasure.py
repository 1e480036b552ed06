"""A person's rights on SQL (storage/erasure.py): export, forget, re-apply, delete a
partnership; each checked against the rows themselves, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.anonymity import ReporterKeys
from bot.erasure_keys import ErasureKeys
from rituals.audit import FORMER_PARTICIPANT, AuditAction, AuditEntry
from rituals.callout import Callout
from rituals.refs import UserRef
from rituals.round import events as ev
from storage import erasure
from storage.database import Database
from storage.models import (
    AuditEntryRow,
    Base,
    CalloutRow,
    ChannelRow,
    ClauseRow,
    CompactVersionRow,
    ErasureRow,
    PartnershipRow,
    PersonIdentityRow,
    PersonRow,
    PlatformAddressRow,
    ReflectionClauseRow,
    ReflectionRow,
    RoundRow,
)
from storage.repositories import StoredCompact
from tests.storage.builders import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    T0,
    add_round,
    load_compact,
    make_compact,
    started_round,
    step,
)
from tests.storage.test_callouts import raised as raised_callout

SECRET = b"a-test-secret-of-at-least-32-bytes-long!"
HASHES = ErasureKeys(SECRET)
REPORTERS = ReporterKeys(SECRET)
LATER = T0 + timedelta(hours=1)


def raised(
    stored: StoredCompact, callout_id: str, reporter: UserRef, *, anonymous: bool
) -> Callout:
    """A call-out raised by `reporter`, keyed as the application keys it."""
    callout = raised_callout(stored, callout_id, anonymous=anonymous)
    return replace(
        callout,
        reporter=None if anonymous else reporter,
        reporter_key=REPORTERS.key_for(stored.partnership_slug, callout_id, reporter),
    )


async def partnership_with_bob(database: Database, slug: str = "nhs-vmi") -> StoredCompact:
    """Bob answered a round (Alice too), raised a named and an anonymous call-out, was
    reached on Teams, and the compact file names him."""
    stored = await load_compact(database, make_compact(slug=slug))
    channel = CHANNEL._replace(channel=f"C_{slug}")
    round_ = started_round(f"{slug}-round", conversation=channel)
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "Alice learned", "Alice valued"), T0)
    round_ = step(round_, ev.ReflectionSubmitted(BOB, "Bob learned", "Bob valued", ("env-h1",)), T0)
    await add_round(database, round_, stored)
    async with database.unit_of_work() as uow:
        pid, version = stored.partnership_id, stored.version_id
        await uow.channels.bind(pid, channel)
        await uow.callouts.add(
            raised(stored, f"{slug}-N", BOB, anonymous=False),
            partnership_id=pid,
            compact_version_id=version,
        )
        await uow.callouts.add(
            raised(stored, f"{slug}-A", BOB, anonymous=True),
            partnership_id=pid,
            compact_version_id=version,
        )
        await uow.callouts.add(
            raised(stored, f"{slug}-C", CAROL, anonymous=True),
            partnership_id=pid,
            compact_version_id=version,
        )
        await uow.addresses.remember(
            "slack", f"user:{BOB.tenant}:{BOB.user_id}", {"name": "Bob"}, T0
        )
        bob = await uow.people.find(pid, BOB)
        assert bob is not None
        await uow.audit.record(
            AuditEntry(T0, slug, "@bob", AuditAction.SETTINGS, "digest Monday", bob.id)
        )
        await uow.commit()
    return stored


async def bob_id(database: Database, stored: StoredCompact) -> int:
    async with database.unit_of_work() as uow:
        bob = await uow.people.find(stored.partnership_id, BOB)
    assert bob is not None
    return bob.id


async def forget(
    database: Database, person_id: int, *, with_reflections: bool = False
) -> erasure.Forgotten:
    return await erasure.forget_person(
        database,
        person_id,
        hashes=HASHES.hashes,
        reporter_key=REPORTERS.key_for,
        with_reflections=with_reflections,
        operator="operator test",
        now=LATER,
    )


async def everything_written(database: Database) -> str:
    """Every value of every row of every table, as one text to search."""
    values: list[str] = []
    async with database.unit_of_work() as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).all():
                values.extend(str(value) for value in row)
    return "\n".join(values)


async def test_export_holds_what_is_stored_about_them_and_is_audited(database: Database) -> None:
    stored = await partnership_with_bob(database)
    person_id = await bob_id(database, stored)
    data = await erasure.export_person(database, person_id, operator="operator test", now=LATER)
    assert data["person"]["name"] == "Bob Birch"
    assert data["identities"] == [
        {"platform": "slack", "workspace_or_tenant": "T0001", "user_id": "U_BOB"}
    ]
    assert [(r["learned"], r["clauses"]) for r in data["reflections"]] == [
        ("Bob learned", ["env-h1"])
    ]
    assert [c["reference"] for c in data["named_callouts"]] == ["nhs-vmi-N"]
    assert [a["action"] for a in data["actions"]] == ["settings"]
    assert [(r["round"], r["started_it"], r["outcome"]) for r in data["rounds"]] == [
        ("nhs-vmi-round", False, "answered")
    ]
    assert "cannot be searched without the secret key" in data["anonymous_callouts"]
    assert "nhs-vmi-A" not in str(data), "an anonymous call-out is never in the export"
    async with database.unit_of_work() as uow:
        trail = await uow.audit.entries("nhs-vmi")
    assert (trail[-1].action, trail[-1].actor, trail[-1].subject) == (
        AuditAction.EXPORT,
        "operator test",
        f"person {person_id}",
    )


async def test_forget_erases_them_and_keeps_the_record_without_them(database: Database) -> None:
    stored = await partnership_with_bob(database)
    person_id = await bob_id(database, stored)
    done = await forget(database, person_id)

    assert done == erasure.Forgotten(identities=1, reflections=1, named_callouts=1, rounds=1)
    written = await everything_written(database)
    for trace in ("U_BOB", "Bob Birch", "bob@", "@bob"):
        assert trace not in written, trace
    async with database.unit_of_work() as uow:
        session = uow.session
        assert (
            await session.scalar(
                select(func.count()).select_from(PersonRow).where(PersonRow.id == person_id)
            )
            == 0
        )
        reflections = (
            await session.execute(
                select(
                    ReflectionRow.learned, ReflectionRow.person_id, ReflectionRow.author_platform
                ).order_by(ReflectionRow.position)
            )
        ).all()
        callouts = {row.id: row for row in (await session.scalars(select(CalloutRow))).all()}
        state = await session.scalar(select(RoundRow.state))
        trail = await uow.audit.entries("nhs-vmi")
        erased = await session.scalar(select(func.count()).select_from(ErasureRow))
    # Their reflection stays, by nobody in particular; Alice's is untouched.
    assert [(r.learned, r.author_platform) for r in reflections] == [
        ("Alice learned", "slack"),
        ("Bob learned", erasure.FORMER_PLATFORM),
    ]
    assert reflections[1].person_id is None
    assert FORMER_PARTICIPANT in str(state)
    # Their named call-out is anonymous now; neither of theirs has their key any more, and
    # Carol's anonymous one still has hers.
    named, anonymous, carols = callouts["nhs-vmi-N"], callouts["nhs-vmi-A"], callouts["nhs-vmi-C"]
    assert named.anonymous and named.reporter_user_id is None
    for row in (named, anonymous):
        assert row.reporter_key != REPORTERS.key_for("nhs-vmi", row.id, BOB)
    assert carols.reporter_key == REPORTERS.key_for("nhs-vmi", "nhs-vmi-C", CAROL)
    # What they did stays on the record, by a former participant; the erasure is recorded.
    assert [(e.actor, e.action) for e in trail] == [
        (FORMER_PARTICIPANT, AuditAction.SETTINGS),
        ("operator test", AuditAction.FORGET),
    ]
    assert erased == 2  # his platform id and his handle (the file gives Bob no email)


async def test_forget_scrubs_them_from_the_stored_compact(database: Database) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    async with database.unit_of_work() as uow:
        document, source = (
            await uow.session.execute(
                select(CompactVersionRow.document, CompactVersionRow.source_text)
            )
        ).one()
        rebuilt = await uow.compacts.latest_for(stored.partnership_id)
    assert [p["handle"] for p in document["people"]] == ["alice"]
    assert source == erasure.ERASED_SOURCE_TEXT
    assert rebuilt is not None and [p.handle for p in rebuilt.compact.people] == ["alice"]


async def test_with_reflections_their_answers_go_too(database: Database) -> None:
    stored = await partnership_with_bob(database)
    done = await forget(database, await bob_id(database, stored), with_reflections=True)
    async with database.unit_of_work() as uow:
        learned = (await uow.session.scalars(select(ReflectionRow.learned))).all()
        loaded = await uow.rounds.get("nhs-vmi-round")
    assert done.reflections == 1
    assert learned == ["Alice learned"]
    assert loaded is not None
    assert [r.learned for r in loaded.round.reflections] == ["Alice learned"]


async def test_the_round_still_loads_and_reads_as_before_without_them(database: Database) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    async with database.unit_of_work() as uow:
        loaded = await uow.rounds.get("nhs-vmi-round")
    assert loaded is not None
    names = [a.name for a in loaded.round.attendees]
    assert FORMER_PARTICIPANT in names
    assert [r.learned for r in loaded.round.reflections] == ["Alice learned", "Bob learned"]
    assert BOB not in {a.user for a in loaded.round.attendees}


async def test_forgetting_twice_changes_nothing_and_the_list_knows_them(database: Database) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    before = await everything_written(database)
    assert await erasure.find_people(database, "@bob", None) == []
    for who in ("U_BOB", "@bob", "BOB"):
        assert await erasure.already_erased(database, who, None, HASHES.hashes), who
    assert not await erasure.already_erased(database, "U_BOB", "elsewhere", HASHES.hashes)
    assert not await erasure.already_erased(database, "U_ALICE", None, HASHES.hashes)
    assert (
        await erasure.reapply_erasures(
            database, hashes=HASHES.hashes, reporter_key=REPORTERS.key_for, operator="op", now=LATER
        )
        == 0
    )
    assert await everything_written(database) == before


async def test_reapply_forgets_again_whoever_a_restore_brought_back(database: Database) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    await load_compact(database, make_compact())  # the file still names Bob: he is back
    assert [c.handle for c in await erasure.find_people(database, "bob", None)] == ["bob"]
    again = await erasure.reapply_erasures(
        database, hashes=HASHES.hashes, reporter_key=REPORTERS.key_for, operator="op", now=LATER
    )
    assert again == 1
    assert await erasure.find_people(database, "bob", None) == []
    assert [c.handle for c in await erasure.find_people(database, "alice", None)] == ["alice"]


async def test_who_may_be_a_handle_an_email_a_name_or_a_user_id(database: Database) -> None:
    await partnership_with_bob(database, "first")
    await load_compact(database, make_compact(slug="second"))
    for who in ("@alice", "ALICE", "alice@nhsei.example", "Alice Adeyemi", "U_ALICE"):
        found = await erasure.find_people(database, who, None)
        assert sorted(c.partnership_slug for c in found) == ["first", "second"], who
        assert [c.partnership_slug for c in await erasure.find_people(database, who, "second")] == [
            "second"
        ]
    assert await erasure.find_people(database, "nobody", None) == []


async def test_deleting_a_partnership_leaves_no_row_of_it_and_no_other_partnership_is_touched(
    database: Database,
) -> None:
    await partnership_with_bob(database, "ended")
    kept = await partnership_with_bob(database, "going-on")
    before = await everything_written(database)
    done = await erasure.delete_partnership(database, "ended", operator="operator test", now=LATER)
    assert done.rows["people"] == 2 and done.rows["callouts"] == 3 and done.rows["rounds"] == 1
    async with database.unit_of_work() as uow:
        session = uow.session
        slugs = (await session.scalars(select(PartnershipRow.slug))).all()
        for table in Base.metadata.sorted_tables:
            if "partnership_id" in table.c:
                others = await session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.partnership_id != kept.partnership_id)
                )
                assert others == 0, table.name
        trail = await uow.audit.entries("ended")
        children = {
            row.__tablename__: await session.scalar(select(func.count()).select_from(row))
            for row in (ClauseRow, ReflectionClauseRow)
        }
    assert children == {"clauses": 4, "reflection_clauses": 1}, "only the other partnership's"
    assert slugs == ["going-on"]
    assert trail[-1].action is AuditAction.PARTNERSHIP_DELETE
    assert "going-on-round" in before
    with pytest.raises(LookupError):
        await erasure.delete_partnership(database, "ended", operator="op", now=LATER)


async def test_an_address_and_its_personal_chat_go(database: Database) -> None:
    stored = await partnership_with_bob(database)
    async with database.unit_of_work() as uow:
        await uow.addresses.remember(
            "slack", "personal:T0001:U_BOB", {"conversationId": "D_BOB"}, T0
        )
        await uow.addresses.remember("slack", "conversation:D_BOB", {"x": 1}, T0)
        await uow.addresses.remember("slack", "conversation:C_OTHER", {"x": 2}, T0)
        await uow.channels.bind(
            stored.partnership_id, CHANNEL._replace(channel="D_BOB"), digest=False
        )
        await uow.commit()
    await forget(database, await bob_id(database, stored))
    async with database.unit_of_work() as uow:
        keys = (await uow.session.scalars(select(PlatformAddressRow.key))).all()
        chats = (await uow.session.scalars(select(ChannelRow.channel_id))).all()
    assert keys == ["conversation:C_OTHER"]
    assert "D_BOB" not in chats


async def test_sqlite_connections_zero_what_is_deleted(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    async with database.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA secure_delete"))).scalar() == 1


async def test_identities_of_a_forgotten_person_are_gone(database: Database) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    async with database.unit_of_work() as uow:
        users = (await uow.session.scalars(select(PersonIdentityRow.user_id))).all()
        actors = (await uow.session.scalars(select(AuditEntryRow.actor))).all()
    assert users == ["U_ALICE"]
    assert "@bob" not in actors


async def test_an_erasure_that_fails_half_way_leaves_everything_as_it_was(
    database: Database,
) -> None:
    stored = await partnership_with_bob(database)
    before = await everything_written(database)

    def failing(_slug: str, _callout_id: str, _user: UserRef) -> str:
        raise RuntimeError("the disk is full")  # after the rounds and reflections are rewritten

    with pytest.raises(RuntimeError):
        await erasure.forget_person(
            database,
            await bob_id(database, stored),
            hashes=HASHES.hashes,
            reporter_key=failing,
            with_reflections=False,
            operator="op",
            now=LATER,
        )
    assert await everything_written(database) == before


async def test_on_sqlite_the_erased_values_are_gone_from_the_files(database: Database) -> None:
    path = database.engine.url.database
    if database.engine.dialect.name != "sqlite" or not path:
        pytest.skip("the bytes of a SQLite file")
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored))
    raw = _bytes_of(path)
    for trace in (b"Bob Birch", b"U_BOB"):
        assert trace not in raw, trace


def _bytes_of(path: str) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    files = (Path(path), Path(f"{path}-wal"))
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_reapply_deletes_reflections_again_when_the_erasure_asked_for_it(
    database: Database,
) -> None:
    stored = await partnership_with_bob(database)
    await forget(database, await bob_id(database, stored), with_reflections=True)
    back = await load_compact(database, make_compact())  # a restore brings Bob back ...
    round_ = started_round("restored", conversation=CHANNEL._replace(channel="C_RESTORED"))
    round_ = step(round_, ev.ReflectionSubmitted(BOB, "Bob again", "restored"), T0)
    await add_round(database, round_, back)  # ... with an answer of his
    again = await erasure.reapply_erasures(
        database, hashes=HASHES.hashes, reporter_key=REPORTERS.key_for, operator="op", now=LATER
    )
    async with database.unit_of_work() as uow:
        learned = (await uow.session.scalars(select(ReflectionRow.learned))).all()
    assert again == 1
    assert "Bob again" not in learned and "Alice learned" in learned
