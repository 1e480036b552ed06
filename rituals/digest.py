"""The weekly digest composed from plain facts, pure; privacy is decided by what the inputs can
carry (docs/privacy.md and docs/digest.md, "What the digest is made of")."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from rituals.callout import Callout, CalloutStatus
from rituals.compact import Compact
from rituals.groups import GroupCell, GroupedFigures, apply_group_rule, apply_group_rule_jointly
from rituals.health import ReviewTrigger
from rituals.reflection import ReflectionRecord

DEFAULT_QUIET_AFTER: Final = timedelta(weeks=6)
DEFAULT_HIGHLIGHTS: Final = 5
DEFAULT_CHART_WEEKS: Final = 8


# --- What the digest is composed from -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundHeld:
    """A reflection round that closed; one entry per attendee, their organisation or None.

    `attendees` are opaque keys of the same people, in the same order (storage's
    `person-<id>`), so the group-size rule counts distinct people; a round without them adds
    nobody to any group, which can only hide more.
    """

    round_id: str
    held_at: datetime
    attendee_organisation_ids: tuple[str | None, ...]
    attendees: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class CalloutFact:
    """A call-out as the digest may know it: its clause, its lifecycle dates, its learning.

    There is no field for the reporter, their organisation or their words, so no digest can
    leak them however it is rendered.
    """

    clause_id: str
    status: CalloutStatus
    raised_at: datetime
    discussed_at: datetime | None = None
    resolved_at: datetime | None = None
    learning_note: str = ""
    # Every learning note with when it was set (discussing and resolving may each add one);
    # empty means only `learning_note` is known, dated by the last discussion or resolution.
    notes: tuple[tuple[datetime, str], ...] = ()

    @classmethod
    def from_callout(cls, callout: Callout) -> CalloutFact:
        """The digest's view of a stored call-out; the reporter is dropped here."""
        return cls(
            clause_id=callout.clause_id,
            status=callout.status,
            raised_at=callout.raised_at,
            discussed_at=callout.changed_to_at(CalloutStatus.DISCUSSED),
            resolved_at=callout.changed_to_at(CalloutStatus.RESOLVED),
            learning_note=callout.learning_note,
            notes=callout.learning_notes,
        )

    @property
    def counted(self) -> bool:
        """Whether the digest counts it (withdrawn call-outs are not; their learning stays)."""
        return self.status is not CalloutStatus.WITHDRAWN

    def dated_notes(self) -> tuple[tuple[datetime, str], ...]:
        """Its learning notes with their moments (see `notes`)."""
        if self.notes:
            return self.notes
        moments = [m for m in (self.discussed_at, self.resolved_at) if m is not None]
        return ((max(moments), self.learning_note),) if moments and self.learning_note else ()

    def is_live_at(self, moment: datetime) -> bool:
        """Still waiting at `moment`: raised before it, not resolved or withdrawn by then."""
        if self.raised_at >= moment or self.status is CalloutStatus.WITHDRAWN:
            return False
        return self.resolved_at is None or self.resolved_at >= moment

    def discussed_by(self, moment: datetime) -> bool:
        return self.discussed_at is not None and self.discussed_at < moment


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """One point of the chart: clause celebrations and call-outs raised in a week.

    The same type goes in (earlier weeks, e.g. stored from past digests via
    `Digest.week_counts`) and comes out (`Digest.chart`).
    """

    week_start: datetime
    # None where the group-size rule withholds it: the week's participants (celebrations) or
    # the partnership's members (call-outs) were fewer than `min_group`.
    clauses_celebrated: int | None
    callouts_raised: int | None


# --- What the digest says ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationParticipation:
    """How one organisation took part; `organisation_id` None gathers people in no known one.

    `attendances` counts people-in-rounds, so it can be set against `reflections_shared`.
    """

    organisation_id: str | None
    organisation_name: str | None
    attendances: int
    reflections_shared: int


@dataclass(frozen=True, slots=True)
class OtherPartners:
    """The groups too small to show on their own, together; `everyone` when none is shown."""

    attendances: int
    reflections_shared: int
    everyone: bool


@dataclass(frozen=True, slots=True)
class Participation:
    """Participation by organisation under the group-size rule (rituals/groups.py).

    `organisations` are shown on their own; `others` folds the rest, None when nothing folded.
    `reflections_shared` is the week's total, None when even it would single someone out (then
    nothing else is shown either).
    """

    organisations: tuple[OrganisationParticipation, ...] = ()
    others: OtherPartners | None = None
    reflections_shared: int | None = 0

    @property
    def withheld(self) -> bool:
        return self.reflections_shared is None


