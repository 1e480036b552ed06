"""Composing the weekly digest from stored facts (a constant number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import Place, place_of
from bot.views import digest as views
from rituals.digest import CalloutFact, Digest, compose_digest
from rituals.refs import ConversationRef
from storage.database import SqlUnitOfWork

DEFAULT_ZONE = ZoneInfo("Europe/London")


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


async def compose_for(uow: SqlUnitOfWork, place: Place, period: Period, now: datetime) -> Digest:
    partnership = place.partnership_id
    rounds = await uow.rounds.held_between(partnership, period.start, period.end)
    reflections = await uow.reflections.records_between(partnership, period.start, period.end)
    callouts = await uow.callouts.between(partnership, period.start, period.end)
    last_mentioned = await uow.reflections.clause_last_mentioned(partnership)
    return compose_digest(
        compact=place.compact,
        period_start=period.start,
        period_end=period.end,
        rounds=rounds,
        reflections=reflections,
        callouts=[CalloutFact.from_callout(c) for c in callouts],
        clause_last_mentioned=last_mentioned,
        now=now,
    )


async def preview_digest(services: Services, actor: Actor, conversation: ConversationRef) -> None:
    """`/compact digest preview`: this week's digest so far, shown only to the asker."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        digest = await compose_for(uow, place, week_containing(now), now)
    await services.tell(actor.user, views.digest(digest, place.compact, preview=True))
