"""The weekly digest composed from plain facts, pure; privacy is decided by what the inputs can
carry (docs/privacy.md and docs/digest.md, "What the digest is made of")."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from rituals.callout import Callout, CalloutStatus
from rituals.compact import Compact
from rituals.health import ReviewTrigger
from rituals.reflection import ReflectionRecord

DEFAULT_QUIET_AFTER: Final = timedelta(weeks=6)
DEFAULT_HIGHLIGHTS: Final = 5
DEFAULT_CHART_WEEKS: Final = 8


# --- What the digest is composed from -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundHeld:
    """A reflection round that closed; one entry per attendee, their organisation or None."""

    round_id: str
    held_at: datetime
    attendee_organisation_ids: tuple[str | None, ...]


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
    clauses_celebrated: int
    callouts_raised: int


# --- What the digest says ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationParticipation:
    """How one organisation took part; `organisation_id` None gathers people in no known one.

    `attendances` counts people-in-rounds, so it can be set against `reflections_shared`.
    """

    organisation_id: str | None
    organisation_name: str | None
    rounds_attended: int
    attendances: int
    reflections_shared: int


@dataclass(frozen=True, slots=True)
class Highlight:
    """Something a partner especially valued, attributed to the organisation, not the person."""

    valued: str
    organisation_id: str | None
    organisation_name: str | None
    clause_ids: tuple[str, ...]


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
    raised: int
    discussed: int
    resolved: int
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
    participation: tuple[OrganisationParticipation, ...]
    highlights: tuple[Highlight, ...]
    clauses_celebrated: tuple[ClauseCount, ...]
    callouts: tuple[CalloutSummary, ...]
    quiet_clauses: tuple[QuietClause, ...]
    chart: tuple[WeekCounts, ...]
    week_counts: WeekCounts
    # Clauses newly proposed for review (docs/health.md), set by the application.
    review_triggers: tuple[ReviewTrigger, ...] = ()
    still_open: StillOpen = StillOpen()

    @property
    def reflections_shared(self) -> int:
        return sum(row.reflections_shared for row in self.participation)

    @property
    def callouts_raised(self) -> int:
        return sum(row.raised for row in self.callouts)

    @property
    def callouts_discussed(self) -> int:
        return sum(row.discussed for row in self.callouts)

    @property
    def callouts_resolved(self) -> int:
        return sum(row.resolved for row in self.callouts)

    @property
    def is_empty(self) -> bool:
        """Nothing happened: the sender says "a quiet week" rather than posting nothing.

        Quiet clauses and the chart do not count; they describe the past, not this period.
        """
        return self.rounds_held == 0 and self.reflections_shared == 0 and not self.callouts

    def most_celebrated(self, limit: int = 5) -> tuple[ClauseCount, ...]:
        """The top `limit` clauses by celebrations (ties in the compact's own order)."""
        return self.clauses_celebrated[:limit]


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
    for moment, name in ((period_start, "period_start"), (period_end, "period_end"), (now, "now")):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    if period_end <= period_start:
        raise ValueError("the digest period must end after it starts")
    if quiet_after <= timedelta(0):
        raise ValueError("quiet_after must be positive")
    if chart_weeks < 2:
        raise ValueError("a chart needs at least two weeks")

    # Compared in UTC, the zone stored moments come back in (see `count_weeks`).
    start_utc, end_utc = period_start.astimezone(UTC), period_end.astimezone(UTC)

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and start_utc <= moment < end_utc

    period_rounds = [r for r in rounds if in_period(r.held_at)]
    period_reflections = [r for r in reflections if in_period(r.recorded_at)]
    counted_callouts = [c for c in callouts if c.counted]
    clause_rank = _clause_rank(compact)
    week = count_week(
        week_start=period_start, week_end=period_end, reflections=reflections, callouts=callouts
    )
    return Digest(
        partnership_slug=compact.slug,
        period_start=period_start,
        period_end=period_end,
        composed_at=now,
        rounds_held=len(period_rounds),
        participation=_participation(compact, period_rounds, period_reflections),
        highlights=_highlights(compact, period_reflections, highlight_limit),
        clauses_celebrated=_celebrated(period_reflections, clause_rank),
        callouts=_callout_summaries(callouts, in_period, clause_rank),
        quiet_clauses=_quiet(
            compact,
            _last_mentions(clause_last_mentioned, reflections, counted_callouts),
            cutoff=period_end - quiet_after,
        ),
        chart=_chart(weekly_history, week, chart_weeks),
        week_counts=week,
        still_open=_still_open((*callouts, *live_callouts), end_utc),
    )


def count_week(
    *,
    week_start: datetime,
    week_end: datetime,
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact],
) -> WeekCounts:
    """One chart point for `[week_start, week_end)`, e.g. to backfill history from storage."""
    return count_weeks([week_start, week_end], reflections=reflections, callouts=callouts)[0]


