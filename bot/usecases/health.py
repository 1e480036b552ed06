"""The compact's health: the report (for `/compact health`, the dashboard and the digest's
review lines) and what facilitators do about the clauses proposed for review."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import words
from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import Place, known_person, place_of
from bot.views import health as views
from bot.views.rounds import notice
from rituals.compact import Compact
from rituals.digest import tally_weeks
from rituals.errors import InvalidInput, NotAllowed, NotFound
from rituals.groups import GroupCell
from rituals.health import (
    HealthFacts,
    HealthReport,
    ReviewTrigger,
    Span,
    compose_health,
    quarter,
    review_triggers,
)
from rituals.health import quarter_containing as quarter_of
from rituals.history import WEEK, week_bounds
from rituals.refs import ConversationRef
from rituals.review import (
    REVIEW_STEPS,
    ReviewStatus,
    TriggerKey,
    TriggerState,
    newly_reported,
    review_items,
)
from rituals.stored import StoredCompact

log = logging.getLogger("compact.health")
QUARTER_FLAG = "--quarter"
_INSTANT = timedelta(microseconds=1)


async def health_report(
    services: Services, partnership_id: int, span: Span | None = None
) -> HealthReport:
    """The partnership's health over `span` (by default the quarter now is in, in the
    partnership's schedule time zone); triggers closed by a revised clause are left out."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(partnership_id)
        if stored is None:
            raise NotFound(words.NOT_IN_PARTNERSHIP)
        chosen = span or await current_quarter(uow, partnership_id, now)
        report = await compose(uow, partnership_id, stored.compact, chosen, now)
        states = await uow.reviews.states(partnership_id, span_key(chosen))
    still_open = tuple(t for t in report.triggers if not _closed(states, t))
    return dataclasses.replace(report, triggers=still_open)


async def current_quarter(uow: UnitOfWork, partnership_id: int, now: datetime) -> Span:
    zone = (await uow.schedules.get(partnership_id)).tzinfo
    return quarter_of(now, zone)


def span_key(span: Span) -> str:
    """What review triggers are stored under: a quarter's label, else the span's bounds."""
    return span.label or f"{span.start.isoformat()}/{span.end.isoformat()}"


async def compose(
    uow: UnitOfWork,
    partnership_id: int,
    compact: Compact,
    span: Span,
    now: datetime,
    *,
    until: datetime | None = None,
) -> HealthReport:
    """The report from one load of facts covering the span and the one before it (only what
    happened before `until`, when given: a digest judges as of its period's end)."""
    previous = span.previous()
    end = span.end if until is None else max(previous.start, min(span.end, until))
    facts = await _facts(uow, partnership_id, compact, span, previous.start, end)
    return compose_health(compact=compact, facts=facts, span=span, now=now, previous=previous)


async def _facts(
    uow: UnitOfWork,
    partnership_id: int,
    compact: Compact,
    span: Span,
    start: datetime,
    end: datetime,
) -> HealthFacts:
    facts = await uow.health.facts(partnership_id, start, end, span.zone)
    weekly = await _weekly_citations(uow, partnership_id, compact, span, end)
    return dataclasses.replace(facts, weekly_citations=weekly)


async def _weekly_citations(
    uow: UnitOfWork, partnership_id: int, compact: Compact, span: Span, end: datetime
) -> dict[str, list[GroupCell[datetime]]]:
    """Each clause's citations in each digest week meeting the span, counted by the digest's
    own loads and tally, so the ledger knows exactly which weeks' figures were withheld."""
    if end <= span.start:
        return {}  # judged before the span began: nothing of it was shown or withheld
    weeks = math.ceil((end - span.start) / WEEK) + 1
    first, _ = week_bounds(end, weeks, span.zone)
    bounds = [first + n * WEEK for n in range(weeks + 1)]
    rounds = await uow.rounds.held_between(partnership_id, bounds[0], end)
    reflections = await uow.reflections.records_between(partnership_id, bounds[0], end)
    tallies = tally_weeks(bounds, rounds=rounds, reflections=reflections)
    # Only weeks meeting the span: a hidden week outside it is no part of the span's figure.
    meeting = [week for week in tallies if week.start + WEEK > span.start]
    return {c.id: [week.clause_part(c.id) for week in meeting] for c in compact.clauses}


def _closed(states: dict[TriggerKey, TriggerState], trigger: ReviewTrigger) -> bool:
    state = states.get((trigger.clause_id, trigger.kind))
    return state is not None and state.is_closed


# --- In chat --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthQuery:
    """`/compact health [heading|clause-id] [--quarter 2026-Q4]`, read."""

    scope: str = ""
    quarter: str = ""


def parse_query(arguments: Sequence[str]) -> HealthQuery:
    """The scope and quarter from the words after the command; a clear error otherwise."""
    rest = list(arguments)
    label = ""
    if QUARTER_FLAG in (word.lower() for word in rest):
        at = [word.lower() for word in rest].index(QUARTER_FLAG)
        if at + 1 >= len(rest):
            raise InvalidInput(words.HEALTH_QUARTER_MISSING)
        label = rest[at + 1].upper()
        del rest[at : at + 2]
    if len(rest) > 1:
        raise InvalidInput(words.HEALTH_HOW)
    return HealthQuery(rest[0].lower() if rest else "", label)


def _span(query: HealthQuery, zone_span: Span) -> Span:
    if not query.quarter:
        return zone_span
    try:
        return quarter(query.quarter, zone_span.zone)
    except ValueError:
        raise InvalidInput(words.HEALTH_BAD_QUARTER.format(label=query.quarter)) from None


