"""`compact_change`: what a changed compact file changes, kind by kind (pure, no doubles)."""

from __future__ import annotations

from dataclasses import replace

from rituals.compact import Clause, DeclaredChannel, KnownPerson
from rituals.compact_diff import CompactChange, compact_change
from tests.storage.builders import make_compact

BEFORE = make_compact()
CAROL = KnownPerson("carol", "Carol Chen", "riverside")


def test_a_new_partnership_is_only_that() -> None:
    change = compact_change(None, BEFORE)
    assert change == CompactChange(True, facilitators_left=1)
    assert change.changes_anything and not change.orphans_partnership


def test_the_same_file_changes_nothing() -> None:
    change = compact_change(BEFORE, make_compact())
    assert not change.changes_anything


def test_clauses_added_removed_and_reworded_are_named_in_the_compact_order() -> None:
    extra = Clause("exc-r2", "exc", "regulator", "Share what works")
    after = make_compact(
        env_r1="Behave well",
        clauses=(*make_compact(env_r1="Behave well").clauses[:3], extra),
    )
    change = compact_change(BEFORE, after)
    assert change.clauses_added == ("exc-r2",)
    assert change.clauses_removed == ("exc-h1",)
    assert change.clauses_reworded == ("env-r1",)
    assert not change.other and change.changes_anything


def test_people_added_removed_and_moved() -> None:
    bob_moved = replace(BEFORE.people[1], organisation_id="riverside")
    change = compact_change(BEFORE, make_compact(people=(bob_moved, CAROL)))
    assert change.people_added == ("carol",)
    assert change.people_removed == ("alice",)
    assert change.people_moved == (("bob", "northgate", "riverside"),)


def test_facilitators_added_and_removed_and_the_last_one_never_orphaned() -> None:
    handover = compact_change(BEFORE, make_compact(facilitators=("bob",)))
    assert (handover.facilitators_added, handover.facilitators_removed) == (("bob",), ("alice",))
    assert not handover.orphans_partnership
    orphaned = compact_change(BEFORE, make_compact(facilitators=()))
    assert orphaned.facilitators_removed == ("alice",) and orphaned.orphans_partnership
    # A partnership that never had a facilitator is not orphaned by staying without one.
    none = make_compact(facilitators=())
    assert not compact_change(none, none).orphans_partnership
    assert not compact_change(make_compact(facilitators=()), BEFORE).orphans_partnership


def test_channels_declared_and_dropped() -> None:
    slack, teams = DeclaredChannel("slack", "C0123"), DeclaredChannel("teams", "19:abc")
    change = compact_change(make_compact(channels=(slack,)), make_compact(channels=(teams,)))
    assert change.channels_added == ("teams 19:abc",)
    assert change.channels_removed == ("slack C0123",)


def test_anything_else_is_reported_as_other_content() -> None:
    change = compact_change(BEFORE, make_compact(vision="A new vision"))
    assert change.other and change.changes_anything
    assert change == CompactChange(False, 1, other=True)
