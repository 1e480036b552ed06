"""The digest under the group-size rule (docs/privacy.md): for random partnerships and weeks,
no rendering of it — the neutral message, Slack's blocks, the Teams card, the console's text —
holds a count or an attribution for a group of fewer than `privacy.min_group` people, and
never a person's name."""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.renderer import render as console_lines
from adapters.slack.blocks import fallback_text, render_json
from adapters.teams.cards import Renderer
from bot import words
from bot.views.digest import digest as digest_message
from rituals.callout import CalloutStatus
from rituals.compact import (
    Clause,
    Compact,
    KnownPerson,
    Organisation,
    PrivacySettings,
    Role,
    Theme,
)
from rituals.digest import (
    DEFAULT_QUIET_AFTER,
    CalloutFact,
    Digest,
    RoundHeld,
    compose_digest,
    count_weeks,
)
from rituals.reflection import ReflectionRecord

START = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
LONDON = ZoneInfo("Europe/London")
WEEKS_BEFORE = 3
NAMES = ("Alder Trust", "Birchwood Trust", "Cedarvale Trust", "Damson Regulator", "Elmfield Trust")
CLAUSES = (
    Clause("env-r1", "env", "regulator", "Behave in a positive, respectful way."),
    Clause("env-h1", "env", "hospital", "Early warning and no surprises."),
    Clause("lead-h1", "lead", "hospital", "Keep commitments on deliverables."),
)


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    organisation_id: str | None


@dataclass(frozen=True)
class World:
    start: datetime  # the digest's week: [start, start + 1 week)
    compact: Compact
    people: tuple[Person, ...]
    rounds: tuple[RoundHeld, ...]
    reflections: tuple[ReflectionRecord, ...]
    callouts: tuple[CalloutFact, ...]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=1)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    sizes = draw(st.lists(st.integers(0, 5), min_size=1, max_size=len(NAMES)))
    organisations = tuple(
        Organisation(f"org-{i}", NAMES[i], "regulator" if i == 3 else "hospital")
        for i in range(len(sizes))
    )
    people = [
        Person(f"person-{i}-{n}", f"Member{i}x{n} Surname", f"org-{i}")
        for i, size in enumerate(sizes)
        for n in range(size)
    ]
    # Some people the compact file does not place (they joined by speaking, say).
    people += [
        Person(f"someone-{n}", f"Guest{n} Surname", None) for n in range(draw(st.integers(0, 3)))
    ]
    known = tuple(
        KnownPerson(p.key, p.name, p.organisation_id) for p in people if p.organisation_id
    )
    compact = Compact(
        slug="p",
        name="A partnership",
        vision="Together.",
        roles=(Role("regulator", "Regulator"), Role("hospital", "Hospital")),
        themes=(Theme("env", "Environment"), Theme("lead", "Leadership")),
        clauses=CLAUSES,
        organisations=organisations,
        people=known,
        privacy=PrivacySettings(min_group=draw(st.integers(1, 4))),
    )
    # A random week (local Mondays, across clock changes), and moments around it.
    zone = draw(st.sampled_from((UTC, LONDON)))
    start = datetime(2026, 1, 5, tzinfo=zone) + timedelta(weeks=draw(st.integers(0, 60)))
    moments = st.integers(-WEEKS_BEFORE * 7 * 24, 7 * 24 - 1).map(
        lambda hours: (start + timedelta(hours=hours)).astimezone(UTC)
    )
    rounds, reflections = [], []
    for number in range(draw(st.integers(0, 4))):
        held_at = draw(moments)
        attendees = (
            draw(st.lists(st.sampled_from(people), unique=True, max_size=8)) if people else []
        )
        rounds.append(
            RoundHeld(
                f"r-{number}",
                held_at,
                tuple(p.organisation_id for p in attendees),
                tuple(p.key for p in attendees),
            )
        )
        for person in attendees:
            if draw(st.booleans()):  # answered; else passed or did not answer
                reflections.append(
                    ReflectionRecord(
                        round_id=f"r-{number}",
                        author_name=person.name,
                        organisation_id=person.organisation_id,
                        learned="Learned.",
                        valued=f"Valued thing {len(reflections)}",
                        clause_ids=tuple(
                            draw(st.lists(st.sampled_from([c.id for c in CLAUSES]), max_size=2))
                        ),
                        recorded_at=held_at + timedelta(minutes=5),
                        person=person.key,
                    )
                )
    callouts = tuple(
        CalloutFact(clause, status, raised_at=at)
        for clause, status, at in draw(
            st.lists(
                st.tuples(
                    st.sampled_from([c.id for c in CLAUSES]),
                    st.sampled_from([CalloutStatus.OPEN, CalloutStatus.WITHDRAWN]),
                    moments,
                ),
                max_size=4,
            )
        )
    )
    return World(start, compact, tuple(people), tuple(rounds), tuple(reflections), callouts)


