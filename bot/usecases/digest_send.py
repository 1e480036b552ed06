"""Sending a partnership's weekly digest exactly once per period, to each of its channels.

The (partnership, period) row is claimed first, in its own transaction: whoever inserts it
owns that digest, and a second claim (another replica, a retried job, `digest send` run
twice at once) is refused. Each channel's message id is recorded as soon as it is posted, so
a sender that crashes half-way is retried (`resend_unfinished`) only where it had not posted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from bot.repositories import UnitOfWork
from bot.services import Services
from bot.usecases.digests import Period, compose_for, period_named, week_containing
from bot.usecases.place import Place
from bot.views import digest as views
from rituals.refs import ConversationRef
from rituals.schedule import DigestSchedule, latest_due

log = logging.getLogger("compact.digest")

# A claim neither marked sent nor refreshed (each channel posted refreshes it) for this long is
# taken over: its sender died mid-way. Longer than any one post's retries can take.
CLAIM_STALE_AFTER: Final = timedelta(minutes=30)
# ... and one that still cannot be finished after a week is left alone (logged each time).
GIVE_UP_AFTER: Final = timedelta(days=7)
# Partnerships whose digest is composed and posted at once, however it was started.
DIGESTS_AT_ONCE: Final = 20
# The local console chat: not where an unattended digest goes.
LOCAL_CONSOLE: Final = "console"


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY = "already sent"
    IN_PROGRESS = "being sent by another process"
    NOWHERE = "no channel to send to"
    OFF = "switched off"
    SKIPPED_OFF = "skipped: the digest is switched off (/compact settings switches it on)"
    SKIPPED_NOWHERE = (
        "skipped: no channel gets it (bind one with /compact link, or switch it on for a "
        "channel in /compact settings)"
    )
    INCOMPLETE = "not every channel could be reached yet (it will be retried)"
    FAILED = "failed (see the log)"


@dataclass(frozen=True, slots=True)
class SendResult:
    slug: str
    period: str
    outcome: Outcome
    posted: tuple[str, ...] = ()


def scheduled_period(due: datetime, zone_name: str) -> Period:
    """The week a scheduled digest reports, from when it was due (not when it ran, which may
    be hours later): the one that ended just before a Monday, the week so far on a later
    day (one digest per ISO week, whatever the day)."""
    return week_containing(due - timedelta(days=1), ZoneInfo(zone_name))


async def send_digest(
    services: Services,
    partnership_id: int,
    period: Period,
    *,
    scheduled: bool = False,
    take_over_stale: bool = False,
    unattended: bool = False,
) -> SendResult:
    """Claim, compose, post to every digest channel, mark sent; idempotent per period.

    `unattended` (every partnership at once): one whose digest is off, or that no chat
    channel gets (the local console is not one), is skipped before its period is claimed,
    so sending it later is still possible."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(partnership_id)
        if stored is None:
            raise LookupError(f"no partnership {partnership_id}")
        schedule = await uow.schedules.get(partnership_id)
        if scheduled and not schedule.enabled:
            return SendResult(stored.partnership_slug, period.label, Outcome.OFF)
        if unattended:
            skipped = await _why_skipped(uow, partnership_id, schedule.enabled)
            if skipped is not None:
                return SendResult(stored.partnership_slug, period.label, skipped)
        claimed = await uow.digests.claim(
            partnership_id,
            period.label,
            now,
            stale_after=CLAIM_STALE_AFTER if take_over_stale else None,
        )
        if not claimed:
            sent = await uow.digests.was_sent(partnership_id, period.label)
            outcome = Outcome.ALREADY if sent else Outcome.IN_PROGRESS
            return SendResult(stored.partnership_slug, period.label, outcome)
        await uow.commit()
    return await _post_claimed(services, Place(partnership_id, stored), period)


async def _why_skipped(uow: UnitOfWork, partnership_id: int, enabled: bool) -> Outcome | None:
    if not enabled:
        return Outcome.SKIPPED_OFF
    channels = await uow.channels.channels_of(partnership_id, digest_only=True)
    if not any(channel.platform != LOCAL_CONSOLE for channel in channels):
        return Outcome.SKIPPED_NOWHERE
    return None


