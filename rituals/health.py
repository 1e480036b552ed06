"""The compact's health over a span, pure: the reciprocity matrix, the clause ledger and the
clauses proposed for review (docs/health.md). Every figure goes through `rituals.groups`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import Final

from rituals.callout import CalloutStatus, Disclosure
from rituals.compact import Compact
from rituals.groups import (
    OTHER_PARTNERS,
    GroupCell,
    GroupedFigures,
    apply_group_rule,
    hidden_parts_safe,
    hide_all,
)

UNDISCLOSED: Final = "undisclosed"  # the reporter's side of an anonymous call-out
_QUARTER: Final = re.compile(r"(?P<year>\d{4})-Q(?P<quarter>[1-4])")


# --- Spans --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range `[start, end)` of aware datetimes; days are read in `start`'s zone."""

    start: datetime
    end: datetime
    label: str = ""

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"a span's bounds must be timezone-aware, got {moment!r}")
        if self.end <= self.start:
            raise ValueError("a span must end after it starts")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def contains_day(self, day: date) -> bool:
        """Whether a local day (a call-out's raising, say) falls in the span."""
        return self.first_day <= day < self.end.astimezone(self.zone).date()

    @property
    def zone(self) -> tzinfo:
        return self.start.tzinfo or UTC

    @property
    def first_day(self) -> date:
        return self.start.date()

    def previous(self) -> Span:
        """The span before: the previous quarter for a quarter, else as long and just before."""
        found = _QUARTER.fullmatch(self.label)
        if found:
            year, number = int(found["year"]), int(found["quarter"])
            year, number = (year - 1, 4) if number == 1 else (year, number - 1)
            return quarter(f"{year}-Q{number}", self.zone)
        return Span(self.start - (self.end - self.start), self.start)


def quarter(label: str, tz: tzinfo = UTC) -> Span:
    """The quarter named like '2026-Q4', from local midnight of its first day in `tz`."""
    found = _QUARTER.fullmatch(label.strip())
    if found is None:
        raise ValueError(f"'{label}' is not a quarter; write it like 2026-Q4.")
    year, number = int(found["year"]), int(found["quarter"])
    start = datetime(year, 3 * number - 2, 1, tzinfo=tz)
    end = (
        datetime(year + 1, 1, 1, tzinfo=tz)
        if number == 4
        else datetime(year, 3 * number + 1, 1, tzinfo=tz)
    )
    return Span(start, end, f"{year}-Q{number}")


def quarter_containing(moment: datetime, tz: tzinfo = UTC) -> Span:
    """The quarter `moment` falls in, as people in `tz` would name it."""
    local = moment.astimezone(tz)
    return quarter(f"{local.year}-Q{(local.month - 1) // 3 + 1}", tz)


# --- What the health view is composed from ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReflectionFact:
    """A reflection as the health view may know it: who (an opaque key), their side, the clauses."""

    person: str
    organisation_id: str | None
    clause_ids: tuple[str, ...]
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class AttendanceFact:
    """Someone (an opaque key) took part in a round, so counts about their side cover them."""

    person: str
    organisation_id: str | None
    held_at: datetime


@dataclass(frozen=True, slots=True)
class CalloutHealthFact:
    """A call-out as the health view may know it: no reporter, no words, days not moments.

    `reporter_organisation_id` is set only for named and "someone from my organisation"
    call-outs; an anonymous one counts in the "about" dimension alone.
    """

    clause_id: str
    about_organisation_id: str
    disclosure: Disclosure
    reporter_organisation_id: str | None
    status: CalloutStatus
    raised_on: date
    discussed_on: date | None = None
    resolved_on: date | None = None
    learning_notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.disclosure is Disclosure.ANONYMOUS and self.reporter_organisation_id is not None:
            raise ValueError("an anonymous call-out must not carry its reporter's organisation")

    @property
    def counted(self) -> bool:
        """Withdrawn call-outs count nowhere: the reporter took them back."""
        return self.status is not CalloutStatus.WITHDRAWN

    @property
    def reporter_side(self) -> str:
        return self.reporter_organisation_id or UNDISCLOSED


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """Everything storage supplies; records outside the span are filtered here.

    `members` maps each organisation to the opaque keys of the people known to be in it
    (named in the compact file or whose claim was approved): the crowd a disclosed reporter
    hides in, and the people a call-out about that organisation is about.
    """

    reflections: Sequence[ReflectionFact] = ()
    attendances: Sequence[AttendanceFact] = ()
    callouts: Sequence[CalloutHealthFact] = ()
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)
    last_cited: Mapping[str, date] = field(default_factory=dict)
    # Each clause's citations week by week, as the weekly digests counted them (the weeks
    # meeting the span): a span's figure is not shown if, less the weeks the digests showed,
    # it would give away a week they withheld (`rituals.groups.hidden_parts_safe`).
    weekly_citations: Mapping[str, Sequence[GroupCell[datetime]]] = field(default_factory=dict)


