"""The weekly digest: composed from plain facts, by value, with its privacy rules as properties."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.renderer import render
from bot import words
from bot.views.digest import digest as digest_message
from rituals.callout import (
    CalloutStatus,
    mark_discussed,
    raise_callout,
    resolve,
    withdraw,
)
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
    CalloutFact,
    CalloutSummary,
    ClauseCount,
    Digest,
    Highlight,
    OrganisationParticipation,
    Participation,
    QuietClause,
    RoundHeld,
    StillOpen,
    WeekCounts,
    compose_digest,
    count_week,
    count_weeks,
)
from rituals.reflection import ReflectionRecord
from rituals.refs import UserRef

START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday, 09:00
END = START + timedelta(weeks=1)
NOW = END + timedelta(minutes=1)
IN = START + timedelta(days=2)  # a moment inside the period
BEFORE = START - timedelta(days=3)
AFTER = END + timedelta(hours=1)

OPEN, DISCUSSED, RESOLVED, WITHDRAWN = CalloutStatus

COMPACT = Compact(
    slug="nhs-vmi",
    name="NHS–VMI partnership",
    vision="The safest hospitals in the country.",
    roles=(Role("regulator", "Regulator"), Role("hospital", "Hospital")),
    themes=(Theme("env", "Creating the right environment"), Theme("lead", "Leadership")),
    clauses=(
        Clause("env-r1", "env", "regulator", "Behave in a positive, respectful way."),
        Clause("env-h1", "env", "hospital", "Early warning and no surprises."),
        Clause("lead-r1", "lead", "regulator", "Be clear about pace and progress."),
        Clause("lead-h1", "lead", "hospital", "Keep commitments on deliverables."),
    ),
    organisations=(
        Organisation("nhsi", "NHS Improvement", "regulator"),
        Organisation("trust-a", "Trust A", "hospital"),
        Organisation("trust-b", "Trust B", "hospital"),
    ),
    # Three known people in each organisation: the partnership's members.
    people=tuple(
        KnownPerson(f"{org}-{n}", f"Person {n}", org)
        for org in ("nhsi", "trust-a", "trust-b")
        for n in range(3)
    ),
    # These tests are about counting; the group-size rule has its own (tests/test_digest_groups.py).
    privacy=PrivacySettings(min_group=1),
)
CLAUSE_IDS = tuple(clause.id for clause in COMPACT.clauses)


def reflection(
    *,
    org: str | None = "trust-a",
    valued: str = "The candour.",
    clauses: tuple[str, ...] = (),
    at: datetime = IN,
    round_id: str = "r-1",
    author: str = "Alice Example",
) -> ReflectionRecord:
    return ReflectionRecord(
        round_id=round_id,
        author_name=author,
        organisation_id=org,
        learned="Something.",
        valued=valued,
        clause_ids=clauses,
        recorded_at=at,
    )


def digest(
    *,
    rounds: Sequence[RoundHeld] = (),
    reflections: Sequence[ReflectionRecord] = (),
    callouts: Sequence[CalloutFact] = (),
    mentioned: Mapping[str, datetime] | None = None,
    history: Sequence[WeekCounts] = (),
    **options: object,
) -> Digest:
    recent = {clause_id: IN for clause_id in CLAUSE_IDS} if mentioned is None else mentioned
    return compose_digest(
        compact=COMPACT,
        period_start=START,
        period_end=END,
        rounds=rounds,
        reflections=reflections,
        callouts=callouts,
        clause_last_mentioned=recent,
        now=NOW,
        weekly_history=history,
        **options,  # type: ignore[arg-type]
    )


# --- Empty and quiet ---------------------------------------------------------------------------


def test_a_week_with_nothing_is_empty_and_lists_no_organisation() -> None:
    result = digest(mentioned={})

    assert result.is_empty
    assert result.rounds_held == 0
    # Nobody took part: no organisation is listed, not even with a zero.
    assert result.participation == Participation((), None, 0)
    assert result.highlights == ()
    assert result.clauses_celebrated == ()
    assert result.callouts == ()
    assert result.chart == ()
    # Never mentioned counts as quiet, in the compact's order.
    assert result.quiet_clauses == tuple(QuietClause(cid, None) for cid in CLAUSE_IDS)
    assert result.week_counts == WeekCounts(START, 0, 0)
    assert (result.partnership_slug, result.period_start, result.period_end) == (
        "nhs-vmi",
        START,
        END,
    )
    assert result.composed_at == NOW


@pytest.mark.parametrize(
    ("what", "expected_empty"),
    [
        ({"rounds": [RoundHeld("r-1", IN, ())]}, False),
        ({"reflections": [reflection()]}, False),
        ({"callouts": [CalloutFact("env-h1", OPEN, raised_at=IN)]}, False),
        (
            {"callouts": [CalloutFact("env-h1", DISCUSSED, BEFORE, discussed_at=IN)]},
            False,
        ),
        ({"callouts": [CalloutFact("env-h1", WITHDRAWN, raised_at=IN)]}, True),
        ({"reflections": [reflection(at=BEFORE)], "rounds": [RoundHeld("r", AFTER, ())]}, True),
        ({"history": [WeekCounts(START - timedelta(weeks=1), 3, 1)]}, True),
    ],
)
def test_is_empty_is_about_this_period_only(what: dict[str, object], expected_empty: bool) -> None:
    assert digest(**what).is_empty is expected_empty  # type: ignore[arg-type]


# --- Participation -----------------------------------------------------------------------------


def test_participation_sets_attendance_against_reflections_per_organisation() -> None:
    rounds = [
        RoundHeld("r-1", IN, ("trust-a", "trust-a", "nhsi", None), ("a1", "a2", "n1", "x1")),
        RoundHeld("r-2", IN + timedelta(days=1), ("trust-a", "gone-trust"), ("a1", "g1")),
        RoundHeld("r-old", BEFORE, ("trust-b", "trust-b"), ("b1", "b2")),
    ]
    reflections = [
        reflection(org="trust-a", round_id="r-1"),
        reflection(org="trust-a", round_id="r-2"),
        reflection(org="nhsi", round_id="r-1"),
        reflection(org=None, round_id="r-1"),
        reflection(org="trust-b", round_id="r-old", at=BEFORE),
    ]

    result = digest(rounds=rounds, reflections=reflections)

    assert result.rounds_held == 2
    # Trust B had nobody this week: a zero about nobody is not shown.
    assert result.participation.organisations == (
        OrganisationParticipation("nhsi", "NHS Improvement", 1, 1),
        OrganisationParticipation("trust-a", "Trust A", 3, 2),
        # People in no organisation, or one the compact no longer has, are grouped last.
        OrganisationParticipation(None, None, 2, 1),
    )
    assert result.participation.others is None
    assert result.reflections_shared == 4


def test_the_period_is_half_open() -> None:
    result = digest(
        rounds=[
            RoundHeld("at-start", START, ("nhsi",), ("n1",)),
            RoundHeld("at-end", END, ("nhsi",), ("n1",)),
        ],
        reflections=[reflection(at=START, clauses=("env-r1",)), reflection(at=END)],
    )
    assert result.rounds_held == 1
    assert result.reflections_shared == 1
    assert result.clauses_celebrated == (ClauseCount("env-r1", 1),)


# --- Highlights and celebrated clauses ----------------------------------------------------------


def test_highlights_prefer_more_clauses_then_recency_attributed_to_organisations() -> None:
    reflections = [
        reflection(valued="Old and plain.", at=IN - timedelta(hours=5)),
        reflection(valued="Two clauses.", clauses=("env-r1", "lead-r1"), org="nhsi"),
        reflection(valued="Newest plain.", at=IN + timedelta(hours=5), org="trust-b"),
        reflection(valued="One clause, repeated.", clauses=("env-h1", "env-h1")),
        reflection(valued="   "),  # said nothing about value: not a highlight
        reflection(valued="From nowhere.", org="gone-trust", at=IN - timedelta(hours=9)),
        reflection(valued="too early", at=BEFORE, clauses=CLAUSE_IDS),
    ]

    result = digest(reflections=reflections)

    assert result.highlights == (
        Highlight("Two clauses.", "nhsi", "NHS Improvement", ("env-r1", "lead-r1")),
        Highlight("One clause, repeated.", "trust-a", "Trust A", ("env-h1",)),
        Highlight("Newest plain.", "trust-b", "Trust B", ()),
        Highlight("Old and plain.", "trust-a", "Trust A", ()),
        Highlight("From nowhere.", None, None, ()),
    )
    # Attributed by organisation, never by person.
    assert "Alice" not in repr(result.highlights)
    assert "author" not in {f.name for f in dataclasses.fields(Highlight)}


def test_highlights_are_limited_and_show_repeated_words_once() -> None:
    reflections = [
        reflection(valued="Great meeting!", at=IN + timedelta(minutes=1)),
        reflection(valued="great   MEETING!", at=IN, org="trust-b"),
        *(reflection(valued=f"Point {n}", at=IN - timedelta(hours=n)) for n in range(1, 9)),
    ]

    result = digest(reflections=reflections, highlight_limit=3)

    assert [h.valued for h in result.highlights] == ["Great meeting!", "Point 1", "Point 2"]


def test_clauses_celebrated_counts_reflections_and_breaks_ties_by_compact_order() -> None:
    reflections = [
        reflection(clauses=("lead-h1", "env-h1", "lead-h1")),  # counted once per reflection
        reflection(clauses=("env-h1",)),
        reflection(clauses=("lead-h1", "env-r1")),
        reflection(clauses=("retired-1",)),  # no longer in the compact: ranked after ties
        reflection(clauses=("env-r1",), at=BEFORE),
    ]

    result = digest(reflections=reflections)

    assert result.clauses_celebrated == (
        ClauseCount("env-h1", 2),
        ClauseCount("lead-h1", 2),
        ClauseCount("env-r1", 1),
        ClauseCount("retired-1", 1),
    )
    assert result.most_celebrated(2) == (ClauseCount("env-h1", 2), ClauseCount("lead-h1", 2))
    assert result.week_counts == WeekCounts(START, 6, 0)


# --- Call-outs --------------------------------------------------------------------------------


def test_callouts_are_counted_by_clause_with_their_learning_notes() -> None:
    facts = [
        CalloutFact("lead-h1", OPEN, raised_at=IN),
        CalloutFact("env-h1", OPEN, raised_at=IN),
        CalloutFact("env-h1", DISCUSSED, BEFORE, discussed_at=IN, learning_note="Warn early."),
        CalloutFact(
            "env-h1",
            RESOLVED,
            raised_at=IN,
            discussed_at=IN + timedelta(hours=1),
            resolved_at=IN + timedelta(hours=2),
            learning_note="Share drafts.",
        ),
        CalloutFact(
            "env-r1", RESOLVED, BEFORE, resolved_at=IN - timedelta(hours=1), learning_note="A"
        ),
        # Outside the period: counted in no column.
        CalloutFact("lead-r1", RESOLVED, BEFORE, BEFORE, BEFORE, learning_note="Old news."),
        CalloutFact("lead-r1", OPEN, raised_at=AFTER),
        # Withdrawn by the reporter after the meeting discussed it: counted in no column, but
        # what the meeting learned stays.
        CalloutFact("env-r1", WITHDRAWN, raised_at=IN, discussed_at=IN, learning_note="Kept."),
    ]

    result = digest(callouts=facts)

    assert result.callouts == (
        CalloutSummary("env-r1", raised=0, discussed=0, resolved=1, learning_notes=("A", "Kept.")),
        CalloutSummary(
            "env-h1",
            raised=2,
            discussed=2,
            resolved=1,
            learning_notes=("Warn early.", "Share drafts."),
        ),
        CalloutSummary("lead-h1", raised=1, discussed=0, resolved=0, learning_notes=()),
    )
    assert (result.callouts_raised, result.callouts_discussed, result.callouts_resolved) == (
        3,
        2,
        2,
    )
    assert "Hidden." not in repr(result)
    assert result.week_counts == WeekCounts(START, 0, 3)


def test_the_digest_cannot_break_callouts_down_by_organisation_or_person() -> None:
    """Privacy by construction: the types have no place to put it."""
    for cls in (CalloutFact, CalloutSummary):
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & {"reporter", "reporter_key", "organisation_id", "what_happened"}


def test_a_callout_fact_is_taken_from_a_callout_without_its_reporter() -> None:
    key = "f00d" * 16
    reporter = UserRef("slack", "T1", "U-SECRET-REPORTER")
    callout, _ = raise_callout(
        callout_id="c-1",
        compact=COMPACT,
        compact_version=2,
        clause_id="env-h1",
        about_organisation_id="trust-b",
        what_happened="Private words only facilitators may read.",
        what_would_help="",
        anonymous=False,
        reporter=reporter,
        reporter_key=key,
        now=IN,
    )
    discussed, _ = mark_discussed(
        callout, by_is_facilitator=True, learning_note="Warn early.", now=IN + timedelta(1)
    )
    resolved, _ = resolve(discussed, by_is_facilitator=True, now=IN + timedelta(2))

    fact = CalloutFact.from_callout(resolved)

    assert fact == CalloutFact(
        clause_id="env-h1",
        status=RESOLVED,
        raised_at=IN,
        discussed_at=IN + timedelta(1),
        resolved_at=IN + timedelta(2),
        learning_note="Warn early.",
        notes=((IN + timedelta(1), "Warn early."),),
    )
    for secret in (key, reporter.user_id, "trust-b", "Private words"):
        assert secret not in repr(fact)
    withdrawn, _ = withdraw(callout, reporter_key=key, now=IN)
    assert not CalloutFact.from_callout(withdrawn).counted


# --- Quiet clauses ----------------------------------------------------------------------------


def test_quiet_clauses_are_judged_at_the_end_of_the_period() -> None:
    six_weeks = timedelta(weeks=6)
    mentioned = {
        "env-r1": END - six_weeks,  # exactly at the cut-off: quiet
        "env-h1": END - six_weeks + timedelta(seconds=1),  # just inside: not quiet
        "lead-r1": END - timedelta(weeks=20),  # stale history, but mentioned this week below
        # lead-h1 never mentioned: quiet
        "retired-1": END - timedelta(weeks=50),  # not in the compact any more: not listed
    }

    result = digest(
        mentioned=mentioned,
        reflections=[reflection(clauses=("lead-r1",), at=IN)],
        callouts=[CalloutFact("lead-h1", WITHDRAWN, raised_at=IN)],  # withdrawn: no mention
    )

    assert result.quiet_clauses == (
        QuietClause("env-r1", END - six_weeks),
        QuietClause("lead-h1", None),
    )


def test_a_callout_is_a_mention_and_quiet_after_is_configurable() -> None:
    result = digest(
        mentioned={"env-r1": END - timedelta(days=10)},
        callouts=[CalloutFact("env-h1", OPEN, raised_at=END - timedelta(days=3))],
        quiet_after=timedelta(weeks=1),
    )
    assert [q.clause_id for q in result.quiet_clauses] == ["env-r1", "lead-r1", "lead-h1"]


# --- The chart --------------------------------------------------------------------------------


def week(n: int, celebrated: int = 1, raised: int = 0) -> WeekCounts:
    return WeekCounts(START - timedelta(weeks=n), celebrated, raised)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], ()),  # one week is not a trend
        ([week(1, 0, 0)], (week(1, 0, 0), WeekCounts(START, 2, 1))),  # from nothing: a trend
        ([week(1)], (week(1), WeekCounts(START, 2, 1))),
        ([week(2), week(1)], (week(2), week(1), WeekCounts(START, 2, 1))),
        # Only earlier weeks; this period's own count wins over a stored one.
        ([week(1), WeekCounts(START, 9, 9), week(-1)], (week(1), WeekCounts(START, 2, 1))),
        # Input order does not matter; at most `chart_weeks` points, the newest ones.
        (
            [week(n) for n in (5, 1, 4, 2, 3)],
            (week(2), week(1), WeekCounts(START, 2, 1)),
        ),
    ],
)
def test_chart_needs_two_weeks_of_data(
    history: list[WeekCounts], expected: tuple[WeekCounts, ...]
) -> None:
    result = digest(
        history=history,
        reflections=[reflection(clauses=("env-r1", "env-h1"))],
        callouts=[CalloutFact("env-h1", OPEN, raised_at=IN)],
        chart_weeks=3,
    )
    assert result.chart == expected


def test_weeks_of_nothing_are_not_worth_a_picture() -> None:
    assert digest(history=[week(2, 0, 0), week(1, 0, 0)]).chart == ()


def test_count_week_backfills_history_with_the_same_definitions() -> None:
    reflections = [reflection(clauses=("env-r1", "env-r1", "lead-h1"), at=BEFORE)]
    callouts = [
        CalloutFact("env-r1", OPEN, raised_at=BEFORE),
        CalloutFact("env-r1", WITHDRAWN, raised_at=BEFORE),
    ]
    previous = START - timedelta(weeks=1)
    assert count_week(
        compact=COMPACT,
        week_start=previous,
        week_end=START,
        rounds=(),
        reflections=reflections,
        callouts=callouts,
    ) == WeekCounts(previous, 2, 1)


LONDON = ZoneInfo("Europe/London")


@given(
    offsets=st.lists(st.integers(min_value=-3 * 24 * 60, max_value=40 * 24 * 60), max_size=30),
    statuses=st.lists(st.sampled_from(list(CalloutStatus)), max_size=10),
)
def test_counting_weeks_in_one_pass_agrees_with_counting_each_week(
    offsets: list[int], statuses: list[CalloutStatus]
) -> None:
    # Local-midnight edges across the October clock change; moments stored in UTC.
    first = datetime(2026, 10, 12, tzinfo=LONDON)
    bounds = [first + timedelta(weeks=n) for n in range(6)]
    moments = [first.astimezone(UTC) + timedelta(minutes=m) for m in offsets]
    reflections = [
        reflection(clauses=("env-r1", "lead-h1")[: 1 + i % 2], at=at)
        for i, at in enumerate(moments)
    ]
    callouts = [
        CalloutFact("env-r1", status, raised_at=moments[i % len(moments)])
        for i, status in enumerate(statuses)
        if moments
    ]
    expected = [
        WeekCounts(
            start,
            sum(len(set(r.clause_ids)) for r in reflections if start <= r.recorded_at < end),
            sum(1 for c in callouts if c.counted and start <= c.raised_at < end),
        )
        for start, end in itertools.pairwise(bounds)
    ]
    counted = count_weeks(
        bounds, compact=COMPACT, rounds=(), reflections=reflections, callouts=callouts
    )
    assert counted == expected


# --- Bad calls ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"period_start": START.replace(tzinfo=None)},
        {"now": NOW.replace(tzinfo=None)},
        {"period_end": START},
        {"quiet_after": timedelta(0)},
        {"chart_weeks": 1},
    ],
)
def test_nonsense_arguments_are_programming_errors(overrides: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "compact": COMPACT,
        "period_start": START,
        "period_end": END,
        "rounds": (),
        "reflections": (),
        "callouts": (),
        "clause_last_mentioned": {},
        "now": NOW,
    } | overrides
    with pytest.raises(ValueError):
        compose_digest(**arguments)  # type: ignore[arg-type]


# --- Properties -----------------------------------------------------------------------------

moments = st.integers(min_value=-3 * 24 * 60, max_value=10 * 24 * 60).map(
    lambda minutes: START + timedelta(minutes=minutes)
)
clause_ids = st.sampled_from((*CLAUSE_IDS, "retired-1"))
organisation_ids = st.sampled_from(("nhsi", "trust-a", "trust-b", "gone-trust", None))
reflections_strategy = st.builds(
    reflection,
    org=organisation_ids,
    valued=st.sampled_from(("", "Candour.", "The data.", "candour.")),
    clauses=st.lists(clause_ids, max_size=5).map(tuple),
    at=moments,
    round_id=st.sampled_from(("r-1", "r-2")),
    author=st.sampled_from(("Alice", "Bob")),
)
facts_strategy = st.builds(
    CalloutFact,
    clause_id=clause_ids,
    status=st.sampled_from(CalloutStatus),
    raised_at=moments,
    discussed_at=st.none() | moments,
    resolved_at=st.none() | moments,
    learning_note=st.sampled_from(("", "Note one.", "Note two.")),
)
rounds_strategy = st.builds(
    RoundHeld,
    round_id=st.sampled_from(("r-1", "r-2", "r-3")),
    held_at=moments,
    attendee_organisation_ids=st.lists(organisation_ids, max_size=5).map(tuple),
).map(
    lambda r: dataclasses.replace(
        r, attendees=tuple(f"p{i}" for i in range(len(r.attendee_organisation_ids)))
    )
)


@given(reflections=st.lists(reflections_strategy, max_size=15))
def test_clause_counts_sum_to_the_reflection_clause_links_in_the_period(
    reflections: list[ReflectionRecord],
) -> None:
    result = digest(reflections=reflections)

    links = sum(len(set(r.clause_ids)) for r in reflections if START <= r.recorded_at < END)
    assert sum(c.count for c in result.clauses_celebrated) == links
    assert result.week_counts.clauses_celebrated == links
    counts = [c.count for c in result.clauses_celebrated]
    assert counts == sorted(counts, reverse=True)
    assert all(c.count > 0 for c in result.clauses_celebrated)


@given(
    rounds=st.lists(rounds_strategy, max_size=6),
    reflections=st.lists(reflections_strategy, max_size=10),
    facts=st.lists(facts_strategy, max_size=10),
    data=st.data(),
)
def test_the_digest_does_not_depend_on_input_order(
    rounds: list[RoundHeld],
    reflections: list[ReflectionRecord],
    facts: list[CalloutFact],
    data: st.DataObject,
) -> None:
    shuffled = digest(
        rounds=data.draw(st.permutations(rounds)),
        reflections=data.draw(st.permutations(reflections)),
        callouts=data.draw(st.permutations(facts)),
    )
    assert shuffled == digest(rounds=rounds, reflections=reflections, callouts=facts)
    shown = shuffled.participation.organisations
    assert sum(p.attendances for p in shown) == sum(
        len(r.attendee_organisation_ids) for r in rounds if START <= r.held_at < END
    )


callout_specs = st.lists(
    st.tuples(
        st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),  # reporter key
        st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=10, max_size=16),  # user id
        st.booleans(),  # anonymous
        st.sampled_from(("env-r1", "nhsi", "env-h1", "trust-a", "lead-h1", "trust-b")),
        st.sampled_from(("open", "discussed", "resolved", "withdrawn")),
        st.integers(min_value=-2 * 24 * 60, max_value=8 * 24 * 60),
    ),
    max_size=8,
)


@given(specs=callout_specs)
def test_no_digest_ever_holds_a_reporter(
    specs: list[tuple[str, str, bool, str, str, int]],
) -> None:
    pairs = {"env-r1": "nhsi", "env-h1": "trust-a", "lead-h1": "trust-b"}
    callouts = []
    secrets: list[str] = []
    for n, (key, user_id, anonymous, clause_or_org, target, minutes) in enumerate(specs):
        clause_id = clause_or_org if clause_or_org in pairs else "env-h1"
        raised_at = START + timedelta(minutes=minutes)
        reporter = UserRef("slack", "T-TENANT", f"U{user_id}")
        secrets += [key, reporter.user_id, f"Private account {user_id}"]
        callout, _ = raise_callout(
            callout_id=f"c-{n}",
            compact=COMPACT,
            compact_version=1,
            clause_id=clause_id,
            about_organisation_id=pairs[clause_id],
            what_happened=f"Private account {user_id}",
            what_would_help=f"Private account {user_id}",
            anonymous=anonymous,
            reporter=reporter,
            reporter_key=key,
            now=raised_at,
        )
        later = raised_at + timedelta(hours=1)
        if target in ("discussed", "resolved"):
            callout, _ = mark_discussed(
                callout, by_is_facilitator=True, learning_note="Shared learning.", now=later
            )
        if target == "resolved":
            callout, _ = resolve(callout, by_is_facilitator=True, now=later)
        if target == "withdrawn":
            callout, _ = withdraw(callout, reporter_key=key, now=later)
        callouts.append(callout)

    result = digest(callouts=[CalloutFact.from_callout(c) for c in callouts])

    text = repr(result)
    for secret in secrets:
        assert secret not in text
    assert "T-TENANT" not in text


def test_every_learning_note_reaches_the_digest_dated() -> None:
    """Discussed with one note and resolved with another: both are shared, each with its day."""
    callout, _ = raise_callout(
        callout_id="c-1",
        compact=COMPACT,
        compact_version=2,
        clause_id="env-h1",
        about_organisation_id="trust-b",
        what_happened="Targets moved.",
        what_would_help="",
        anonymous=True,
        reporter=UserRef("slack", "T1", "U1"),
        reporter_key="f00d" * 16,
        now=IN,
    )
    discussed, _ = mark_discussed(
        callout, by_is_facilitator=True, learning_note="Warn early.", now=IN + timedelta(hours=1)
    )
    resolved, _ = resolve(
        discussed, by_is_facilitator=True, learning_note="Agreed a notice.", now=IN + timedelta(1)
    )

    [row] = digest(callouts=[CalloutFact.from_callout(resolved)]).callouts

    assert row.learning_notes == ("Warn early.", "Agreed a notice.")
    assert [at for at, _ in row.dated_notes] == [IN + timedelta(hours=1), IN + timedelta(1)]


def test_still_open_counts_call_outs_waiting_at_the_end_of_the_period() -> None:
    facts = [
        CalloutFact("env-h1", OPEN, raised_at=IN),
        CalloutFact("env-h1", DISCUSSED, raised_at=IN, discussed_at=IN),
        CalloutFact("env-h1", RESOLVED, raised_at=IN, resolved_at=IN),
        CalloutFact("env-h1", RESOLVED, raised_at=IN, discussed_at=IN, resolved_at=AFTER),
        CalloutFact("env-h1", WITHDRAWN, raised_at=IN),
        CalloutFact("env-h1", OPEN, raised_at=AFTER),
    ]
    older = [CalloutFact("lead-h1", OPEN, raised_at=BEFORE)]

    result = compose_digest(
        compact=COMPACT,
        period_start=START,
        period_end=END,
        rounds=(),
        reflections=(),
        callouts=facts,
        clause_last_mentioned={},
        now=NOW,
        live_callouts=older,
    )

    assert result.still_open == StillOpen(awaiting_discussion=2, awaiting_resolution=2)


def test_a_highlight_changed_after_its_round_says_it_was_edited() -> None:
    """As the round's summary marks it, so the digest: "(edited)" beside words their author
    changed after the round closed (words.EDITED_MARK in every rendering)."""
    edited = dataclasses.replace(
        reflection(valued="Said better."), edited_at=IN + timedelta(hours=1)
    )
    result = digest(reflections=[reflection(valued="As said."), edited])
    assert {(h.valued, h.edited) for h in result.highlights} == {
        ("As said.", False),
        ("Said better.", True),
    }
    text = "\n".join(render(digest_message(result, COMPACT)))
    assert text.count(words.EDITED_MARK) == 1
    assert text.index("Said better.") < text.index(words.EDITED_MARK)