@dataclass(frozen=True, slots=True)
class Highlight:
    """Something a partner especially valued, attributed to their organisation only when the
    digest shows that organisation's figures (at least `min_group` people took part), else to
    "a partner" (`organisation_id` None); never to the person."""

    valued: str
    organisation_id: str | None
    organisation_name: str | None
    clause_ids: tuple[str, ...]
    # Changed by its author after the round closed: the digest says so, as the summary does.
    edited: bool = False


@dataclass(frozen=True, slots=True)
class ClauseCount:
    """How many reflections cited a clause."""

    clause_id: str
    count: int


@dataclass(frozen=True, slots=True)
class CalloutSummary:
    """Call-out activity on one clause in the period, with the learning shared about it.

    `dated_notes` are `learning_notes` with the moment each was set, in the same order.
    """

    clause_id: str
    # None where the group-size rule withholds call-out counts (too few members).
    raised: int | None
    discussed: int | None
    resolved: int | None
    learning_notes: tuple[str, ...]
    dated_notes: tuple[tuple[datetime, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class StillOpen:
    """Call-outs still waiting at the period's end, by state (none carries its clause)."""

    awaiting_discussion: int = 0
    awaiting_resolution: int = 0

    @property
    def total(self) -> int:
        return self.awaiting_discussion + self.awaiting_resolution


@dataclass(frozen=True, slots=True)
class QuietClause:
    """A clause nobody has mentioned for a while; `last_mentioned` None means never."""

    clause_id: str
    last_mentioned: datetime | None


@dataclass(frozen=True, slots=True)
class Digest:
    """One period's digest for one partnership, as data for the renderers."""

    partnership_slug: str
    period_start: datetime
    period_end: datetime
    composed_at: datetime
    rounds_held: int
    participation: Participation
    highlights: tuple[Highlight, ...]
    # Empty when withheld (`celebrated_withheld`): fewer than `min_group` people took part.
    clauses_celebrated: tuple[ClauseCount, ...]
    callouts: tuple[CalloutSummary, ...]
    quiet_clauses: tuple[QuietClause, ...]
    chart: tuple[WeekCounts, ...]
    week_counts: WeekCounts
    # Clauses newly proposed for review (docs/health.md), set by the application.
    review_triggers: tuple[ReviewTrigger, ...] = ()
    # None when the group-size rule withholds call-out counts.
    still_open: StillOpen | None = StillOpen()
    min_group: int = 3
    celebrated_withheld: bool = False

    @property
    def reflections_shared(self) -> int | None:
        return self.participation.reflections_shared

    @property
    def callouts_raised(self) -> int | None:
        return _sum_shown(row.raised for row in self.callouts)

    @property
    def callouts_discussed(self) -> int | None:
        return _sum_shown(row.discussed for row in self.callouts)

    @property
    def callouts_resolved(self) -> int | None:
        return _sum_shown(row.resolved for row in self.callouts)

    @property
    def callout_counts_withheld(self) -> bool:
        return self.still_open is None

    @property
    def anything_withheld(self) -> bool:
        """Some figure was folded into "other partners" or withheld by the group-size rule."""
        return (
            self.participation.withheld
            or self.participation.others is not None
            or self.celebrated_withheld
            or self.callout_counts_withheld
            or any(h.organisation_id is None for h in self.highlights)
        )

    @property
    def is_empty(self) -> bool:
        """Nothing happened: the sender says "a quiet week" rather than posting nothing.

        Quiet clauses and the chart do not count; they describe the past, not this period.
        """
        return self.rounds_held == 0 and self.reflections_shared == 0 and not self.callouts

    def most_celebrated(self, limit: int = 5) -> tuple[ClauseCount, ...]:
        """The top `limit` clauses by celebrations (ties in the compact's own order)."""
        return self.clauses_celebrated[:limit]


def _sum_shown(values: Iterable[int | None]) -> int | None:
    found = list(values)
    return None if any(v is None for v in found) else sum(v for v in found if v is not None)


# --- Composition ---------------------------------------------------------------------------------


def compose_digest(
    *,
    compact: Compact,
    period_start: datetime,
    period_end: datetime,
    rounds: Sequence[RoundHeld],
    reflections: Sequence[ReflectionRecord],
    callouts: Sequence[CalloutFact],
    clause_last_mentioned: Mapping[str, datetime],
    now: datetime,
    live_callouts: Sequence[CalloutFact] = (),
    quiet_after: timedelta = DEFAULT_QUIET_AFTER,
    weekly_history: Sequence[WeekCounts] = (),
    highlight_limit: int = DEFAULT_HIGHLIGHTS,
    chart_weeks: int = DEFAULT_CHART_WEEKS,
) -> Digest:
    """Compose the digest of `[period_start, period_end)` for `compact`'s partnership.

    Inputs may hold records outside the period (they are filtered here), so the application
    can load generously. `clause_last_mentioned` is the last time each clause was cited by a
    reflection or call-out, from all history; mentions in `reflections` and `callouts` are
    merged into it. `live_callouts` are those still on the agenda that are not in `callouts`,
    for the "still open" counts. Quiet clauses are judged at `period_end`, not `now`, so a
    digest sent late after an outage says what it would have said on time; `now` is only
    recorded.
    """
    _check_arguments(period_start, period_end, now, quiet_after, chart_weeks)

    # Compared in UTC, the zone stored moments come back in (see `count_weeks`).
    start_utc, end_utc = period_start.astimezone(UTC), period_end.astimezone(UTC)

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and start_utc <= moment < end_utc

    period_rounds = [r for r in rounds if in_period(r.held_at)]
    period_reflections = [r for r in reflections if in_period(r.recorded_at)]
    counted_callouts = [c for c in callouts if c.counted]
    clause_rank = _clause_rank(compact)
    min_group = compact.privacy.min_group
    members = members_of(compact)
    people = _participants(compact, period_rounds, period_reflections)
    participation = _participation(compact, period_rounds, period_reflections, people)
    celebrated = _celebrated(period_reflections, clause_rank, people, min_group)
    week = count_week(
        compact=compact,
        week_start=period_start,
        week_end=period_end,
        rounds=rounds,
        reflections=reflections,
        callouts=callouts,
    )
    return Digest(
        partnership_slug=compact.slug,
        period_start=period_start,
        period_end=period_end,
        composed_at=now,
        rounds_held=len(period_rounds),
        participation=participation,
        highlights=_highlights(compact, period_reflections, highlight_limit, participation),
        clauses_celebrated=celebrated or (),
        callouts=_callout_summaries(callouts, in_period, clause_rank, members, min_group),
        quiet_clauses=_quiet(
            compact,
            _last_mentions(clause_last_mentioned, reflections, counted_callouts),
            cutoff=period_end - quiet_after,
        )
        if _enough_took_part(rounds, reflections, (period_end - quiet_after, end_utc), min_group)
        else (),
        chart=_chart(weekly_history, week, chart_weeks),
        week_counts=week,
        still_open=_still_open((*callouts, *live_callouts), end_utc, members, min_group),
        min_group=min_group,
        celebrated_withheld=celebrated is None,
    )


def _check_arguments(
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    quiet_after: timedelta,
    chart_weeks: int,
) -> None:
    for moment, name in ((period_start, "period_start"), (period_end, "period_end"), (now, "now")):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    if period_end <= period_start:
        raise ValueError("the digest period must end after it starts")
    if quiet_after <= timedelta(0):
        raise ValueError("quiet_after must be positive")
    if chart_weeks < 2:
        raise ValueError("a chart needs at least two weeks")


def members_of(compact: Compact) -> frozenset[Hashable]:
    """The partnership's known people: the crowd a call-out's reporter hides in, so call-out
    counts (by clause, never by organisation) are shown when they number `min_group`."""
    return frozenset(person.handle.lower() for person in compact.people)


def count_week(
    *,
    compact: Compact,
    week_start: datetime,
    week_end: datetime,
    rounds: Iterable[RoundHeld],
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact],
) -> WeekCounts:
    """One chart point for `[week_start, week_end)`, e.g. to backfill history from storage."""
    return count_weeks(
        [week_start, week_end],
        compact=compact,
        rounds=rounds,
        reflections=reflections,
        callouts=callouts,
    )[0]


def count_weeks(
    bounds: Sequence[datetime],
    *,
    compact: Compact,
    rounds: Iterable[RoundHeld],
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact],
) -> list[WeekCounts]:
    """Chart points for consecutive weeks, `bounds` being their edges in order (one more than
    the weeks), in a single pass over the records; each week's figures go through the
    group-size rule exactly as that week's own digest does, so no chart gives away what a
    digest withheld."""
    min_group, members = compact.privacy.min_group, members_of(compact)
    return [
        WeekCounts(
            week.start,
            _by_clause(week.cited, week.people, min_group).total,
            _by_clause(week.raised, members, min_group).total,
        )
        for week in tally_weeks(bounds, rounds=rounds, reflections=reflections, callouts=callouts)
    ]