# --- What the health view says ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """A count in the span and in the previous span; None where the group-size rule hides it."""

    value: int | None
    previous: int | None

    @property
    def trend(self) -> int | None:
        """The change since the previous span, when both figures are shown."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """How often `from_side` valued / called out the `to_role` side under one heading.

    `from_side` is a role id (role rows), an organisation id or `OTHER_PARTNERS` within
    `from_role` (organisation rows), or `UNDISCLOSED` for call-outs whose reporter chose
    anonymity (`valued` is then always 0).
    """

    theme_id: str
    from_role: str
    from_side: str
    to_role: str
    valued: Figure
    called_out: Figure


@dataclass(frozen=True, slots=True)
class AboutCell:
    """Call-outs about one organisation's behaviour (anonymous ones included) under a heading."""

    theme_id: str
    to_role: str
    about: str
    called_out: Figure


@dataclass(frozen=True, slots=True)
class ColumnTotal:
    """All that the `to_role` side was valued for / called out about under one heading."""

    theme_id: str
    to_role: str
    valued: Figure
    called_out: Figure


@dataclass(frozen=True, slots=True)
class ReciprocityMatrix:
    roles: tuple[MatrixCell, ...]
    organisations: tuple[MatrixCell, ...]
    about: tuple[AboutCell, ...]
    totals: tuple[ColumnTotal, ...]
    anonymous_callouts: bool
    """Some call-outs were anonymous: they count under `about` and `UNDISCLOSED` only."""


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One clause over the span; counts are None where the group-size rule hides them."""

    clause_id: str
    theme_id: str
    role_id: str
    reflections: int | None
    raised: int | None
    discussed: int | None
    resolved: int | None
    last_cited: date | None
    learning_notes: tuple[str, ...]


class TriggerKind(StrEnum):
    CALLOUT_DATES = "callouts_on_several_dates"
    CALLOUT_ORGANISATIONS = "callouts_about_several_organisations"
    QUIET_IN_ACTIVE_HEADING = "quiet_in_an_active_heading"
    CALLED_OUT_MORE_THAN_VALUED = "called_out_more_than_valued"


@dataclass(frozen=True, slots=True)
class ReviewTrigger:
    """Why a clause is proposed for review; evidence only counts and days, never a reporter."""

    clause_id: str
    kind: TriggerKind
    callouts_raised: int
    times_valued: int
    raised_on: tuple[date, ...] = ()
    organisations_called_out: int = 0
    heading_citations: int = 0


@dataclass(frozen=True, slots=True)
class HealthReport:
    partnership_slug: str
    span: Span
    previous_span: Span
    min_group: int
    matrix: ReciprocityMatrix
    ledger: tuple[LedgerRow, ...]
    triggers: tuple[ReviewTrigger, ...]
    composed_at: datetime

    def for_scope(self, scope: str) -> HealthReport:
        """The report narrowed to one heading or one clause id (`/compact health env`)."""
        theme = next((c.theme_id for c in self.ledger if c.clause_id == scope), scope)
        clause_only = theme != scope
        rows = tuple(
            row
            for row in self.ledger
            if row.theme_id == theme and (not clause_only or row.clause_id == scope)
        )
        kept = {row.clause_id for row in rows}
        m = self.matrix
        matrix = ReciprocityMatrix(
            roles=tuple(c for c in m.roles if c.theme_id == theme),
            organisations=tuple(c for c in m.organisations if c.theme_id == theme),
            about=tuple(c for c in m.about if c.theme_id == theme),
            totals=tuple(c for c in m.totals if c.theme_id == theme),
            anonymous_callouts=m.anonymous_callouts,
        )
        triggers = tuple(t for t in self.triggers if t.clause_id in kept)
        return _replace_parts(self, matrix, rows, triggers)


def _replace_parts(
    report: HealthReport,
    matrix: ReciprocityMatrix,
    ledger: tuple[LedgerRow, ...],
    triggers: tuple[ReviewTrigger, ...],
) -> HealthReport:
    return HealthReport(
        report.partnership_slug,
        report.span,
        report.previous_span,
        report.min_group,
        matrix,
        ledger,
        triggers,
        report.composed_at,
    )


# --- Composition ----------------------------------------------------------------------------------


def compose_health(
    *,
    compact: Compact,
    facts: HealthFacts,
    span: Span,
    now: datetime,
    previous: Span | None = None,
) -> HealthReport:
    """The health of `compact`'s partnership over `span`, with trends against `previous`
    (by default the span before it). Facts may reach outside both spans; they are filtered."""
    before = previous or span.previous()
    current_counts = _count(compact, facts, span)
    previous_counts = _count(compact, facts, before)
    ledger = _ledger(compact, facts, span)
    return HealthReport(
        partnership_slug=compact.slug,
        span=span,
        previous_span=before,
        min_group=compact.privacy.min_group,
        matrix=_matrix(compact, current_counts, previous_counts),
        ledger=ledger,
        triggers=_triggers(compact, facts, span, ledger),
        composed_at=now,
    )


def review_triggers(
    *, compact: Compact, facts: HealthFacts, span: Span
) -> tuple[ReviewTrigger, ...]:
    """The review triggers alone, as `compose_health` finds them (what a digest announces):
    they rest on the span's ledger only, never on the matrix or the span before, so facts
    from the span's start are enough and neither is counted."""
    return _triggers(compact, facts, span, _ledger(compact, facts, span))