def compose(world: World) -> Digest:
    bounds = [world.start - timedelta(weeks=n) for n in range(WEEKS_BEFORE, -1, -1)]
    history = count_weeks(
        bounds,
        compact=world.compact,
        rounds=world.rounds,
        reflections=world.reflections,
        callouts=world.callouts,
    )
    return compose_digest(
        compact=world.compact,
        period_start=world.start,
        period_end=world.end,
        rounds=world.rounds,
        reflections=world.reflections,
        callouts=world.callouts,
        clause_last_mentioned={},
        now=world.end,
        weekly_history=history,
    )


def renderings(result: Digest, compact: Compact) -> dict[str, str]:
    """Every form the digest reaches a channel in."""
    message = digest_message(result, compact)
    return {
        "neutral": message.summary + "\n" + repr(message.blocks),
        "slack": fallback_text(message) + json.dumps(render_json(message), ensure_ascii=False),
        "teams": json.dumps(Renderer().activities(message), ensure_ascii=False),
        "console": "\n".join(console_lines(message)),
    }


def took_part(world: World, start: datetime, end: datetime) -> dict[str | None, set[Hashable]]:
    """The distinct people of each organisation who attended or answered in `[start, end)`."""
    found: dict[str | None, set[Hashable]] = {}
    for round_ in world.rounds:
        if start <= round_.held_at < end:
            for org, key in zip(round_.attendee_organisation_ids, round_.attendees, strict=True):
                found.setdefault(org, set()).add(key)
    for record in world.reflections:
        if start <= record.recorded_at < end:
            found.setdefault(record.organisation_id, set()).add(record.person)
    return found


COUNTED_CALLOUTS = re.compile(r"\d+ (raised|discussed|resolved|waiting|discussed and waiting)")


@settings(max_examples=150, deadline=None)
@given(world=worlds())
def test_no_rendered_digest_holds_a_figure_or_attribution_for_a_small_group(
    world: World,
) -> None:
    result = compose(world)
    k = world.compact.privacy.min_group
    groups = took_part(world, world.start, world.end)
    everyone = set().union(*groups.values())
    members = {p.handle for p in world.compact.people}
    since = took_part(world, world.end - DEFAULT_QUIET_AFTER + timedelta(microseconds=1), world.end)
    lately = set().union(*since.values())
    for where, text in renderings(result, world.compact).items():
        for organisation in world.compact.organisations:
            if organisation.name in text:  # beside a count, or attributing a quote
                assert len(groups.get(organisation.id, ())) >= k, (where, organisation.name)
        if words.DIGEST_NO_ORGANISATION in text:
            assert len(groups.get(None, ())) >= k, where
        for person in world.people:  # never who answered, passed or did not answer
            assert person.name not in text and person.key not in text
        if "shared" in text or "×" in text:  # the week's totals, the clauses' counts
            assert len(everyone) >= k or not everyone, where  # a zero about nobody may show
        if COUNTED_CALLOUTS.search(text):
            assert len(members) >= k, where
        if "Quiet clauses" in text:  # "nobody mentioned it" is about who took part since
            assert len(lately) >= k or not lately, where
    # The chart's weeks are each shown only as that week's own digest would show them.
    for point in result.chart:
        week = took_part(world, point.week_start, point.week_start + timedelta(weeks=1))
        assert len(set().union(*week.values())) >= k or point.clauses_celebrated == 0