async def _post_claimed(services: Services, place: Place, period: Period) -> SendResult:
    now = services.clock.now()
    partnership_id = place.partnership_id
    async with services.database.unit_of_work() as uow:
        channels = await uow.channels.channels_of(partnership_id, digest_only=True)
        already = await uow.digests.posted(partnership_id, period.label)
        missed = _missed(await uow.digests.sent_periods(partnership_id), period)
        digest = await compose_for(uow, place, period, now, announce=True)
        await uow.commit()  # the review triggers it announces, announced once
    message = views.digest(digest, place.compact, missed=missed)
    posted = list(already)
    unreached = 0
    for channel in channels:
        if any(entry.startswith(_where(channel)) for entry in already):
            continue  # reached before a crash: never twice
        try:
            message_id = await services.gateway(channel.platform).post(channel, message)
        except Exception:
            # One channel failing must not keep the digest from the others; the claim stays
            # unfinished, so this channel is tried again later.
            log.exception(
                "digest %s %s: a %s channel could not be reached",
                place.slug,
                period.label,
                channel.platform,
            )
            unreached += 1
            continue
        entry = f"{_where(channel)}{message_id}"
        posted.append(entry)
        async with services.database.unit_of_work() as uow:
            await uow.digests.record_post(partnership_id, period.label, entry, services.clock.now())
            await uow.commit()
    if unreached:
        return SendResult(place.slug, period.label, Outcome.INCOMPLETE, tuple(posted))
    async with services.database.unit_of_work() as uow:
        await uow.digests.mark_sent(partnership_id, period.label, posted, services.clock.now())
        await uow.commit()
    outcome = Outcome.SENT if channels else Outcome.NOWHERE
    log.info("digest %s %s: %s to %d channel(s)", place.slug, period.label, outcome, len(channels))
    return SendResult(place.slug, period.label, outcome, tuple(posted))


def _where(channel: ConversationRef) -> str:
    return f"{channel.platform}:{channel.tenant}:{channel.channel}:"


def _missed(sent: list[str], period: Period) -> tuple[str, ...]:
    """Weeks between the last digest sent and this one that never went out."""
    earlier = [label for label in sent if label < period.label]
    if not earlier:
        return ()
    weeks: list[str] = []
    zone = period.start.tzinfo if isinstance(period.start.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    cursor = period_named(earlier[-1], zone).end + timedelta(days=1)
    while True:
        week = week_containing(cursor, zone)
        if week.label >= period.label:
            break
        weeks.append(week.label)
        cursor += timedelta(weeks=1)
    return tuple(weeks)


async def resend_unfinished(services: Services) -> list[SendResult]:
    """Finish digests whose sender died between claiming and posting (any replica may)."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        stale = await uow.digests.unsent(now - CLAIM_STALE_AFTER, now - GIVE_UP_AFTER)
        zones = await uow.schedules.all([pid for pid, _ in stale])
    results = []
    for partnership_id, label in stale:
        period = period_named(label, zones[partnership_id].tzinfo)
        try:
            sent = await send_digest(services, partnership_id, period, take_over_stale=True)
        except Exception:
            # One broken partnership must not stop the others' recovery.
            log.exception("finishing the digest of partnership %d failed", partnership_id)
            continue
        results.append(sent)
    return results


async def catch_up(
    services: Services,
    schedules: Mapping[int, DigestSchedule],
    grace: timedelta,
    at_once: asyncio.Semaphore,
) -> list[SendResult]:
    """Send every digest that was due within `grace` and was never claimed: the database,
    not the scheduler's memory, decides what is owed, so a digest whose job was lost (the
    leader restarted or stepped down mid-fan-out) still goes out."""
    now = services.clock.now()
    owed = {
        pid: scheduled_period(due, schedule.zone)
        for pid, schedule in schedules.items()
        if schedule.enabled and now - (due := latest_due(schedule, now)) <= grace
    }
    async with services.database.unit_of_work() as uow:
        claimed = await uow.digests.claimed_among([(p, period.label) for p, period in owed.items()])
    missing = {pid: period for pid, period in owed.items() if (pid, period.label) not in claimed}
    if not missing:
        return []
    log.info("catching up %d digest(s) that were due and not sent", len(missing))
    return await send_all(services, missing, at_once)


async def send_all(
    services: Services,
    period_for: Mapping[int, Period],
    at_once: asyncio.Semaphore,
    *,
    unattended: bool = False,
) -> list[SendResult]:
    """Many partnerships at once, as many at a time as `at_once` lets through (one semaphore
    for every way digests are sent, so a catch-up and the scheduled jobs share one bound;
    posting paces itself per channel)."""

    async def one(partnership_id: int, period: Period) -> SendResult:
        async with at_once:
            try:
                return await send_digest(services, partnership_id, period, unattended=unattended)
            except Exception:
                log.exception("the digest of partnership %d failed", partnership_id)
                return SendResult(str(partnership_id), period.label, Outcome.FAILED)

    return list(await asyncio.gather(*(one(p, period) for p, period in period_for.items())))
