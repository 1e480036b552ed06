"""The partnership's pages (docs/dashboard.md): the dashboard and a meeting's papers, and the
private signed links to them (`/compact dashboard`, `/compact minutes`, the CLI).

The health figures come from `bot.usecases.health.health_report` alone; this module adds
what the page shows beside them (the compact's versions, weekly activity, a meeting's
record), read with a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import words
from bot.links import DASHBOARD, PageLinks, minutes_page
from bot.messages import Message, Paragraph
from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.services import Services
from bot.usecases.health import health_report
from bot.usecases.place import place_of
from rituals.compact import Compact
from rituals.errors import InvalidInput, NotFound
from rituals.health import HealthReport, quarter
from rituals.history import (
    ActivityWeek,
    CompactChanges,
    compact_changes,
    week_bounds,
    weekly_activity,
)
from rituals.reflection import ReflectionRecord
from rituals.refs import ConversationRef
from rituals.stored import StoredCompact

ACTIVITY_WEEKS = 52  # the charts show the year up to the span's end


@dataclass(frozen=True, slots=True)
class DashboardData:
    stored: StoredCompact
    report: HealthReport
    history: list[CompactChanges]
    activity: list[ActivityWeek]
    zone: ZoneInfo

    @property
    def compact(self) -> Compact:
        return self.stored.compact


@dataclass(frozen=True, slots=True)
class DiscussedCallout:
    """A call-out as the meeting's papers show it: what it concerned and what was learned,
    never its own words or who raised it."""

    clause_id: str
    about_organisation_id: str
    status: str
    learning_note: str


@dataclass(frozen=True, slots=True)
class MinutesData:
    stored: StoredCompact
    day: date
    reflections: list[ReflectionRecord]
    callouts: list[DiscussedCallout]

    @property
    def compact(self) -> Compact:
        return self.stored.compact


async def _partnership(uow: UnitOfWork, slug: str) -> tuple[int, StoredCompact, ZoneInfo]:
    partnership_id = await uow.compacts.partnership_id(slug)
    stored = None if partnership_id is None else await uow.compacts.latest_for(partnership_id)
    if partnership_id is None or stored is None:
        raise NotFound(words.PAGE_NO_PARTNERSHIP.format(slug=slug))
    return partnership_id, stored, (await uow.schedules.get(partnership_id)).tzinfo


async def dashboard_data(services: Services, slug: str, span_label: str | None) -> DashboardData:
    """Everything the dashboard shows for `slug` over the quarter `span_label` (or now's)."""
    async with services.database.unit_of_work() as uow:
        partnership_id, _stored, zone = await _partnership(uow, slug)
    span = quarter(span_label, zone) if span_label else None
    report = await health_report(services, partnership_id, span)
    start, end = week_bounds(report.span.end, ACTIVITY_WEEKS, zone)
    async with services.database.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(partnership_id)
        versions = await uow.compacts.versions(partnership_id)
        rounds = await uow.rounds.held_between(partnership_id, start, end)
        callouts = await uow.callouts.facts_between(partnership_id, start, end)
    assert stored is not None  # a partnership's versions are never deleted
    activity = weekly_activity(
        end=report.span.end,
        weeks=ACTIVITY_WEEKS,
        zone=zone,
        rounds=rounds,
        callouts=callouts,
        members=len(stored.compact.people),
        min_group=report.min_group,
    )
    history = compact_changes([(v.version, v.loaded_at, v.compact) for v in versions])
    return DashboardData(stored, report, history, activity, zone)


async def minutes_data(services: Services, slug: str, day: date) -> MinutesData:
    """A meeting's record: the reflections shared that day, the call-outs discussed."""
    async with services.database.unit_of_work() as uow:
        partnership_id, stored, zone = await _partnership(uow, slug)
        start = datetime.combine(day, time.min, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        reflections = await uow.reflections.records_between(partnership_id, start, end)
        exported = await uow.callouts.export_rows(partnership_id)
    callouts = [
        DiscussedCallout(row.clause_id, row.about_organisation_key, row.status, row.learning_note)
        for row in exported
        if day in (row.discussed_on, row.resolved_on)
    ]
    reflections.sort(key=lambda r: (r.round_id, r.recorded_at))
    return MinutesData(stored, day, reflections, callouts)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(words.MINUTES_WHICH_DAY.format(text=text)) from None


# --- Links --------------------------------------------------------------------------------------


def _links(services: Services) -> PageLinks:
    if services.links is None:
        raise LookupError("page links are not configured (no COMPACT_SECRET_KEY)")
    return services.links


def operator_link(services: Services, slug: str, email: str, page: str = DASHBOARD) -> str:
    """`compact-bot dashboard link --for EMAIL`: a link naming that person."""
    links = _links(services)
    return links.url(slug, page, links.person_for_email(email), services.clock.now())


async def send_page_link(
    services: Services, actor: Actor, conversation: ConversationRef, day_text: str | None
) -> None:
    """`/compact dashboard` (no day) or `/compact minutes [YYYY-MM-DD]`: the link, privately."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        zone = (await uow.schedules.get(place.partnership_id)).tzinfo
    links = _links(services)
    person = links.person_for_user(actor.user)
    if day_text is None:
        url = links.url(place.slug, DASHBOARD, person, now)
        text = words.DASHBOARD_LINK
    else:
        day = parse_day(day_text) if day_text else now.astimezone(zone).date()
        url = links.url(place.slug, minutes_page(day), person, now)
        text = words.MINUTES_LINK.format(day=day.isoformat())
    await services.tell(actor.user, _link_message(text, url), near=conversation)


def _link_message(text: str, url: str) -> Message:
    return Message(f"{text} {url}", (Paragraph.of(text), Paragraph.of(url)))
