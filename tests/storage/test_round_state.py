"""The round snapshot: every field mapped, sets sorted, moments exact and in UTC."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from rituals.reflection import Reflection
from rituals.round import Round
from rituals.round import events as ev
from rituals.round.state import Attendee, Turn
from storage.round_state import (
    attendees_from_json,
    moment_from_json,
    moment_to_json,
    round_from_json,
    round_to_json,
)
from tests.storage.builders import ALICE, BOB, CAROL, T0, started_round, step

NEW_YORK = timezone(timedelta(hours=-5))


def played() -> Round:
    round_ = started_round(timeout=timedelta(seconds=90.000001))
    round_ = step(round_, ev.ReflectionSubmitted(CAROL, "early", "", ("exc-h1", "env-r1")), T0)
    round_ = step(round_, ev.TurnTimedOut(1), T0 + timedelta(minutes=2))
    round_ = step(round_, ev.TurnPassed(BOB, 2), T0 + timedelta(minutes=3))
    edited = datetime(2026, 11, 23, 11, 4, 5, 123456, tzinfo=NEW_YORK)
    return step(round_, ev.ReflectionEdited(CAROL, "edited", "more", ("env-r1",)), edited)


def rebuilt(round_: Round, state: dict[str, Any]) -> Round:
    return round_from_json(
        state,
        id=round_.id,
        conversation=round_.conversation,
        status=round_.status,
        opened_at=round_.opened_at,
        closed_at=round_.closed_at,
    )


def test_a_round_survives_its_snapshot_through_json_text() -> None:
    round_ = played()
    assert round_.turns and round_.reflections and round_.passed
    state = json.loads(json.dumps(round_to_json(round_)))
    assert rebuilt(round_, state) == round_
    assert attendees_from_json(state) == round_.attendees


def test_equal_rounds_give_equal_documents_whatever_the_set_order() -> None:
    round_ = played()
    shuffled = round_.evolve(
        facilitators=frozenset(reversed(sorted(round_.facilitators | {ALICE}))),
        passed=frozenset(reversed(sorted(round_.passed | {ALICE}))),
    )
    document = round_to_json(shuffled)
    assert document["facilitators"] == sorted(document["facilitators"])
    assert document["passed"] == sorted(document["passed"])
    assert document["clause_ids"] == sorted(round_.clause_ids)
    assert json.dumps(document) == json.dumps(round_to_json(shuffled.evolve()))


def test_a_reflections_clauses_keep_the_authors_order() -> None:
    round_ = step(
        started_round(), ev.ReflectionSubmitted(ALICE, "l", "v", ("exc-h1", "env-r1")), T0
    )
    (reflection,) = round_to_json(round_)["reflections"]
    assert reflection["clause_ids"] == ["exc-h1", "env-r1"]


def test_moments_are_exact_and_come_back_in_utc() -> None:
    moment = datetime(2026, 11, 23, 11, 4, 5, 123456, tzinfo=NEW_YORK)
    text = moment_to_json(moment)
    assert text == "2026-11-23T16:04:05.123456+00:00"
    back = moment_from_json(text)
    assert back == moment
    assert back.tzinfo is UTC


def test_naive_moments_are_refused_both_ways() -> None:
    with pytest.raises(ValueError, match="naive"):
        moment_to_json(datetime(2026, 11, 23, 16, 0))
    with pytest.raises(ValueError, match="no offset"):
        moment_from_json("2026-11-23T16:00:00")


def test_an_unknown_format_is_refused() -> None:
    round_ = started_round(attendees=(Attendee(ALICE, "nhsei"),))
    state = {**round_to_json(round_), "format": 99}
    with pytest.raises(ValueError, match="unknown round state format"):
        rebuilt(round_, state)
    with pytest.raises(ValueError, match="unknown round state format"):
        attendees_from_json(state)


def test_every_field_of_a_round_is_stored_somewhere() -> None:
    """A field added to the domain must be mapped here, or it would reset on every reload."""
    round_ = played()
    document = round_to_json(round_)
    # The fields the round row keeps as columns (see `RoundRow`), and the renamed timeout.
    in_columns = {"id", "conversation", "status", "opened_at", "closed_at"}
    in_document = (document.keys() - {"format", "turn_timeout_seconds"}) | {"turn_timeout"}
    assert in_columns | in_document == {f.name for f in fields(Round)}
    assert not in_columns & in_document
    assert document["turns"][0].keys() == {f.name for f in fields(Turn)}
    assert document["reflections"][0].keys() == {f.name for f in fields(Reflection)}
    assert document["attendees"][0].keys() == {f.name for f in fields(Attendee)}