# --- Counting one span ----------------------------------------------------------------------------

Column = tuple[str, str]  # (theme id, the role whose clause it is)


@dataclass(frozen=True, slots=True)
class _Family:
    """One column's cells at both levels, shown under the group-size rule."""

    roles: GroupedFigures[str]
    organisations: Mapping[str, GroupedFigures[str]]


@dataclass(frozen=True, slots=True)
class _SpanCounts:
    valued: Mapping[Column, _Family]
    called_out: Mapping[Column, _Family]
    about: Mapping[Column, GroupedFigures[str]]
    anonymous: bool


def _count(compact: Compact, facts: HealthFacts, span: Span) -> _SpanCounts:
    min_group = compact.privacy.min_group
    role_of = {org.id: org.role_id for org in compact.organisations}
    clause_column = {c.id: (c.theme_id, c.role_id) for c in compact.clauses}
    valued: defaultdict[Column, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for reflection in facts.reflections:
        if reflection.organisation_id in role_of and span.contains(reflection.submitted_at):
            for column in {clause_column[c] for c in reflection.clause_ids if c in clause_column}:
                valued[column][reflection.organisation_id] += 1
    called: defaultdict[Column, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    about: defaultdict[Column, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    callouts = [
        c
        for c in facts.callouts
        if c.counted and span.contains_day(c.raised_on) and c.clause_id in clause_column
    ]
    for callout in callouts:
        column = clause_column[callout.clause_id]
        side = callout.reporter_side if callout.reporter_side in role_of else UNDISCLOSED
        called[column][side] += 1
        about[column][callout.about_organisation_id] += 1
    active = _active_people(facts, span)
    everyone = frozenset().union(*facts.members.values()) if facts.members else frozenset()
    crowds = {**facts.members, UNDISCLOSED: everyone}
    columns = [(t.id, r.id) for t in compact.themes for r in compact.roles]
    valued_families = {col: _family(compact, valued[col], active, min_group) for col in columns}
    called_families = {col: _family(compact, called[col], crowds, min_group) for col in columns}
    about_figures = {
        col: _about_family(compact, col[1], about[col], facts.members, min_group) for col in columns
    }
    for col in columns:  # one total, two partitions: shown only if both may show it
        if called_families[col].roles.hidden or about_figures[col].hidden:
            called_families[col] = _hidden_family(called_families[col])
            about_figures[col] = _hide(about_figures[col])
    anonymous = any(c.disclosure is Disclosure.ANONYMOUS for c in callouts)
    return _SpanCounts(valued_families, called_families, about_figures, anonymous)


def _active_people(facts: HealthFacts, span: Span) -> dict[str, frozenset[str]]:
    """People of each organisation who took part in the span (answered or attended a round)."""
    active: defaultdict[str, set[str]] = defaultdict(set)
    for reflection in facts.reflections:
        if reflection.organisation_id and span.contains(reflection.submitted_at):
            active[reflection.organisation_id].add(reflection.person)
    for attendance in facts.attendances:
        if attendance.organisation_id and span.contains(attendance.held_at):
            active[attendance.organisation_id].add(attendance.person)
    return {org: frozenset(people) for org, people in active.items()}


def _cells(
    keys: Iterable[str], values: Mapping[str, int], people: Mapping[str, frozenset[str]]
) -> list[GroupCell[str]]:
    return [
        GroupCell(key, values.get(key, 0), frozenset[Hashable](people.get(key, frozenset())))
        for key in keys
    ]


def _family(
    compact: Compact,
    by_side: Mapping[str, int],
    people: Mapping[str, frozenset[str]],
    min_group: int,
) -> _Family:
    """Roles first (plus the undisclosed side when there is one), then organisations within
    each shown role; a hidden role shows none of its organisations."""
    role_values: defaultdict[str, int] = defaultdict(int)
    role_people: defaultdict[str, frozenset[str]] = defaultdict(frozenset)
    for org in compact.organisations:
        role_values[org.role_id] += by_side.get(org.id, 0)
        role_people[org.role_id] |= people.get(org.id, frozenset())
    sides = [role.id for role in compact.roles]
    if UNDISCLOSED in people:
        sides.append(UNDISCLOSED)
        role_values[UNDISCLOSED] = by_side.get(UNDISCLOSED, 0)
        role_people[UNDISCLOSED] = people[UNDISCLOSED]
    roles = apply_group_rule(_cells(sides, role_values, role_people), min_group)
    organisations = {}
    for role in compact.roles:
        orgs = [org.id for org in compact.organisations if org.role_id == role.id]
        cells = _cells(orgs, by_side, people)
        shown = roles.value(role.id) is not None
        organisations[role.id] = apply_group_rule(cells, min_group) if shown else hide_all(cells)
    return _Family(roles, organisations)


def _hide(figures: GroupedFigures[str]) -> GroupedFigures[str]:
    keys = [key for key, _ in figures.shown] + list(figures.folded)
    return hide_all(_cells(keys, {}, {}))


def _hidden_family(family: _Family) -> _Family:
    return _Family(
        _hide(family.roles), {role: _hide(f) for role, f in family.organisations.items()}
    )


def _about_family(
    compact: Compact,
    role_id: str,
    by_organisation: Mapping[str, int],
    members: Mapping[str, frozenset[str]],
    min_group: int,
) -> GroupedFigures[str]:
    """Call-outs about each organisation of the role: a figure about its members' behaviour."""
    orgs = [org.id for org in compact.organisations if org.role_id == role_id]
    return apply_group_rule(_cells(orgs, by_organisation, members), min_group)


# --- The matrix -----------------------------------------------------------------------------------


def _matrix(compact: Compact, now: _SpanCounts, then: _SpanCounts) -> ReciprocityMatrix:
    roles: list[MatrixCell] = []
    organisations: list[MatrixCell] = []
    about: list[AboutCell] = []
    totals: list[ColumnTotal] = []
    for column in now.valued:
        theme_id, to_role = column
        sides = [r.id for r in compact.roles] + [UNDISCLOSED]
        for side in sides:
            valued = _figure(now.valued[column].roles, then.valued[column].roles, side)
            called = _figure(now.called_out[column].roles, then.called_out[column].roles, side)
            if side == UNDISCLOSED:
                valued = Figure(0, 0)
            roles.append(MatrixCell(theme_id, side, side, to_role, valued, called))
        for role in compact.roles:
            orgs = [o.id for o in compact.organisations if o.role_id == role.id]
            for side in [*orgs, OTHER_PARTNERS]:
                valued = _figure(
                    now.valued[column].organisations[role.id],
                    then.valued[column].organisations[role.id],
                    side,
                )
                called = _figure(
                    now.called_out[column].organisations[role.id],
                    then.called_out[column].organisations[role.id],
                    side,
                )
                organisations.append(MatrixCell(theme_id, role.id, side, to_role, valued, called))
        for side in [o.id for o in compact.organisations if o.role_id == to_role]:
            about.append(
                AboutCell(
                    theme_id, to_role, side, _figure(now.about[column], then.about[column], side)
                )
            )
        about.append(
            AboutCell(
                theme_id,
                to_role,
                OTHER_PARTNERS,
                _figure(now.about[column], then.about[column], OTHER_PARTNERS),
            )
        )
        totals.append(
            ColumnTotal(
                theme_id,
                to_role,
                Figure(now.valued[column].roles.total, then.valued[column].roles.total),
                Figure(now.called_out[column].roles.total, then.called_out[column].roles.total),
            )
        )
    return ReciprocityMatrix(
        tuple(roles), tuple(organisations), tuple(about), tuple(totals), now.anonymous
    )


def _figure(now: GroupedFigures[str], then: GroupedFigures[str], side: str) -> Figure:
    def shown(figures: GroupedFigures[str]) -> int | None:
        return figures.other if side == OTHER_PARTNERS else figures.value(side)

    return Figure(shown(now), shown(then))


# --- The clause ledger ----------------------------------------------------------------------------


def _ledger(compact: Compact, facts: HealthFacts, span: Span) -> tuple[LedgerRow, ...]:
    """Per clause: a figure about the whole partnership (anyone may cite or call out any
    clause), so it is shown when the span's participants, or the partnership's members for
    call-outs, number at least `min_group`."""
    min_group = compact.privacy.min_group
    ids = [clause.id for clause in compact.clauses]
    cited: defaultdict[str, int] = defaultdict(int)
    participants: set[str] = set()
    for people in _active_people(facts, span).values():
        participants |= people
    for reflection in facts.reflections:
        if span.contains(reflection.submitted_at):
            participants.add(reflection.person)
            for clause_id in set(reflection.clause_ids):
                cited[clause_id] += 1
    everyone = frozenset().union(*facts.members.values()) if facts.members else frozenset()
    counts = _callout_counts(facts.callouts, span)
    figures = {
        "reflections": _by_clause(ids, cited, frozenset(participants), min_group),
        **{name: _by_clause(ids, c, everyone, min_group) for name, c in counts.items()},
    }
    notes = _notes(facts.callouts, span)
    last_cited = _last_cited(facts, span)
    return tuple(
        LedgerRow(
            clause_id=clause.id,
            theme_id=clause.theme_id,
            role_id=clause.role_id,
            reflections=(
                figures["reflections"].value(clause.id)
                if hidden_parts_safe(facts.weekly_citations.get(clause.id, ()), min_group)
                else None
            ),
            raised=figures["raised"].value(clause.id),
            discussed=figures["discussed"].value(clause.id),
            resolved=figures["resolved"].value(clause.id),
            last_cited=last_cited.get(clause.id),
            learning_notes=notes.get(clause.id, ()),
        )
        for clause in compact.clauses
    )


def _by_clause(
    ids: Sequence[str], counts: Mapping[str, int], people: frozenset[str], min_group: int
) -> GroupedFigures[str]:
    return apply_group_rule(_cells(ids, counts, dict.fromkeys(ids, people)), min_group)


def _callout_counts(
    callouts: Iterable[CalloutHealthFact], span: Span
) -> dict[str, defaultdict[str, int]]:
    counts: dict[str, defaultdict[str, int]] = {
        name: defaultdict(int) for name in ("raised", "discussed", "resolved")
    }
    for callout in callouts:
        if not callout.counted:
            continue
        for name, day in (
            ("raised", callout.raised_on),
            ("discussed", callout.discussed_on),
            ("resolved", callout.resolved_on),
        ):
            if day is not None and span.contains_day(day):
                counts[name][callout.clause_id] += 1
    return counts


def _notes(callouts: Iterable[CalloutHealthFact], span: Span) -> dict[str, tuple[str, ...]]:
    """The facilitators' learning notes of call-outs discussed or resolved in the span."""
    notes: defaultdict[str, list[str]] = defaultdict(list)
    for callout in callouts:
        days = [d for d in (callout.discussed_on, callout.resolved_on) if d is not None]
        if callout.counted and any(span.contains_day(d) for d in days):
            notes[callout.clause_id].extend(n for n in callout.learning_notes if n.strip())
    return {clause_id: tuple(dict.fromkeys(found)) for clause_id, found in notes.items()}


def _last_cited(facts: HealthFacts, span: Span) -> dict[str, date]:
    """The last local day before the span's end each clause was cited by a reflection
    (`facts.last_cited` may bring older history the reflections do not reach)."""
    last = {c: d for c, d in facts.last_cited.items() if d < span.end.astimezone(span.zone).date()}
    for reflection in facts.reflections:
        if reflection.submitted_at < span.end:
            day = reflection.submitted_at.astimezone(span.zone).date()
            for clause_id in reflection.clause_ids:
                if clause_id not in last or last[clause_id] < day:
                    last[clause_id] = day
    return last


# --- Review triggers ------------------------------------------------------------------------------


def _triggers(
    compact: Compact, facts: HealthFacts, span: Span, ledger: Sequence[LedgerRow]
) -> tuple[ReviewTrigger, ...]:
    """The review rules (docs/health.md), judged on the ledger's shown figures only, so a
    trigger never says more than the ledger beside it."""
    thresholds = compact.review
    raised_days: defaultdict[str, set[date]] = defaultdict(set)
    about: defaultdict[str, set[str]] = defaultdict(set)
    for callout in facts.callouts:
        if callout.counted and span.contains_day(callout.raised_on):
            raised_days[callout.clause_id].add(callout.raised_on)
            about[callout.clause_id].add(callout.about_organisation_id)
    triggers: list[ReviewTrigger] = []
    for row in ledger:
        if row.raised is None or row.reflections is None:
            continue
        days = tuple(sorted(raised_days[row.clause_id]))
        orgs = len(about[row.clause_id])
        heading = _heading_citations(row, ledger)
        fired = [
            kind
            for kind, holds in (
                (TriggerKind.CALLOUT_DATES, len(days) >= thresholds.callout_dates),
                (TriggerKind.CALLOUT_ORGANISATIONS, orgs >= thresholds.callout_organisations),
                (
                    TriggerKind.QUIET_IN_ACTIVE_HEADING,
                    row.reflections == 0
                    and heading is not None
                    and heading >= thresholds.quiet_heading_citations,
                ),
                (TriggerKind.CALLED_OUT_MORE_THAN_VALUED, row.raised > row.reflections),
            )
            if holds
        ]
        triggers.extend(
            ReviewTrigger(
                clause_id=row.clause_id,
                kind=kind,
                callouts_raised=row.raised,
                times_valued=row.reflections,
                raised_on=days,
                organisations_called_out=orgs,
                heading_citations=heading or 0,
            )
            for kind in fired
        )
    return tuple(triggers)


def _heading_citations(row: LedgerRow, ledger: Sequence[LedgerRow]) -> int | None:
    """Citations of the other clauses of `row`'s heading, None if any is hidden."""
    others = [r.reflections for r in ledger if r.theme_id == row.theme_id and r is not row]
    if any(count is None for count in others):
        return None
    return sum(count for count in others if count is not None)