def _check_scope(compact: Compact, scope: str) -> None:
    if not scope or compact.has_clause(scope) or scope in {t.id for t in compact.themes}:
        return
    headings = ", ".join(t.id for t in compact.themes)
    raise InvalidInput(words.HEALTH_UNKNOWN_SCOPE.format(scope=scope, headings=headings))


async def _allowed(uow: UnitOfWork, place: Place, actor: Actor) -> bool:
    """Facilitators and members (people known to be with a partner organisation)."""
    person = await known_person(uow, place, actor.user)
    if person is None:
        return False
    return place.is_facilitator(person) or person.organisation_key is not None


async def show_health(
    services: Services, actor: Actor, conversation: ConversationRef, arguments: Sequence[str]
) -> None:
    """`/compact health ...`: the matrix and the open review triggers, privately."""
    query = parse_query(arguments)
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        if not await _allowed(uow, place, actor):
            raise NotAllowed(words.HEALTH_ONLY_MEMBERS)
        person = await known_person(uow, place, actor.user)
        facilitator = person is not None and place.is_facilitator(person)
        _check_scope(place.compact, query.scope)
        span = _span(query, await current_quarter(uow, place.partnership_id, now))
        report = await compose(uow, place.partnership_id, place.compact, span, now)
        states = await uow.reviews.states(place.partnership_id, span_key(span))
    if query.scope:
        report = report.for_scope(query.scope)
    items = review_items(report.triggers, states)
    message = views.health(report, place.compact, items, scope=query.scope, facilitator=facilitator)
    await services.tell(actor.user, message, near=conversation)


# --- Facilitators act on a trigger ----------------------------------------------------------------


async def mark_review(
    services: Services,
    actor: Actor,
    conversation: ConversationRef,
    arguments: Sequence[str],
    *,
    request_key: str | None = None,
) -> None:
    """`/compact review <clause-id> discussed|revised [--quarter 2026-Q4]` (and the buttons on
    the health message): every trigger of that clause in the span takes the new status."""
    step_words = [w for w in arguments if w.lower() in REVIEW_STEPS]
    if len(step_words) != 1:
        raise InvalidInput(words.REVIEW_HOW)
    query = parse_query([w for w in arguments if w.lower() not in REVIEW_STEPS])
    if not query.scope:
        raise InvalidInput(words.REVIEW_HOW)
    status = REVIEW_STEPS[step_words[0].lower()]
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        person = await known_person(uow, place, actor.user)
        if person is None or not place.is_facilitator(person):
            raise NotAllowed(words.REVIEW_ONLY_FACILITATORS)
        if not place.compact.has_clause(query.scope):
            raise InvalidInput(words.REVIEW_UNKNOWN_CLAUSE.format(clause=query.scope))
        if request_key and not await services.request_keys.first_time(uow, request_key, now):
            return  # a double-click: already done
        span = _span(query, await current_quarter(uow, place.partnership_id, now))
        report = await compose(uow, place.partnership_id, place.compact, span, now)
        mine = [t for t in report.triggers if t.clause_id == query.scope]
        if not mine:
            raise NotFound(words.REVIEW_NO_TRIGGER.format(clause=query.scope, span=span_key(span)))
        await uow.reviews.record(
            place.partnership_id,
            [TriggerState(t.clause_id, t.kind, span_key(span), status) for t in mine],
            now,
        )
        await uow.commit()
    log.info("a review of a clause was marked %s", status.value)
    text = words.REVIEW_MARKED[status.value].format(clause=query.scope, span=span_key(span))
    await services.tell(actor.user, notice(text), near=conversation)


# --- The digest and new compact versions ----------------------------------------------------------


async def triggers_to_announce(
    uow: UnitOfWork, place: Place, period_label: str, period_end: datetime, *, record: bool
) -> tuple[ReviewTrigger, ...]:
    """The review triggers a digest for a period announces: those of the quarter its last
    moment is in, as of its end, that no earlier digest announced; recorded as announced
    (in `uow`, for the caller to commit) when `record`."""
    span = await current_quarter(uow, place.partnership_id, period_end - _INSTANT)
    # The triggers alone: facts from the quarter's start only, no matrix (see review_triggers).
    end = max(span.start, min(span.end, period_end))
    facts = await _facts(uow, place.partnership_id, place.compact, span, span.start, end)
    triggers = review_triggers(compact=place.compact, facts=facts, span=span)
    states = await uow.reviews.states(place.partnership_id, span_key(span))
    fresh = newly_reported(triggers, states, period_label)
    if record and fresh:
        announced = [
            TriggerState(t.clause_id, t.kind, span_key(span), reported_in=period_label)
            for t in fresh
        ]
        await uow.reviews.record(place.partnership_id, announced, period_end)
    return fresh


async def close_reworded(
    uow: UnitOfWork, stored: StoredCompact, reworded: Sequence[str], now: datetime
) -> int:
    """A new version rewords `reworded`: their triggers, stored or firing now, close and
    point to the new wording (`revised_in`)."""
    if not reworded:
        return 0
    pid = stored.partnership_id
    span = await current_quarter(uow, pid, now)
    report = await compose(uow, pid, stored.compact, span, now)
    states = await uow.reviews.states(pid, span_key(span))
    firing = [
        TriggerState(
            t.clause_id, t.kind, span_key(span), ReviewStatus.REVISED, None, stored.version
        )
        for t in report.triggers
        if t.clause_id in reworded and (t.clause_id, t.kind) not in states
    ]
    await uow.reviews.record(pid, firing, now)
    return len(firing) + await uow.reviews.close_revised(pid, reworded, stored.version, now)
