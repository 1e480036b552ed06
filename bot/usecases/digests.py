"""Composing the weekly digest from stored facts (a constant number of queries)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.services import Services
from bot.usecases.health import triggers_to_announce
from bot.usecases.place import Place, place_of
from bot.views import digest as views
from rituals.compact import Compact
from rituals.digest import (
    CalloutFact,
    Digest,
    RoundHeld,
    WeekCounts,
    compose_digest,
    count_weeks,
)
from rituals.reflection import ReflectionRecord
from rituals.refs import ConversationRef

DEFAULT_ZONE = ZoneInfo("Europe/London")
WEEK = timedelta(weeks=1)
CHART_WEEKS = 7  # earlier weeks drawn beside this one


@dataclass(frozen=True, slots=True)
class Period:
    """An ISO week in the partnership's time zone, e.g. 2026-W48, as UTC-aware bounds."""

    label: str
    start: datetime
    end: datetime


def week_containing(moment: datetime, zone: ZoneInfo = DEFAULT_ZONE) -> Period:
    """The ISO week (Monday to Monday, local time) that `moment` falls in."""
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    year, week, _ = monday.isocalendar()
    return Period(f"{year}-W{week:02d}", start, end)


def period_named(label: str, zone: ZoneInfo = DEFAULT_ZONE) -> Period:
    """The ISO week named like `2026-W48`; a clear error for anything else."""
    try:
        year, week = label.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"'{label}' is not an ISO week; write it like 2026-W48") from None
    return week_containing(datetime.combine(monday, time(12), tzinfo=zone), zone)


async def compose_for(
    uow: UnitOfWork, place: Place, period: Period, now: datetime, *, announce: bool = False
) -> Digest:
    """The digest of `period`, with the chart's earlier weeks counted from the same two loads
    (a constant number of queries, however many reflections there are), and the clauses newly
    proposed for review; `announce` records them as announced (the caller commits)."""
    partnership = place.partnership_id
    history_start = period.start - CHART_WEEKS * WEEK
    rounds = await uow.rounds.held_between(partnership, history_start, period.end)
    reflections = await uow.reflections.records_between(partnership, history_start, period.end)
    callouts = await uow.callouts.facts_between(partnership, history_start, period.end)
    # Untouched since before the chart's weeks began (so not among `callouts`): only the
    # "still open" counts need them.
    live = [
        CalloutFact.from_callout(c)
        for c in await uow.callouts.open_agenda(partnership)
        if c.status_changed_at < history_start
    ]
    # As of the period's end, so a digest sent late says what it would have said on time.
    last_mentioned = await uow.reflections.clause_last_mentioned(partnership, before=period.end)
    digest = compose_digest(
        compact=place.compact,
        period_start=period.start,
        period_end=period.end,
        rounds=rounds,
        reflections=reflections,
        callouts=callouts,
        clause_last_mentioned=last_mentioned,
        now=now,
        live_callouts=live,
        weekly_history=_weeks_with_data(
            place.compact, history_start, period.start, (rounds, reflections, callouts)
        ),
    )
    triggers = await triggers_to_announce(uow, place, period.label, period.end, record=announce)
    return dataclasses.replace(digest, review_triggers=triggers)


def _weeks_with_data(
    compact: Compact,
    start: datetime,
    end: datetime,
    records: tuple[Sequence[RoundHeld], Sequence[ReflectionRecord], Sequence[CalloutFact]],
) -> list[WeekCounts]:
    """Chart points for the weeks before this one, from the first week that has any data, so
    a picture appears only once there are at least two weeks to compare; each under the
    group-size rule as its own digest was."""
    bounds = [start]
    while bounds[-1] < end:
        bounds.append(bounds[-1] + WEEK)  # a calendar week: local midnight to local midnight
    rounds, reflections, callouts = records
    weeks = count_weeks(
        bounds, compact=compact, rounds=rounds, reflections=reflections, callouts=callouts
    )
    first = next(
        (i for i, w in enumerate(weeks) if w.clauses_celebrated or w.callouts_raised), len(weeks)
    )
    return weeks[first:]


async def preview_digest(services: Services, actor: Actor, conversation: ConversationRef) -> None:
    """`/compact digest preview`: this week's digest so far, shown only to the asker."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        digest = await compose_for(uow, place, week_containing(now), now)
    await services.tell(
        actor.user, views.digest(digest, place.compact, preview=True), near=conversation
    )