@dataclass(frozen=True, slots=True)
class WeekTally:
    """What one week's digest counts before the group-size rule: the distinct people who took
    part, the reflections citing each clause and the call-outs raised on each."""

    start: datetime
    people: frozenset[Hashable]
    cited: Mapping[str, int]
    raised: Mapping[str, int]

    def clause_part(self, clause_id: str) -> GroupCell[datetime]:
        """This week's citations of a clause as one part of a longer span's figure (see
        `rituals.groups.hidden_parts_safe`)."""
        return GroupCell(self.start, self.cited.get(clause_id, 0), self.people)


def tally_weeks(
    bounds: Sequence[datetime],
    *,
    rounds: Iterable[RoundHeld],
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact] = (),
) -> list[WeekTally]:
    """Each week's tally in one pass over the records (see `count_weeks`).

    The edges are compared in UTC: stored moments come back in UTC, and comparing two
    datetimes in different zones asks the zone for its offset every time, which made
    counting a few weeks cost milliseconds.
    """
    edges = [edge.astimezone(UTC) for edge in bounds]
    weeks = len(edges) - 1
    cited: list[Counter[str]] = [Counter() for _ in range(weeks)]
    raised: list[Counter[str]] = [Counter() for _ in range(weeks)]
    people: list[set[Hashable]] = [set() for _ in range(weeks)]

    def week_of(moment: datetime) -> int | None:
        index = bisect_right(edges, moment.astimezone(UTC)) - 1
        return index if 0 <= index < weeks else None

    for round_ in rounds:
        if (index := week_of(round_.held_at)) is not None:
            people[index].update(round_.attendees)
    for reflection in reflections:
        if (index := week_of(reflection.recorded_at)) is not None:
            cited[index].update(set(reflection.clause_ids))
            people[index].add(_author(reflection))
    for callout in callouts:
        if callout.counted and (index := week_of(callout.raised_at)) is not None:
            raised[index][callout.clause_id] += 1
    return [
        WeekTally(start, frozenset(people[i]), cited[i], raised[i])
        for i, start in enumerate(bounds[:-1])
    ]


