"""The compact's health: matrix, ledger and review triggers from the seed's reciprocal compact."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rituals.callout import CalloutStatus, Disclosure
from rituals.compact import Compact, PrivacySettings
from rituals.compact_yaml import parse_compact
from rituals.groups import OTHER_PARTNERS
from rituals.health import (
    UNDISCLOSED,
    CalloutHealthFact,
    HealthFacts,
    HealthReport,
    ReflectionFact,
    TriggerKind,
    compose_health,
    quarter,
    quarter_containing,
    review_triggers,
)

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
LARGE = parse_compact((ROOT / "examples" / "partnership-large.yaml").read_text())
Q4 = quarter("2026-Q4", LONDON)
NOW = datetime(2027, 1, 5, tzinfo=UTC)


def members(compact: Compact) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {org.id: set() for org in compact.organisations}
    for person in compact.people:
        found[person.organisation_id].add(person.handle)
    return {org: frozenset(people) for org, people in found.items()}


def org_of(compact: Compact, handle: str) -> str:
    person = compact.person(handle)
    assert person is not None
    return person.organisation_id


def reflect(handle: str, *clauses: str, on: datetime, compact: Compact = LARGE) -> ReflectionFact:
    return ReflectionFact(handle, org_of(compact, handle), clauses, on)


def callout(
    clause: str,
    about: str,
    *,
    on: date,
    by_org: str | None = None,
    status: CalloutStatus = CalloutStatus.OPEN,
) -> CalloutHealthFact:
    disclosure = Disclosure.ANONYMOUS if by_org is None else Disclosure.ORGANISATION
    return CalloutHealthFact(clause, about, disclosure, by_org, status, on)


def health(facts: HealthFacts, compact: Compact = LARGE) -> HealthReport:
    return compose_health(compact=compact, facts=facts, span=Q4, now=NOW)


def role_cell(report: HealthReport, theme: str, from_side: str, to_role: str):  # type: ignore[no-untyped-def]
    return next(
        c
        for c in report.matrix.roles
        if (c.theme_id, c.from_side, c.to_role) == (theme, from_side, to_role)
    )


NOV = datetime(2026, 11, 24, 15, tzinfo=UTC)
SEP = datetime(2026, 9, 15, 15, tzinfo=UTC)
REGULATORS = ["alice", "amir", "ava"]
HOSPITAL_PEOPLE = ["bob", "bea", "ben", "carol", "cai", "cleo"]


def test_quarters_are_named_and_bounded_in_the_partnership_zone() -> None:
    assert (Q4.start, Q4.end) == (
        datetime(2026, 10, 1, tzinfo=LONDON),
        datetime(2027, 1, 1, tzinfo=LONDON),
    )
    assert Q4.previous() == quarter("2026-Q3", LONDON)
    assert quarter("2026-Q1").previous().label == "2025-Q4"
    assert quarter_containing(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), LONDON) == Q4
    # 00:30 on 1 April in London is still 31 March in UTC: Q2 there, Q1 in UTC.
    moment = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert quarter_containing(moment, LONDON).label == "2026-Q2"
    assert quarter_containing(moment).label == "2026-Q1"
    with pytest.raises(ValueError, match="2026-Q4"):
        quarter("2026-Q5")


def test_regulators_valuing_hospitals_and_hospitals_valuing_regulators_are_both_counted() -> None:
    facts = HealthFacts(
        reflections=[reflect(h, "env-h1", on=NOV) for h in REGULATORS]
        + [reflect(h, "env-h2", on=SEP) for h in [*REGULATORS, "alice"]]
        + [reflect(h, "lis-r2", "lis-r1", on=NOV) for h in HOSPITAL_PEOPLE],
        members=members(LARGE),
    )
    report = health(facts)
    assert role_cell(report, "env", "regulator", "hospital").valued.value == 3
    # A reflection citing two regulator clauses of one heading counts once in the matrix...
    assert role_cell(report, "lis", "hospital", "regulator").valued.value == 6
    assert role_cell(report, "lis", "regulator", "hospital").valued.value == 0
    # ... and once per clause in the ledger.
    ledger = {row.clause_id: row for row in report.ledger}
    assert (ledger["lis-r2"].reflections, ledger["lis-r1"].reflections) == (6, 6)
    assert ledger["lis-r2"].last_cited == date(2026, 11, 24)
    nhsei = next(
        c
        for c in report.matrix.organisations
        if (c.theme_id, c.from_side, c.to_role) == ("env", "nhsei", "hospital")
    )
    assert (nhsei.valued.value, nhsei.valued.previous, nhsei.valued.trend) == (3, 4, -1)
    # Nobody from a hospital spoke in Q3: that figure is about nobody, so it has no trend.
    assert role_cell(report, "lis", "hospital", "regulator").valued.trend is None


def test_an_organisation_with_one_participant_folds_into_other_partners() -> None:
    # Only one person each from Northgate, Eastmoor and Southmere spoke: none may be named.
    facts = HealthFacts(
        reflections=[reflect(h, "env-r1", on=NOV) for h in ["bob", "carol", "erin"]]
        + [reflect(h, "env-r2", on=NOV) for h in ["dan", "dee", "dev"]],
        members=members(LARGE),
    )
    report = health(facts)
    rows = {
        c.from_side: c.valued.value
        for c in report.matrix.organisations
        if (c.theme_id, c.to_role, c.from_role) == ("env", "regulator", "hospital")
    }
    assert rows["westbrook"] == 3
    assert rows["northgate"] is None and rows["eastmoor"] is None and rows["southmere"] is None
    assert rows[OTHER_PARTNERS] == 3
    # Highfield had nobody there: its zero is not shown either (nor counted in the fold).
    assert rows["highfield"] is None


def test_two_single_speakers_cannot_hide_beside_one_shown_trust() -> None:
    # The fold of Bob and Carol would be two people: Westbrook joins it, so none is named.
    facts = HealthFacts(
        reflections=[reflect(h, "env-r1", on=NOV) for h in ["bob", "carol", "dan", "dee", "dev"]],
        members=members(LARGE),
    )
    rows = {
        c.from_side: c.valued.value
        for c in health(facts).matrix.organisations
        if (c.theme_id, c.to_role, c.from_role) == ("env", "regulator", "hospital")
    }
    assert rows["westbrook"] is None and rows[OTHER_PARTNERS] == 5


def test_anonymous_callouts_count_about_the_partner_only() -> None:
    facts = HealthFacts(
        callouts=[
            callout("lead-r1", "nhsei", on=date(2026, 10, 6)),
            callout("lead-r1", "nhsei", on=date(2026, 11, 3), by_org="northgate"),
            callout("lead-r1", "nhsei", on=date(2026, 11, 3), by_org="eastmoor"),
            callout("lead-r1", "nhsei", on=date(2026, 12, 1), by_org="westbrook"),
        ],
        members=members(LARGE),
    )
    report = health(facts)
    assert report.matrix.anonymous_callouts
    assert role_cell(report, "lead", UNDISCLOSED, "regulator").called_out.value == 1
    assert role_cell(report, "lead", "hospital", "regulator").called_out.value == 3
    about = {c.about: c.called_out.value for c in report.matrix.about if c.theme_id == "lead"}
    assert about["nhsei"] == 4
    total = next(
        t for t in report.matrix.totals if (t.theme_id, t.to_role) == ("lead", "regulator")
    )
    assert total.called_out.value == 4


def test_withdrawn_callouts_and_those_outside_the_span_count_nowhere() -> None:
    facts = HealthFacts(
        callouts=[
            callout("env-r1", "nhsei", on=date(2026, 10, 6), status=CalloutStatus.WITHDRAWN),
            callout("env-r1", "nhsei", on=date(2026, 9, 30)),
            callout("env-r1", "nhsei", on=date(2027, 1, 1)),
        ],
        members=members(LARGE),
    )
    row = next(r for r in health(facts).ledger if r.clause_id == "env-r1")
    assert row.raised == 0
    previous = role_cell(health(facts), "env", UNDISCLOSED, "regulator").called_out
    assert (previous.value, previous.previous) == (0, 1)


def test_an_empty_span_shows_zeros_and_no_triggers() -> None:
    report = health(HealthFacts(members=members(LARGE)))
    assert report.triggers == ()
    assert all(row.raised == 0 for row in report.ledger)
    # Nobody took part, so reflection counts are about nobody: zeros may show.
    assert all(row.reflections == 0 for row in report.ledger)
    assert all(c.valued.value == 0 for c in report.matrix.roles)


def test_a_partnership_of_one_organisation_per_role_with_one_person_shows_no_attribution() -> None:
    small = parse_compact((ROOT / "examples" / "compact.yaml").read_text())
    facts = HealthFacts(
        reflections=[reflect("bob", "env-r1", on=NOV, compact=small)],
        callouts=[callout("env-r1", "nhsei", on=date(2026, 10, 6), by_org="northgate")],
        members=members(small),
    )
    report = health(facts, small)
    assert all(c.valued.value is None for c in report.matrix.organisations if c.valued.value)
    assert role_cell(report, "env", "hospital", "regulator").valued.value is None
    assert all(c.called_out.value in (None, 0) for c in report.matrix.about)
    assert next(r for r in report.ledger if r.clause_id == "env-r1").reflections is None


def test_callouts_on_two_dates_about_two_partners_and_more_than_valued_propose_review() -> None:
    facts = HealthFacts(
        reflections=[reflect("bob", "lead-h1", on=NOV)]
        + [reflect(h, "lead-h4", on=NOV) for h in ["carol", "cai", "cleo"]],
        callouts=[
            callout("lead-h3", "northgate", on=date(2026, 10, 6)),
            callout("lead-h3", "eastmoor", on=date(2026, 11, 3), by_org="nhsei"),
        ],
        members=members(LARGE),
    )
    kinds = {(t.clause_id, t.kind): t for t in health(facts).triggers}
    dates = kinds[("lead-h3", TriggerKind.CALLOUT_DATES)]
    assert dates.raised_on == (date(2026, 10, 6), date(2026, 11, 3))
    assert kinds[("lead-h3", TriggerKind.CALLOUT_ORGANISATIONS)].organisations_called_out == 2
    more = kinds[("lead-h3", TriggerKind.CALLED_OUT_MORE_THAN_VALUED)]
    assert (more.callouts_raised, more.times_valued) == (2, 0)
    # lead-h2 was never cited while the rest of Leadership was cited 6 times (lead-h3 too).
    quiet = kinds[("lead-h2", TriggerKind.QUIET_IN_ACTIVE_HEADING)]
    assert quiet.heading_citations == 4
    assert ("lead-r1", TriggerKind.QUIET_IN_ACTIVE_HEADING) in kinds


def test_thresholds_come_from_the_compact_file() -> None:
    strict = replace(LARGE, review=replace(LARGE.review, callout_dates=3, callout_organisations=3))
    facts = HealthFacts(
        callouts=[
            callout("lead-h3", "northgate", on=date(2026, 10, 6)),
            callout("lead-h3", "eastmoor", on=date(2026, 11, 3)),
        ],
        members=members(LARGE),
    )
    kinds = {t.kind for t in health(facts, strict).triggers if t.clause_id == "lead-h3"}
    assert kinds == {TriggerKind.CALLED_OUT_MORE_THAN_VALUED}


def test_scope_narrows_to_a_heading_or_a_clause() -> None:
    report = health(HealthFacts(members=members(LARGE)))
    assert {r.theme_id for r in report.for_scope("env").ledger} == {"env"}
    assert [r.clause_id for r in report.for_scope("env-r2").ledger] == ["env-r2"]
    assert {c.theme_id for c in report.for_scope("env-r2").matrix.roles} == {"env"}


# --- Properties -----------------------------------------------------------------------------

HANDLES = [p.handle for p in LARGE.people]
CLAUSES = [c.id for c in LARGE.clauses]
ORGS = [o.id for o in LARGE.organisations]
DAYS = st.dates(date(2026, 9, 1), date(2027, 1, 31))
reflections = st.builds(
    lambda handle, clauses, day: reflect(
        handle, *clauses, on=datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)
    ),
    st.sampled_from(HANDLES),
    st.lists(st.sampled_from(CLAUSES), max_size=3),
    DAYS,
)


@st.composite
def callouts(draw: st.DrawFn) -> CalloutHealthFact:
    clause = LARGE.clause(draw(st.sampled_from(CLAUSES)))
    about = draw(
        st.sampled_from([o.id for o in LARGE.organisations if o.role_id == clause.role_id])
    )
    by_org = draw(st.none() | st.sampled_from(ORGS))
    status = draw(st.sampled_from(list(CalloutStatus)))
    return callout(clause.id, about, on=draw(DAYS), by_org=by_org, status=status)


def some_members(draw: st.DrawFn) -> dict[str, frozenset[str]]:
    return members(LARGE)


facts_strategy = st.builds(
    lambda r, c: HealthFacts(reflections=r, callouts=c, members=members(LARGE)),
    st.lists(reflections, max_size=25),
    st.lists(callouts(), max_size=12),
)


@settings(max_examples=60, deadline=None)
@given(facts_strategy)
def test_with_min_group_one_the_matrix_totals_match_the_facts(facts: HealthFacts) -> None:
    compact = replace(LARGE, privacy=PrivacySettings(min_group=1))
    report = compose_health(compact=compact, facts=facts, span=Q4, now=NOW)
    column_of = {c.id: (c.theme_id, c.role_id) for c in compact.clauses}
    for total in report.matrix.totals:
        column = (total.theme_id, total.to_role)
        valued = sum(
            1
            for r in facts.reflections
            if Q4.contains(r.submitted_at) and column in {column_of[c] for c in r.clause_ids}
        )
        called = sum(
            1
            for c in facts.callouts
            if c.counted and Q4.contains_day(c.raised_on) and column_of[c.clause_id] == column
        )
        assert (total.valued.value, total.called_out.value) == (valued, called)


@settings(max_examples=60, deadline=None)
@given(facts_strategy, st.integers(2, 5))
def test_no_shown_organisation_figure_covers_fewer_than_min_group_people(
    facts: HealthFacts, min_group: int
) -> None:
    compact = replace(LARGE, privacy=PrivacySettings(min_group=min_group))
    report = compose_health(compact=compact, facts=facts, span=Q4, now=NOW)
    active = {
        org: {
            r.person
            for r in facts.reflections
            if r.organisation_id == org and Q4.contains(r.submitted_at)
        }
        for org in ORGS
    }
    crowd = members(LARGE)
    for cell in report.matrix.organisations:
        if cell.from_side == OTHER_PARTNERS:
            continue
        if cell.valued.value:
            assert len(active[cell.from_side]) >= min_group
        if cell.called_out.value is not None:
            assert len(crowd[cell.from_side]) >= min_group
    for about in report.matrix.about:
        if about.about != OTHER_PARTNERS and about.called_out.value is not None:
            assert len(crowd[about.about]) >= min_group


@settings(max_examples=60, deadline=None)
@given(facts_strategy)
def test_triggers_evidence_is_the_ledgers(facts: HealthFacts) -> None:
    report = health(facts)
    ledger = {row.clause_id: row for row in report.ledger}
    for trigger in report.triggers:
        row = ledger[trigger.clause_id]
        assert (trigger.callouts_raised, trigger.times_valued) == (row.raised, row.reflections)
        assert all(Q4.contains_day(day) for day in trigger.raised_on)
        if trigger.kind is TriggerKind.CALLOUT_DATES:
            assert len(trigger.raised_on) >= LARGE.review.callout_dates
        if trigger.kind is TriggerKind.CALLED_OUT_MORE_THAN_VALUED:
            assert row.raised is not None and row.reflections is not None
            assert row.raised > row.reflections
        if trigger.kind is TriggerKind.QUIET_IN_ACTIVE_HEADING:
            others = sum(
                r.reflections or 0
                for r in report.ledger
                if r.theme_id == row.theme_id and r.clause_id != row.clause_id
            )
            assert row.reflections == 0 and others == trigger.heading_citations >= 3


@settings(max_examples=60, deadline=None)
@given(facts_strategy, st.integers(1, 4))
def test_the_triggers_alone_from_the_spans_start_are_the_reports(
    facts: HealthFacts, min_group: int
) -> None:
    """What a digest announces (facts loaded from the quarter's start, no matrix) is what
    `/compact health` and the dashboard propose for the same quarter."""
    compact = replace(LARGE, privacy=PrivacySettings(min_group=min_group))
    report = compose_health(compact=compact, facts=facts, span=Q4, now=NOW)
    from_start = replace(
        facts,
        reflections=[r for r in facts.reflections if r.submitted_at >= Q4.start],
        callouts=[c for c in facts.callouts if c.raised_on >= Q4.first_day],
    )
    assert review_triggers(compact=compact, facts=from_start, span=Q4) == report.triggers
