"""The weekly digest's scheduler: APScheduler 3 with its jobs in memory, one leader.

Only the leader schedules. Leadership is a lease: on PostgreSQL an advisory lock held on a
dedicated connection (released by the server the moment that connection dies, so a new
leader takes over within `RETRY_EVERY`); on SQLite an exclusive lock on a file beside the
database (one process). Every replica keeps trying; whoever holds the lease schedules.

Jobs: retention once a day (`Maintenance.run_retention`); one digest job per partnership, a
cron trigger in the partnership's time zone (09:00 stays 09:00 across daylight-saving
changes), `coalesce` so a backlog runs once, and a misfire grace window (default 12
hours). Jobs live in memory, made from `digest_schedules` on every reconcile: no
job is ever stored, so write access to the database never means code execution (a stored
APScheduler job is a pickle). A digest missed while no leader ran is owed by the database
(`catch_up_digests`, within the grace window); missed by more, it is skipped and the next
digest says so. Turn timeouts do not live here: they are due times stored with each round,
advanced by every replica's tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import URL, make_url

from bot.maintenance import Maintenance
from rituals.schedule import WEEKDAYS, DigestSchedule

log = logging.getLogger("compact.scheduler")

GRACE: Final = timedelta(hours=12)
RETRY_EVERY: Final = timedelta(seconds=10)
RECONCILE_EVERY: Final = timedelta(seconds=30)
LOCK_KEY: Final = 0x436F6D7061637431  # "Compact1": this application's advisory lock
JOB_PREFIX: Final = "digest:"
RETENTION_JOB: Final = "retention"
# Retention runs once a day, at a quiet hour (UTC), on the leader only.
RETENTION_TRIGGER: Final = CronTrigger(hour=3, minute=17, timezone="UTC")

TriggerFor = Callable[[DigestSchedule], BaseTrigger]
Sleep = Callable[[float], Awaitable[None]]


def weekly_trigger(schedule: DigestSchedule) -> BaseTrigger:
    """Every week on the schedule's day and local time, in its zone."""
    return CronTrigger(
        day_of_week=WEEKDAYS[schedule.weekday][:3],
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=schedule.tzinfo,
    )


class Lease(Protocol):
    async def acquire(self) -> bool: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...


class PostgresLease:
    """`pg_try_advisory_lock` on a connection of its own, kept open while leader."""

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: Any = None

    async def acquire(self) -> bool:
        import asyncpg

        if self._connection is None or self._connection.is_closed():
            # Keepalives, so PostgreSQL notices a leader whose host died (and frees the lock)
            # within about a minute rather than the operating system's two hours.
            self._connection = await asyncpg.connect(
                self._dsn,
                timeout=10,
                server_settings={
                    "tcp_keepalives_idle": "20",
                    "tcp_keepalives_interval": "10",
                    "tcp_keepalives_count": "3",
                },
            )
        held = await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        return bool(held)

    async def still_held(self) -> bool:
        try:
            return bool(
                await asyncio.wait_for(
                    self._connection.fetchval(
                        "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid() AND granted"
                    ),
                    timeout=10,
                )
            )
        except Exception:
            log.warning("lost the scheduler lease's connection")
            return False

    async def release(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None


class FileLease:
    """An exclusive `flock` on a file beside the SQLite database: one process schedules."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lease_for(url: URL) -> Lease:
    if url.get_backend_name() == "postgresql":
        return PostgresLease(url)
    database = url.database or "compact-rituals.sqlite3"
    return FileLease(Path(database).with_suffix(".scheduler-lock"))


class DigestScheduler:
    """Runs APScheduler while this process holds the lease; otherwise keeps trying.
    `sleep` waits between passes (tests pass one that returns at once)."""

    def __init__(
        self,
        app: Maintenance,
        database_url: str | URL,
        *,
        grace: timedelta = GRACE,
        trigger_for: TriggerFor = weekly_trigger,
        retry_every: timedelta = RETRY_EVERY,
        reconcile_every: timedelta = RECONCILE_EVERY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._app = app
        self._url = make_url(database_url) if isinstance(database_url, str) else database_url
        self._grace = grace
        self._trigger_for = trigger_for
        self._retry_every = retry_every
        self._reconcile_every = reconcile_every
        self._sleep = sleep
        self._lease = lease_for(self._url)
        self._scheduler: AsyncIOScheduler | None = None
        self.is_leader = False

    async def run(self) -> None:
        """Until cancelled: become leader when the lease is free, schedule while held."""
        try:
            while True:
                try:
                    if not self.is_leader and await self._lease.acquire():
                        await self._lead()
                    elif self.is_leader:
                        if not await self._lease.still_held():
                            await self._step_down()
                            continue
                        await self._keep_up()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("scheduler step failed; trying again")
                    if not self.is_leader:
                        await self._step_down()  # never hold the lease without scheduling
                every = self._reconcile_every if self.is_leader else self._retry_every
                await self._sleep(every.total_seconds())
        finally:
            await self._step_down()

    async def _lead(self) -> None:
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(self._grace.total_seconds()),
                "max_instances": 1,
            },
            timezone="UTC",
        )
        self._scheduler.add_job(
            self._app.run_retention, trigger=RETENTION_TRIGGER, id=RETENTION_JOB
        )
        self._scheduler.start()
        self.is_leader = True
        log.info("this process now runs the digest scheduler")
        await self._keep_up()

    async def _keep_up(self) -> None:
        """Jobs match the schedules; digests owed (due within the grace window and never
        claimed, e.g. a job lost when a leader died mid-fan-out) and digests left half-sent
        are sent. The database, not the scheduler's memory, says what is owed."""
        schedules = await self._app.digest_schedules()
        self._reconcile(schedules)
        await self._app.catch_up_digests(schedules, self._grace)
        await self._app.resend_unfinished_digests()

    async def _step_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            log.info("this process no longer runs the digest scheduler")
        self.is_leader = False
        await self._lease.release()

    def _reconcile(self, wanted: Mapping[int, DigestSchedule]) -> None:
        """Make the jobs match the stored schedules: add new ones, reschedule changed ones,
        remove switched-off ones, and leave unchanged ones alone (a job re-made on every pass
        could lose a run due during the pass)."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        existing = {job.id: job for job in scheduler.get_jobs()}
        for partnership_id, schedule in wanted.items():
            job_id = f"{JOB_PREFIX}{partnership_id}"
            job = existing.get(job_id)
            name = f"{schedule.weekday}|{schedule.at:%H:%M}|{schedule.zone}"
            if not schedule.enabled:
                if job is not None:
                    scheduler.remove_job(job_id)
                continue
            if job is None:
                scheduler.add_job(
                    self._app.send_scheduled_digest,
                    trigger=self._trigger_for(schedule),
                    id=job_id,
                    name=name,
                    args=[partnership_id],
                    replace_existing=True,
                )
            elif job.name != name:
                scheduler.modify_job(job_id, name=name)
                scheduler.reschedule_job(job_id, trigger=self._trigger_for(schedule))
        for job in existing.values():
            partnership = job.id.removeprefix(JOB_PREFIX)
            if job.id.startswith(JOB_PREFIX) and int(partnership) not in wanted:
                scheduler.remove_job(job.id)

    def planned(self) -> dict[int, datetime | None]:
        """Each scheduled partnership's next run (None: paused); empty unless leader."""
        if self._scheduler is None:
            return {}
        return {
            int(job.id.removeprefix(JOB_PREFIX)): job.next_run_time
            for job in self._scheduler.get_jobs()
            if job.id.startswith(JOB_PREFIX)
        }
