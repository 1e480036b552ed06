"""Loading compacts: versions only when the content changes, history never rewritten."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rituals.compact import (
    KnownPerson,
    Organisation,
    PlatformIdentity,
    PrivacySettings,
    ReviewThresholds,
)
from rituals.compact_yaml import parse_compact
from rituals.errors import NotFound
from rituals.round import events as ev
from storage.compact_document import compact_from_document, compact_to_document
from storage.database import Database
from storage.models import ClauseRow, CompactVersionRow, ReflectionClauseRow, ReflectionRow
from tests.storage.builders import (
    ALICE,
    BOB,
    ENV_R1,
    T0,
    add_round,
    make_compact,
    started_round,
    step,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compact.yaml"


async def rows(database: Database, table: type[object]) -> int:
    async with database.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def test_first_load_creates_version_one_with_its_clause_rows(database: Database) -> None:
    compact = make_compact()
    async with database.unit_of_work() as uow:
        stored, created = await uow.compacts.load(compact, source_text="yaml text", now=T0)
        await uow.commit()
    assert created
    assert (stored.version, stored.partnership_slug, stored.compact) == (1, "nhs-vmi", compact)
    async with database.unit_of_work() as uow:
        ids = await uow.compacts.clause_row_ids(stored.version_id)
        texts = dict(
            (
                await uow.session.execute(
                    select(ClauseRow.clause_key, ClauseRow.text).where(
                        ClauseRow.compact_version_id == stored.version_id
                    )
                )
            ).all()
        )
        source = await uow.session.scalar(select(CompactVersionRow.source_text))
    assert set(ids) == set(texts) == {"env-r1", "env-h1", "exc-r1", "exc-h1"}
    assert texts["env-r1"] == ENV_R1
    assert source == "yaml text"


async def test_loading_the_same_compact_again_creates_nothing(database: Database) -> None:
    async with database.unit_of_work() as uow:
        first, _ = await uow.compacts.load(make_compact(), source_text="a", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        again, created = await uow.compacts.load(make_compact(), source_text="b", now=T0)
        await uow.commit()
    assert not created
    assert again == first
    assert await rows(database, CompactVersionRow) == 1
    assert await rows(database, ClauseRow) == 4


async def test_a_changed_clause_makes_version_two_and_old_reflections_keep_old_wording(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        v1, _ = await uow.compacts.load(make_compact(), source_text="v1", now=T0)
        await uow.commit()
    round_ = started_round()
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "learned", "valued", ("env-r1",)), T0)
    await add_round(database, round_, v1)

    async with database.unit_of_work() as uow:
        v2, created = await uow.compacts.load(
            make_compact(env_r1="Be candid and kind"), source_text="v2", now=T0
        )
        await uow.commit()
    assert created
    assert (v2.version, v2.partnership_id) == (2, v1.partnership_id)
    assert v2.version_id != v1.version_id
    assert await rows(database, ClauseRow) == 8

    async with database.unit_of_work() as uow:
        cited = await uow.session.scalar(
            select(ClauseRow.text)
            .join(ReflectionClauseRow, ReflectionClauseRow.clause_id == ClauseRow.id)
            .join(ReflectionRow, ReflectionRow.id == ReflectionClauseRow.reflection_id)
        )
        latest = await uow.compacts.latest("nhs-vmi")
        old = await uow.compacts.by_version_id(v1.version_id)
    assert cited == ENV_R1
    assert latest is not None and latest.compact.clause("env-r1").text == "Be candid and kind"
    assert old.compact.clause("env-r1").text == ENV_R1
    assert old.version == 1


async def test_organisations_and_people_follow_the_file(database: Database) -> None:
    async with database.unit_of_work() as uow:
        stored, _ = await uow.compacts.load(make_compact(), source_text="", now=T0)
        await uow.commit()
    changed = make_compact(
        organisations=(
            Organisation("nhsei", "NHS England", "regulator"),
            Organisation("northgate", "Northgate Hospitals NHS Trust", "hospital"),
            Organisation("riverside", "Riverside NHS Trust", "hospital"),
            Organisation("eastmoor", "Eastmoor Trust", "hospital"),
        ),
        people=(
            KnownPerson("alice", "Alice A.", "nhsei", None, (PlatformIdentity("slack", "U_A2"),)),
            KnownPerson(
                "Bob", "Bob Birch", "riverside", None, (PlatformIdentity("slack", "U_BOB"),)
            ),
            KnownPerson("carol", "Carol Chen", "eastmoor"),
        ),
    )
    async with database.unit_of_work() as uow:
        await uow.compacts.load(changed, source_text="", now=T0)
        await uow.commit()

    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        organisations = await uow.people.organisations(pid)
        alice = await uow.people.find_by_handle(pid, "ALICE")
        bob = await uow.people.find(pid, BOB)
        carol = await uow.people.find_by_handle(pid, "carol")
        old_alice_id = await uow.people.find(pid, ALICE)
        new_alice = await uow.people.find(pid, ALICE._replace(user_id="U_A2"))
    assert [o.id for o in organisations] == ["eastmoor", "nhsei", "northgate", "riverside"]
    assert next(o for o in organisations if o.id == "nhsei").name == "NHS England"
    assert alice is not None and alice.display_name == "Alice A." and alice.email is None
    assert bob is not None and (bob.handle, bob.organisation_key) == ("Bob", "riverside")
    assert carol is not None and carol.identities == ()
    assert old_alice_id is None, "an identity the file no longer lists stops matching"
    assert new_alice == alice


async def test_the_example_compact_round_trips_exactly(database: Database) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    compact = parse_compact(text)
    async with database.unit_of_work() as uow:
        await uow.compacts.load(compact, source_text=text, now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        latest = await uow.compacts.latest(compact.slug)
    assert latest is not None
    assert latest.compact == compact
    assert latest.compact.fingerprint() == compact.fingerprint()
    assert latest.loaded_at == T0


async def test_lookups_of_what_does_not_exist(database: Database) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.compacts.latest("nobody") is None
        assert await uow.compacts.partnership_id("nobody") is None
        assert await uow.compacts.clause_row_ids(12345) == {}
        with pytest.raises(NotFound):
            await uow.compacts.by_version_id(12345)


async def test_latest_of_every_partnership(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.compacts.load(make_compact(slug="one"), source_text="", now=T0)
        await uow.compacts.load(make_compact(slug="two"), source_text="", now=T0)
        await uow.compacts.load(make_compact(slug="two", env_r1="changed"), source_text="", now=T0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        latest = await uow.compacts.latest_all()
    assert [(s.partnership_slug, s.version) for s in latest] == [("one", 1), ("two", 2)]


async def test_latest_by_partnership_id(database: Database) -> None:
    async with database.unit_of_work() as uow:
        stored, _ = await uow.compacts.load(make_compact(), source_text="", now=T0)
        assert await uow.compacts.latest_for(stored.partnership_id) == stored
        assert await uow.compacts.latest_for(stored.partnership_id + 1000) is None


def test_review_and_privacy_settings_survive_the_stored_document() -> None:
    text = (Path(__file__).resolve().parents[2] / "examples" / "partnership-large.yaml").read_text()
    compact = replace(
        parse_compact(text), privacy=PrivacySettings(5), review=ReviewThresholds(4, 5, 6)
    )
    document = compact_to_document(compact)
    assert compact_from_document(document) == compact
    # A document stored before these sections existed reads back with their defaults.
    del document["review"], document["privacy"]
    older = compact_from_document(document)
    assert (older.privacy, older.review) == (PrivacySettings(), ReviewThresholds())