def _by_clause(
    counts: Mapping[str, int], people: frozenset[Hashable], min_group: int
) -> GroupedFigures[str]:
    """Figures per clause are about everyone who could have added to them (`people`)."""
    return apply_group_rule(
        [GroupCell(clause_id, n, people) for clause_id, n in counts.items()], min_group
    )


def _author(record: ReflectionRecord) -> str:
    # Without storage's opaque key, the name: two people of one name count once, which can
    # only hide more.
    return record.person or f"name:{record.author_name}"


def _clause_rank(compact: Compact) -> Callable[[str], tuple[int, str]]:
    """Sort key for clause ids: the compact's order; clauses no longer in it last, by id."""
    position = {clause.id: index for index, clause in enumerate(compact.clauses)}
    return lambda clause_id: (position.get(clause_id, len(position)), clause_id)


def _bucket(compact: Compact) -> Callable[[str | None], str | None]:
    # People in no organisation, or in one a later compact dropped, are counted together.
    known = {org.id for org in compact.organisations}
    return lambda organisation_id: organisation_id if organisation_id in known else None


def _participants(
    compact: Compact, rounds: Sequence[RoundHeld], reflections: Sequence[ReflectionRecord]
) -> dict[str | None, frozenset[Hashable]]:
    """The distinct people of each organisation who took part in the period."""
    bucket = _bucket(compact)
    found: defaultdict[str | None, set[Hashable]] = defaultdict(set)
    for round_ in rounds:
        for organisation_id, person in zip(
            round_.attendee_organisation_ids, round_.attendees, strict=False
        ):
            found[bucket(organisation_id)].add(person)
    for record in reflections:
        found[bucket(record.organisation_id)].add(_author(record))
    return {organisation_id: frozenset(people) for organisation_id, people in found.items()}


