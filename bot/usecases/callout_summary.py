"""The facilitators' daily call-out summary: new call-outs, withdrawals, replies and review
dates come, sent privately to every facilitator (co-chairs too) once a day at the
partnership's `privacy.summary_at`, never at the moment anything happens.

Run by every replica's tick; the (partnership, day) claim makes each summary go out once.
A process that dies between the claim and the sending loses that day's summary: the agenda
still shows everything (docs/privacy.md, "The facilitators' daily summary").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from bot.repositories import UnitOfWork
from bot.services import Services
from bot.usecases.place import handle_identity
from bot.views import callouts as views
from rituals.callout_summary import (
    DailySummary,
    compose_summary,
    first_day_covered,
    summary_day,
)
from rituals.compact import Compact
from rituals.refs import UserRef
from rituals.stored import StoredCompact

# A withdrawal's stored moment may be the start of its day in UTC: read a day either side.
_MARGIN = timedelta(days=2)


async def send_due_summaries(services: Services) -> int:
    """Send every summary whose local time has come today and is not yet claimed; how many
    went out (a summary with nothing to tell is claimed, not sent)."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        compacts = await uow.compacts.latest_all()
        schedules = await uow.schedules.all([s.partnership_id for s in compacts])
    sent = 0
    for stored in compacts:
        zone = schedules[stored.partnership_id].tzinfo
        day = summary_day(now, stored.compact.privacy.summary_time, zone)
        if day is not None and await _send(services, stored, day, zone):
            sent += 1
    return sent


async def _send(services: Services, stored: StoredCompact, day: date, zone: tzinfo) -> bool:
    """Claim the summary of `day`, compose it in the same transaction, then send it."""
    now = services.clock.now()
    pid = stored.partnership_id
    async with services.database.unit_of_work() as uow:
        first_day = first_day_covered(day, await uow.summaries.last_day(pid))
        if not await uow.summaries.claim(pid, day, now):
            return False
        since = datetime.combine(first_day, time.min, tzinfo=zone) - _MARGIN
        summary = compose_summary(
            day=day,
            first_day=first_day,
            live=await uow.callouts.open_agenda(pid),
            withdrawn=await uow.callouts.withdrawn_since(pid, since),
            replies=await uow.threads.replies_between(pid, first_day, day - timedelta(days=1)),
            tz=zone,
        )
        chairs = await facilitators_everywhere(uow, pid, stored.compact)
        await uow.commit()
    if summary.is_empty:
        return False
    await _tell(services, chairs, summary, stored.compact)
    return True


async def _tell(
    services: Services, chairs: tuple[UserRef, ...], summary: DailySummary, compact: Compact
) -> None:
    message = views.daily_summary(summary, compact.privacy.summary_at)
    for chair in chairs:
        await services.tell(chair, message)


async def facilitators_everywhere(
    uow: UnitOfWork, partnership_id: int, compact: Compact
) -> tuple[UserRef, ...]:
    """Every facilitator (co-chairs too) on every platform the partnership is on, each identity
    once: the file's and stored identities, and on the console their handles."""
    found = set(await uow.people.identities_for_handles(partnership_id, compact.facilitators))
    for channel in await uow.channels.channels_of(partnership_id):
        where = UserRef(channel.platform, channel.tenant, "")
        for handle in compact.facilitators:
            same_person = handle_identity(where, handle)
            if same_person is not None:
                found.add(same_person)
    return tuple(sorted(found, key=lambda user: (user.platform, user.tenant, user.user_id)))