@settings(max_examples=150, deadline=None)
@given(world=worlds())
def test_what_is_folded_together_is_about_min_group_people_and_never_one_group(
    world: World,
) -> None:
    result = compose(world)
    k = world.compact.privacy.min_group
    groups = took_part(world, world.start, world.end)
    participation = result.participation
    if participation.withheld:
        return
    shown = {row.organisation_id for row in participation.organisations}
    for row in participation.organisations:
        assert len(groups.get(row.organisation_id, ())) >= k or not groups.get(row.organisation_id)
    folded = {g: people for g, people in groups.items() if g not in shown and people}
    if participation.others is not None and folded:
        assert len(set().union(*folded.values())) >= k
        # The fold is never one group's own figure: at least two folded groups are counted.
        assert len(folded) >= 2
    # And everything shown adds up to the shown total.
    others = participation.others.reflections_shared if participation.others else 0
    assert sum(r.reflections_shared for r in participation.organisations) + others == (
        participation.reflections_shared
    )
    # A quote is attributed only to an organisation shown on its own.
    assert {h.organisation_id for h in result.highlights} - {None} <= shown


def a_week(sizes: dict[str, int], *, shared: dict[str, int], min_group: int = 3) -> World:
    """One round in the week: `sizes` people of each organisation attend, `shared` of them
    answer (each citing env-h1)."""
    organisations = tuple(Organisation(org, NAMES[i], "hospital") for i, org in enumerate(sizes))
    people = [
        Person(f"{org}-{n}", f"{org.title()}{n} Surname", org)
        for org, size in sizes.items()
        for n in range(size)
    ]
    compact = Compact(
        slug="p",
        name="A partnership",
        vision="Together.",
        roles=(Role("regulator", "Regulator"), Role("hospital", "Hospital")),
        themes=(Theme("env", "Environment"), Theme("lead", "Leadership")),
        clauses=CLAUSES,
        organisations=organisations,
        people=tuple(KnownPerson(p.key, p.name, p.organisation_id or "") for p in people),
        privacy=PrivacySettings(min_group=min_group),
    )
    held = START + timedelta(days=1)
    answered: list[Person] = []
    for org, count in shared.items():
        answered += [p for p in people if p.organisation_id == org][:count]
    reflections = tuple(
        ReflectionRecord(
            "r", p.name, p.organisation_id, "L.", f"Valued {i}", ("env-h1",), held, p.key
        )
        for i, p in enumerate(answered)
    )
    round_ = RoundHeld(
        "r", held, tuple(p.organisation_id for p in people), tuple(p.key for p in people)
    )
    return World(START, compact, tuple(people), (round_,), reflections, ())


def test_small_organisations_are_counted_together_beside_a_large_one() -> None:
    world = a_week({"a": 3, "b": 1, "c": 2}, shared={"a": 2, "b": 1, "c": 1})
    text = renderings(compose(world), world.compact)["console"]
    assert "Alder Trust: took part 3 times in rounds, shared 2 reflections" in text
    assert "Other partners together: took part 3 times in rounds, shared 2 reflections" in text
    assert "Birchwood" not in text and "Cedarvale" not in text
    assert "“Valued 2” — a partner" in text and "“Valued 0” — Alder Trust" in text


def test_a_fold_that_would_be_one_organisations_figure_takes_in_the_smallest_shown() -> None:
    # Birchwood (one person) alone would be "other partners": 1 reflection, Birchwood's own.
    world = a_week({"a": 3, "b": 1, "c": 4}, shared={"a": 1, "b": 1, "c": 3})
    text = renderings(compose(world), world.compact)["console"]
    assert "Alder Trust" not in text and "Birchwood" not in text
    assert "Cedarvale Trust: took part 4 times in rounds, shared 3 reflections" in text
    assert "Other partners together: took part 4 times in rounds, shared 2 reflections" in text


def test_when_even_everyone_together_would_single_someone_out_nothing_is_counted() -> None:
    world = a_week({"a": 1, "b": 1, "c": 1}, shared={"a": 1})  # two passed, one answered
    text = renderings(compose(world), world.compact)["console"]
    assert "1 reflection round held." in text
    assert "Participation by organisation is not shown this week" in text
    assert "reflection shared" not in text and "Alder" not in text
    assert "— a partner" in text
    # A clause's count is about all three who took part, not about one organisation.
    assert "env-h1 ×1" in text