def _enough_took_part(
    rounds: Iterable[RoundHeld],
    reflections: Iterable[ReflectionRecord],
    span: tuple[datetime, datetime],
    min_group: int,
) -> bool:
    """Whether "nobody mentioned it since" may be said of `span`: it is about the people who
    took part in it, so they must number `min_group` (or be nobody at all)."""
    start, end = span
    people = {key for r in rounds if start < r.held_at < end for key in r.attendees}
    people |= {_author(r) for r in reflections if start < r.recorded_at < end}
    return not people or len(people) >= min_group


def _participation(
    compact: Compact,
    rounds: Sequence[RoundHeld],
    reflections: Sequence[ReflectionRecord],
    people: Mapping[str | None, frozenset[Hashable]],
) -> Participation:
    """Attendances and reflections per organisation, one table under the group-size rule."""
    bucket = _bucket(compact)
    attendances: Counter[str | None] = Counter()
    for round_ in rounds:
        attendances.update(bucket(org) for org in round_.attendee_organisation_ids)
    shared: Counter[str | None] = Counter(bucket(r.organisation_id) for r in reflections)
    if not any(people.values()):
        # Nobody took part: a zero beside each organisation would still be about its members.
        return Participation()
    groups: list[str | None] = [org.id for org in compact.organisations]
    if attendances[None] or shared[None]:
        groups.append(None)

    def cells(counts: Counter[str | None]) -> list[GroupCell[str | None]]:
        return [GroupCell(g, counts[g], people.get(g, frozenset())) for g in groups]

    by_attendance, by_reflection = apply_group_rule_jointly(
        [cells(attendances), cells(shared)], compact.privacy.min_group
    )
    if by_reflection.hidden:
        return Participation(reflections_shared=None)
    names = {org.id: org.name for org in compact.organisations}
    shown = tuple(
        OrganisationParticipation(
            group, names.get(group) if group else None, count, by_reflection.value(group) or 0
        )
        for group, count in by_attendance.shown
    )
    others = None
    if by_attendance.other is not None or by_reflection.other is not None:
        others = OtherPartners(
            by_attendance.other or 0, by_reflection.other or 0, everyone=not shown
        )
    return Participation(shown, others, by_reflection.total)


def _highlights(
    compact: Compact,
    reflections: Sequence[ReflectionRecord],
    limit: int,
    participation: Participation,
) -> tuple[Highlight, ...]:
    """Up to `limit` things people valued: most clauses linked first, then the most recent.

    A quote is attributed to its organisation only when the participation table shows that
    organisation on its own; otherwise to "a partner". The remaining tie-breaks only make the
    choice independent of input order. Repeated words ("great meeting") are shown once.
    """
    shown = {
        row.organisation_id: row.organisation_name
        for row in participation.organisations
        if row.organisation_id is not None
    }
    candidates = sorted(
        (r for r in reflections if r.valued.strip()),
        key=lambda r: (
            -len(set(r.clause_ids)),
            -r.recorded_at.timestamp(),
            r.organisation_id or "",
            r.valued,
            r.round_id,
            r.author_name,
            r.clause_ids,
            r.edited_at is not None,
        ),
    )
    chosen: list[Highlight] = []
    seen: set[str] = set()
    for record in candidates:
        if len(chosen) >= limit:
            break
        text = record.valued.strip()
        fingerprint = " ".join(text.split()).casefold()
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        organisation_id = record.organisation_id if record.organisation_id in shown else None
        chosen.append(
            Highlight(
                valued=text,
                organisation_id=organisation_id,
                organisation_name=shown.get(organisation_id) if organisation_id else None,
                clause_ids=tuple(dict.fromkeys(record.clause_ids)),
                edited=record.edited_at is not None,
            )
        )
    return tuple(chosen)


def _celebrated(
    reflections: Sequence[ReflectionRecord],
    clause_rank: Callable[[str], tuple[int, str]],
    people: Mapping[str | None, frozenset[Hashable]],
    min_group: int,
) -> tuple[ClauseCount, ...] | None:
    """Every clause cited in the period, most cited first; a reflection counts a clause once.
    None when withheld: a clause's count is about everyone who took part in the period."""
    counts: Counter[str] = Counter()
    for record in reflections:
        counts.update(set(record.clause_ids))
    everyone = frozenset[Hashable]().union(*people.values())
    figures = _by_clause(counts, everyone, min_group)
    if figures.hidden:
        return None
    ranked = sorted(figures.shown, key=lambda item: (-item[1], clause_rank(item[0])))
    return tuple(ClauseCount(clause_id, count) for clause_id, count in ranked)


