"""The compact's health for one partnership: stored facts in, `compose_health` out.

A straightforward version built on the repositories' existing reads (reflections between two
moments, the exported call-outs, the compact's people), so the dashboard has its data; the
pages call only `health_report`.
"""

from __future__ import annotations

from collections import defaultdict

from bot.services import Services
from rituals.callout import CalloutStatus
from rituals.compact import Compact
from rituals.errors import NotFound
from rituals.health import (
    CalloutHealthFact,
    Disclosure,
    HealthFacts,
    HealthReport,
    ReflectionFact,
    Span,
    compose_health,
    quarter_containing,
)
from rituals.reflection import ReflectionRecord
from rituals.stored import ExportedCallout


async def health_report(
    services: Services, partnership_id: int, span: Span | None = None
) -> HealthReport:
    """The partnership's health over `span` (by default the quarter now falls in, in the
    digest's time zone), with trends against the span before it."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(partnership_id)
        if stored is None:
            raise NotFound("There is no such partnership.")
        zone = (await uow.schedules.get(partnership_id)).tzinfo
        span = span or quarter_containing(now, zone)
        before = span.previous()
        records = await uow.reflections.records_between(partnership_id, before.start, span.end)
        callouts = await uow.callouts.export_rows(partnership_id)
        mentioned = await uow.reflections.clause_last_mentioned(
            partnership_id, before=before.start, include_callouts=False
        )
    facts = HealthFacts(
        reflections=[_reflection(record) for record in records],
        callouts=[_callout(row) for row in callouts],
        members=_members(stored.compact, records),
        last_cited={clause: moment.astimezone(zone).date() for clause, moment in mentioned.items()},
    )
    return compose_health(compact=stored.compact, facts=facts, span=span, now=now)


def _reflection(record: ReflectionRecord) -> ReflectionFact:
    return ReflectionFact(
        record.author_name, record.organisation_id, record.clause_ids, record.recorded_at
    )


def _callout(row: ExportedCallout) -> CalloutHealthFact:
    """The reporter's organisation is not in the export, so every call-out counts on the
    'about' side and under the undisclosed reporter."""
    return CalloutHealthFact(
        clause_id=row.clause_id,
        about_organisation_id=row.about_organisation_key,
        disclosure=Disclosure.ANONYMOUS if row.anonymous else Disclosure.NAMED,
        reporter_organisation_id=None,
        status=CalloutStatus(row.status),
        raised_on=row.raised_on,
        discussed_on=row.discussed_on,
        resolved_on=row.resolved_on,
        learning_notes=(row.learning_note,) if row.learning_note else (),
    )


def _members(compact: Compact, records: list[ReflectionRecord]) -> dict[str, frozenset[str]]:
    members: defaultdict[str, set[str]] = defaultdict(set)
    for person in compact.people:
        members[person.organisation_id].add(person.name)
    for record in records:
        if record.organisation_id is not None:
            members[record.organisation_id].add(record.author_name)
    return {organisation: frozenset(people) for organisation, people in members.items()}