def count_weeks(
    bounds: Sequence[datetime],
    *,
    reflections: Iterable[ReflectionRecord],
    callouts: Iterable[CalloutFact],
) -> list[WeekCounts]:
    """Chart points for consecutive weeks, `bounds` being their edges in order (one more than
    the weeks), in a single pass over the records.

    The edges are compared in UTC: stored moments come back in UTC, and comparing two
    datetimes in different zones asks the zone for its offset every time, which made
    counting a few weeks cost milliseconds.
    """
    edges = [edge.astimezone(UTC) for edge in bounds]
    celebrated = [0] * (len(edges) - 1)
    raised = [0] * (len(edges) - 1)

    def week_of(moment: datetime) -> int | None:
        index = bisect_right(edges, moment.astimezone(UTC)) - 1
        return index if 0 <= index < len(celebrated) else None

    for reflection in reflections:
        if (index := week_of(reflection.recorded_at)) is not None:
            celebrated[index] += len(set(reflection.clause_ids))
    for callout in callouts:
        if callout.counted and (index := week_of(callout.raised_at)) is not None:
            raised[index] += 1
    return [WeekCounts(start, celebrated[i], raised[i]) for i, start in enumerate(bounds[:-1])]


def _clause_rank(compact: Compact) -> Callable[[str], tuple[int, str]]:
    """Sort key for clause ids: the compact's order; clauses no longer in it last, by id."""
    position = {clause.id: index for index, clause in enumerate(compact.clauses)}
    return lambda clause_id: (position.get(clause_id, len(position)), clause_id)


def _participation(
    compact: Compact, rounds: Sequence[RoundHeld], reflections: Sequence[ReflectionRecord]
) -> tuple[OrganisationParticipation, ...]:
    known = {org.id for org in compact.organisations}

    def bucket(organisation_id: str | None) -> str | None:
        # People in no organisation, or in one a later compact dropped, are counted together.
        return organisation_id if organisation_id in known else None

    rounds_attended: Counter[str | None] = Counter()
    attendances: Counter[str | None] = Counter()
    shared: Counter[str | None] = Counter()
    for round_ in rounds:
        buckets = [bucket(org) for org in round_.attendee_organisation_ids]
        attendances.update(buckets)
        rounds_attended.update(set(buckets))
    shared.update(bucket(r.organisation_id) for r in reflections)

    rows = [
        OrganisationParticipation(
            organisation_id=org.id,
            organisation_name=org.name,
            rounds_attended=rounds_attended[org.id],
            attendances=attendances[org.id],
            reflections_shared=shared[org.id],
        )
        for org in compact.organisations
    ]
    if attendances[None] or shared[None]:
        rows.append(
            OrganisationParticipation(
                None, None, rounds_attended[None], attendances[None], shared[None]
            )
        )
    return tuple(rows)


def _highlights(
    compact: Compact, reflections: Sequence[ReflectionRecord], limit: int
) -> tuple[Highlight, ...]:
    """Up to `limit` things people valued: most clauses linked first, then the most recent.

    The remaining tie-breaks only make the choice independent of input order. Repeated words
    ("great meeting") are shown once.
    """
    names = {org.id: org.name for org in compact.organisations}
    candidates = sorted(
        (r for r in reflections if r.valued.strip()),
        key=lambda r: (
            -len(set(r.clause_ids)),
            -r.recorded_at.timestamp(),
            r.organisation_id or "",
            r.valued,
            r.round_id,
            r.author_name,
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
        organisation_id = record.organisation_id if record.organisation_id in names else None
        chosen.append(
            Highlight(
                valued=text,
                organisation_id=organisation_id,
                organisation_name=names.get(organisation_id) if organisation_id else None,
                clause_ids=tuple(dict.fromkeys(record.clause_ids)),
            )
        )
    return tuple(chosen)


def _celebrated(
    reflections: Sequence[ReflectionRecord], clause_rank: Callable[[str], tuple[int, str]]
) -> tuple[ClauseCount, ...]:
    """Every clause cited in the period, most cited first; a reflection counts a clause once."""
    counts: Counter[str] = Counter()
    for record in reflections:
        counts.update(set(record.clause_ids))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], clause_rank(item[0])))
    return tuple(ClauseCount(clause_id, count) for clause_id, count in ranked)


def _callout_summaries(
    callouts: Sequence[CalloutFact],
    in_period: Callable[[datetime | None], bool],
    clause_rank: Callable[[str], tuple[int, str]],
) -> tuple[CalloutSummary, ...]:
    """Counts per clause of the counted call-outs; learning notes from every call-out, a
    withdrawn one included (what the meeting learned stays the partnership's)."""
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
    active = {c for c in clause_ids if raised[c] + discussed[c] + resolved[c] or notes[c]}
    return tuple(
        CalloutSummary(
            clause_id=clause_id,
            raised=raised[clause_id],
            discussed=discussed[clause_id],
            resolved=resolved[clause_id],
            learning_notes=tuple(note for _, note in sorted(notes[clause_id])),
            dated_notes=tuple(sorted(notes[clause_id])),
        )
        for clause_id in sorted(active, key=clause_rank)
    )


def _still_open(callouts: Iterable[CalloutFact], end: datetime) -> StillOpen:
    live = [fact for fact in callouts if fact.is_live_at(end)]
    discussed = sum(1 for fact in live if fact.discussed_by(end))
    return StillOpen(len(live) - discussed, discussed)


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
    (the service was down, say) are left out rather than drawn as zero.
    """
    earlier = {
        point.week_start: point
        for point in sorted(
            history, key=lambda p: (p.week_start, p.clauses_celebrated, p.callouts_raised)
        )
        if point.week_start < current.week_start
    }
    recent = [earlier[start] for start in sorted(earlier)][-(weeks - 1) :]
    points = (*recent, current)
    if len(points) < 2 or not any(p.clauses_celebrated or p.callouts_raised for p in points):
        return ()
    return points