def _callout_summaries(
    callouts: Sequence[CalloutFact],
    in_period: Callable[[datetime | None], bool],
    clause_rank: Callable[[str], tuple[int, str]],
    members: frozenset[Hashable],
    min_group: int,
) -> tuple[CalloutSummary, ...]:
    """Counts per clause of the counted call-outs; learning notes from every call-out, a
    withdrawn one included (what the meeting learned stays the partnership's). The counts are
    about the whole partnership (any member may have raised one): withheld under the rule."""
    raised: Counter[str] = Counter()
    discussed: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    notes: defaultdict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for fact in callouts:
        if fact.counted:
            raised[fact.clause_id] += int(in_period(fact.raised_at))
            discussed[fact.clause_id] += int(in_period(fact.discussed_at))
            resolved[fact.clause_id] += int(in_period(fact.resolved_at))
        notes[fact.clause_id].extend(n for n in fact.dated_notes() if in_period(n[0]))
    clause_ids = {fact.clause_id for fact in callouts}
    active = sorted(
        (c for c in clause_ids if raised[c] + discussed[c] + resolved[c] or notes[c]),
        key=clause_rank,
    )
    steps = apply_group_rule_jointly(
        [
            [GroupCell(c, counts[c], members) for c in active]
            for counts in (raised, discussed, resolved)
        ],
        min_group,
    )
    shown = [figures.value for figures in steps]
    return tuple(
        CalloutSummary(
            clause_id=clause_id,
            raised=shown[0](clause_id),
            discussed=shown[1](clause_id),
            resolved=shown[2](clause_id),
            learning_notes=tuple(note for _, note in sorted(notes[clause_id])),
            dated_notes=tuple(sorted(notes[clause_id])),
        )
        for clause_id in active
    )


def _still_open(
    callouts: Iterable[CalloutFact], end: datetime, members: frozenset[Hashable], min_group: int
) -> StillOpen | None:
    live = [fact for fact in callouts if fact.is_live_at(end)]
    discussed = sum(1 for fact in live if fact.discussed_by(end))
    waiting = [("discussion", len(live) - discussed), ("resolution", discussed)]
    figures = apply_group_rule([GroupCell(k, n, members) for k, n in waiting], min_group)
    if figures.hidden:
        return None
    return StillOpen(figures.value("discussion") or 0, figures.value("resolution") or 0)


def _last_mentions(
    recorded: Mapping[str, datetime],
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact],
) -> dict[str, datetime]:
    """The latest mention of each clause, from history and from the records in hand."""
    latest = dict(recorded)

    def mention(clause_id: str, moment: datetime) -> None:
        if clause_id not in latest or moment > latest[clause_id]:
            latest[clause_id] = moment

    for record in reflections:
        for clause_id in record.clause_ids:
            mention(clause_id, record.recorded_at)
    for fact in callouts:
        mention(fact.clause_id, fact.raised_at)
    return latest


def _quiet(
    compact: Compact, last_mentioned: Mapping[str, datetime], *, cutoff: datetime
) -> tuple[QuietClause, ...]:
    """Clauses of the current compact last mentioned at or before `cutoff`, or never."""
    return tuple(
        QuietClause(clause.id, last_mentioned.get(clause.id))
        for clause in compact.clauses
        if clause.id not in last_mentioned or last_mentioned[clause.id] <= cutoff
    )


def _chart(
    history: Sequence[WeekCounts], current: WeekCounts, weeks: int
) -> tuple[WeekCounts, ...]:
    """The last `weeks` points ending with this period, or nothing if there is no trend to show.

    A trend needs two points and something other than zeros. Weeks missing from `history`
    (the service was down, say), and weeks whose celebrations the group-size rule withheld,
    are left out rather than drawn as zero.
    """
    earlier = {
        point.week_start: point
        for point in sorted(
            history,
            key=lambda p: (p.week_start, p.clauses_celebrated or 0, p.callouts_raised or 0),
        )
        if point.week_start < current.week_start
    }
    recent = [earlier[start] for start in sorted(earlier)][-(weeks - 1) :]
    points = tuple(p for p in (*recent, current) if p.clauses_celebrated is not None)
    if len(points) < 2 or not any(p.clauses_celebrated or p.callouts_raised for p in points):
        return ()
    return points
