"""Work nobody asks for in a request: the periodic tick, the weekly digests, the health check.

Used by the scheduler (`bot.scheduler`), `compact-bot digest send` (`bot.cli`) and the web
server's tick and `/healthz` (`bot.web`); adapters never see it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from bot import metrics, words
from bot.request_keys import day_of
from bot.services import Services
from bot.usecases.callout_summary import send_due_summaries
from bot.usecases.digest_send import (
    DIGESTS_AT_ONCE,
    Outcome,
    SendResult,
    catch_up,
    resend_unfinished,
    scheduled_period,
    send_all,
    send_digest,
)
from bot.usecases.digests import period_named, week_containing
from bot.usecases.people import PeopleService
from bot.usecases.retention import RetentionDone, run_retention
from bot.usecases.rounds import RoundService
from rituals.schedule import DigestSchedule, latest_due

# How often a replica looks for daily summaries that are due (each goes out once anyway).
SUMMARY_EVERY: Final = timedelta(minutes=1)


class Maintenance:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._restamp_due = _random_moment_in_the_hour_after(services.clock.now())
        self._rounds = RoundService(services, PeopleService(services).greet)
        self._digests_at_once = asyncio.Semaphore(DIGESTS_AT_ONCE)
        self._summaries_looked_at: datetime | None = None

    async def tick(self) -> int:
        """Time out due turns, remind people whose turn is about to move on, forget old
        request keys, re-stamp anonymous call-outs once an hour, and send the facilitators'
        daily summaries that are due (looked for once a minute); called every few seconds by
        every replica."""
        timed_out = await self._rounds.time_out_due_turns()
        await self._rounds.remind_turns_ending()
        now = self.services.clock.now()
        async with self.services.database.unit_of_work() as uow:
            await self.services.request_keys.forget_old(uow, now)
            await uow.commit()
        if now >= self._restamp_due:
            await self.restamp_anonymous_callouts()
        if self._summaries_looked_at is None or now - self._summaries_looked_at >= SUMMARY_EVERY:
            self._summaries_looked_at = now
            await send_due_summaries(self.services)
        return timed_out

    async def restamp_anonymous_callouts(self) -> int:
        """Rewrite the anonymous call-outs of the last two days, and the request keys of
        those days, in one transaction, at a random moment of each hour: on PostgreSQL, the
        order of transaction ids then places them at that moment, not when they were raised
        or withdrawn (docs/privacy.md, "What ordering gives away"); how many call-outs."""
        now = self.services.clock.now()
        since = day_of(now) - RESTAMP_SPAN
        async with self.services.database.unit_of_work() as uow:
            count = await uow.callouts.restamp_anonymous(since)
            await uow.requests.restamp_since(since)
            await uow.commit()
        self._restamp_due = _random_moment_in_the_hour_after(now)
        return count

    async def run_retention(self) -> RetentionDone:
        """Erase what has been kept long enough (the scheduler's daily job, and
        `compact-bot retention run`); the time is the services' clock."""
        return await run_retention(self.services)

    async def ping(self) -> None:
        """Raise unless the database answers (the health check)."""
        await self.services.database.ping()

    # --- the weekly digest (run by the scheduler and `compact-bot digest send`) ----------------
    async def digest_schedules(self) -> dict[int, DigestSchedule]:
        """Every partnership's digest schedule, by partnership id."""
        async with self.services.database.unit_of_work() as uow:
            ids = await uow.compacts.partnership_ids()
            return await uow.schedules.all(ids)

    async def send_scheduled_digest(self, partnership_id: int) -> SendResult:
        """The scheduler's job: the period follows from the time it runs. Thousands of
        partnerships due at the same minute go out `DIGESTS_AT_ONCE` at a time."""
        async with self._digests_at_once:
            async with self.services.database.unit_of_work() as uow:
                schedule = await uow.schedules.get(partnership_id)
            due = latest_due(schedule, self.services.clock.now())
            period = scheduled_period(due, schedule.zone)
            result = await send_digest(self.services, partnership_id, period, scheduled=True)
        return self._counted([result])[0]

    async def send_digests(self, slug: str | None, period_label: str | None) -> list[SendResult]:
        """`compact-bot digest send`: one partnership (by slug) or all; the current ISO week
        unless a period is named. Idempotent: a period already sent is not sent again."""
        async with self.services.database.unit_of_work() as uow:
            stored_all = await uow.compacts.latest_all()
            chosen = [s for s in stored_all if slug is None or s.partnership_slug == slug]
            if not stored_all:
                raise LookupError(words.DIGEST_NO_PARTNERSHIP)
            if not chosen:
                raise LookupError(
                    words.DIGEST_UNKNOWN_PARTNERSHIP.format(
                        slug=slug, known=", ".join(sorted(s.partnership_slug for s in stored_all))
                    )
                )
            schedules = await uow.schedules.all([s.partnership_id for s in chosen])
        now = self.services.clock.now()
        periods = {
            s.partnership_id: period_named(label, schedules[s.partnership_id].tzinfo)
            if (label := period_label)
            else week_containing(now, schedules[s.partnership_id].tzinfo)
            for s in chosen
        }
        return self._counted(
            await send_all(self.services, periods, self._digests_at_once, unattended=slug is None)
        )

    async def resend_unfinished_digests(self) -> list[SendResult]:
        return self._counted(await resend_unfinished(self.services))

    async def catch_up_digests(
        self, schedules: Mapping[int, DigestSchedule], grace: timedelta
    ) -> list[SendResult]:
        """Digests due within `grace` under `schedules` (as `digest_schedules` read them)
        that nobody claimed (see `digest_send.catch_up`)."""
        return self._counted(await catch_up(self.services, schedules, grace, self._digests_at_once))

    def _counted(self, results: list[SendResult]) -> list[SendResult]:
        """Count digests sent, failed and skipped (`/metrics`); one already sent or being
        sent elsewhere is nobody's news."""
        for result in results:
            outcome = DIGEST_OUTCOMES.get(result.outcome)
            if outcome is not None:
                self.services.metrics.digest(outcome)
        return results

    async def measure(self) -> None:
        """Refresh the gauges read from the database, for a scrape of `/metrics`."""
        async with self.services.database.unit_of_work() as uow:
            inbox, outbox = await uow.inbox.count(), await uow.outbox.count()
            rounds_open = await uow.rounds.count_open()
        gauges = self.services.metrics
        gauges.work_queued.labels(where="inbox").set(inbox)
        gauges.work_queued.labels(where="outbox").set(outbox)
        gauges.rounds_open.set(rounds_open)


DIGEST_OUTCOMES = {
    Outcome.SENT: metrics.SENT,
    Outcome.FAILED: metrics.FAILED,
    Outcome.INCOMPLETE: metrics.FAILED,
    Outcome.NOWHERE: metrics.SKIPPED,
    Outcome.OFF: metrics.SKIPPED,
    Outcome.SKIPPED_OFF: metrics.SKIPPED,
    Outcome.SKIPPED_NOWHERE: metrics.SKIPPED,
}


# Anonymous call-outs store their day (UTC): those of today and yesterday are re-stamped.
RESTAMP_SPAN: Final = timedelta(days=1)


def _random_moment_in_the_hour_after(now: datetime) -> datetime:
    """A moment chosen at random within the hour following `now`'s hour."""
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return next_hour + timedelta(seconds=secrets.randbelow(3600))
