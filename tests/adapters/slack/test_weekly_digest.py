"""The weekly digest through Slack: on schedule across a daylight-saving change, exactly once
per period and channel, finished after a crash, and late or skipped around downtime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot.scheduler import GRACE, DigestScheduler, weekly_trigger
from bot.usecases.compacts import load_compact_file
from bot.usecases.digest_send import Outcome
from rituals.errors import InvalidInput
from rituals.schedule import DigestSchedule, parse_schedule
from storage.database import Database
from storage.models import DigestSentRow
from tests.adapters.slack.fake_slack import Posted
from tests.adapters.slack.harness import (
    ALICE,
    CHANNEL,
    SlackWorld,
    compact_with_slack_ids,
    slack_world,
)

LONDON = ZoneInfo("Europe/London")
OTHER_CHANNEL = "C0SECOND"


def digests_in(world: SlackWorld, channel: str) -> list[Posted]:
    return [m for m in world.slack.in_channel(channel) if "Weekly compact digest" in m.all_text]


async def partnership_id(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return (await uow.compacts.latest_all())[0].partnership_id


def test_schedules_are_parsed_with_errors_beside_their_fields() -> None:
    schedule = parse_schedule(day="tue", at="16.30", zone="Europe/Paris", enabled="no")
    assert schedule == DigestSchedule(1, time(16, 30), "Europe/Paris", False)
    assert schedule.describe() == "Tuesdays at 16:30 (Europe/Paris)"
    for fields, field in (
        ({"day": "someday"}, "day"),
        ({"at": "25:00"}, "at"),
        ({"zone": "Mars/Olympus"}, "zone"),
    ):
        given = {"day": "monday", "at": "09:00", "zone": "Europe/London", **fields}
        with pytest.raises(InvalidInput) as problem:
            parse_schedule(enabled="yes", **given)
        assert problem.value.field == field


async def test_ten_weeks_across_a_clock_change_give_ten_digests_per_channel(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        await world.people.command(ALICE, "link nhs-vmi", channel=OTHER_CHANNEL)
        await world.slack.wait_for(lambda: world.slack.in_channel(OTHER_CHANNEL))
        pid = await partnership_id(database)
        trigger = weekly_trigger(DigestSchedule())  # Mondays 09:00 Europe/London
        # From early October, over the end of British Summer Time (25 October 2026).
        fire = trigger.get_next_fire_time(None, datetime(2026, 10, 1, tzinfo=UTC))
        fired: list[datetime] = []
        for _ in range(10):
            fired.append(fire)
            world.clock.moment = fire.astimezone(UTC)
            first = await world.wiring.maintenance.send_scheduled_digest(pid)
            again = await world.wiring.maintenance.send_scheduled_digest(pid)  # a retried job
            assert (first.outcome, again.outcome) == (Outcome.SENT, Outcome.ALREADY)
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        assert all(f.astimezone(LONDON).time() == time(9, 0) for f in fired)
        assert {f.astimezone(UTC).hour for f in fired} == {8, 9}  # summer time, then winter
        for channel in (CHANNEL, OTHER_CHANNEL):
            assert len(digests_in(world, channel)) == 10
        async with database.unit_of_work() as uow:
            periods = (await uow.session.execute(select(DigestSentRow.period))).scalars().all()
        assert sorted(periods) == [f"2026-W{week}" for week in range(40, 50)]


async def test_a_sender_that_died_after_claiming_is_finished_once(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        await world.people.command(ALICE, "link nhs-vmi", channel=OTHER_CHANNEL)
        await world.slack.wait_for(lambda: world.slack.in_channel(OTHER_CHANNEL))
        pid = await partnership_id(database)
        app = world.wiring.maintenance
        # The crashed sender claimed the week and reached the first channel, then died.
        async with database.unit_of_work() as uow:
            assert await uow.digests.claim(pid, "2026-W47", world.clock.now())
            await uow.digests.record_post(
                pid, "2026-W47", f"slack:T0PARTNER:{CHANNEL}:1.1", world.clock.now()
            )
            await uow.commit()
        # Another sender (a second replica, or `digest send`) is refused meanwhile.
        results = await app.send_digests("nhs-vmi", "2026-W47")
        assert [r.outcome for r in results] == [Outcome.IN_PROGRESS]
        assert await app.resend_unfinished_digests() == []  # not stale yet
        world.clock.advance(timedelta(minutes=31))
        finished = await app.resend_unfinished_digests()
        assert [r.outcome for r in finished] == [Outcome.SENT]
        assert (len(digests_in(world, CHANNEL)), len(digests_in(world, OTHER_CHANNEL))) == (0, 1)
        assert await app.resend_unfinished_digests() == []
        assert [r.outcome for r in await app.send_digests(None, "2026-W47")] == [Outcome.ALREADY]
        assert len(digests_in(world, OTHER_CHANNEL)) == 1


class FiresOnceNow(BaseTrigger):  # type: ignore[misc]
    """A trigger due the moment its job is added, then never again."""

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        return now if previous is None else None


class Never(BaseTrigger):  # type: ignore[misc]
    """A trigger that never fires: only the catch-up can send."""

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        return None


class Passes:
    """The scheduler's sleep between passes, made instant: after `count` passes the scheduler
    is parked (still leader, its jobs still live) and `done` is set. No real waiting."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.done = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.left -= 1
        if self.left <= 0:
            self.done.set()
            await asyncio.Event().wait()  # parked until cancelled
        await asyncio.sleep(0)


@asynccontextmanager
async def scheduling(
    world: SlackWorld,
    database: Database,
    *,
    passes: int = 1,
    grace: timedelta = GRACE,
    trigger: Callable[[DigestSchedule], BaseTrigger] = lambda _schedule: Never(),
) -> AsyncIterator[DigestScheduler]:
    """A `DigestScheduler` that has run `passes` passes (the first takes the lease and
    catches up), parked as leader for the block, then stopped."""
    sleep = Passes(passes)
    scheduler = DigestScheduler(
        world.wiring.maintenance,
        database.engine.url.render_as_string(hide_password=False),
        grace=grace,
        trigger_for=trigger,
        sleep=sleep,
    )
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.wait_for(sleep.done.wait(), timeout=30)
        assert scheduler.is_leader
        yield scheduler
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_downtime_within_the_grace_window_delivers_late_and_longer_skips_with_a_note(
    database: Database, tmp_path: Path
) -> None:
    """The scheduler's jobs live in memory, so a run due while no process was scheduling is
    owed by the database: the next leader's first pass sends it within the grace window."""
    async with slack_world(database, tmp_path) as world:
        grace = timedelta(seconds=3)
        # Week 47 went out normally.
        world.clock.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        await world.wiring.maintenance.send_scheduled_digest(await partnership_id(database))
        assert len(digests_in(world, CHANNEL)) == 1

        # Week 48's run is due while the service is down; it comes back 1 s late: sent, once.
        world.clock.moment = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)
        async with scheduling(world, database, grace=grace, passes=3):
            pass
        assert len(digests_in(world, CHANNEL)) == 2

        # Week 49's run is missed by more than the grace window: skipped.
        world.clock.moment = datetime(2026, 12, 7, 9, 0, 10, tzinfo=UTC)
        async with scheduling(world, database, grace=grace, passes=3):
            pass
        assert len(digests_in(world, CHANNEL)) == 2

        # The next week's digest says one was missed.
        world.clock.moment = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
        await world.wiring.maintenance.send_scheduled_digest(await partnership_id(database))
        latest = digests_in(world, CHANNEL)[-1].all_text
        assert "The digest for 2026-W49 could not be sent" in latest


async def test_the_leaders_job_sends_the_digest_when_due_and_once(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        app = world.wiring.maintenance
        # Thursday: Monday's digest is owed by nobody (past the grace window), so only the
        # job can send one, for the week that ended.
        world.clock.moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
        assert await app.catch_up_digests(await app.digest_schedules(), GRACE) == []
        async with scheduling(world, database, passes=3, trigger=lambda _s: FiresOnceNow()):
            await world.slack.wait_for(lambda: digests_in(world, CHANNEL), what="the digest")
        # Each pass re-made the finished job, which fired again: still one digest.
        assert len(digests_in(world, CHANNEL)) == 1
        async with database.unit_of_work() as uow:
            periods = (await uow.session.execute(select(DigestSentRow.period))).scalars().all()
        assert periods == ["2026-W48"]


async def test_a_run_missed_by_more_than_the_grace_window_is_skipped_by_the_scheduler(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_world(database, tmp_path) as world:
        world.clock.moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
        long_ago = DateTrigger(run_date=datetime(2000, 1, 3, 9, 0, tzinfo=UTC))
        with caplog.at_level(logging.WARNING, logger="apscheduler"):
            async with scheduling(world, database, trigger=lambda _s: long_ago):
                await world.slack.wait_for(
                    lambda: [r for r in caplog.records if "was missed by" in r.getMessage()],
                    what="the scheduler's misfire",
                )
        assert digests_in(world, CHANNEL) == []


async def test_the_jobs_follow_the_stored_schedules(database: Database, tmp_path: Path) -> None:
    """Jobs are made from `digest_schedules` on every pass: a changed schedule moves its job,
    a switched-off one loses it."""
    async with slack_world(database, tmp_path) as world:
        pid = await partnership_id(database)
        async with scheduling(world, database, trigger=weekly_trigger) as scheduler:
            (first,) = scheduler.planned().values()
            assert first is not None
            assert first.astimezone(LONDON).time() == time(9, 0)
            assert first.weekday() == 0
        async with database.unit_of_work() as uow:
            await uow.schedules.save(
                pid, DigestSchedule(2, time(16, 30), "Europe/Paris"), world.clock.now()
            )
            await uow.commit()
        async with scheduling(world, database, passes=1, trigger=weekly_trigger) as scheduler:
            (moved,) = scheduler.planned().values()
            assert moved is not None
            paris = moved.astimezone(ZoneInfo("Europe/Paris"))
            assert (paris.weekday(), paris.time()) == (2, time(16, 30))
        async with database.unit_of_work() as uow:
            await uow.schedules.save(
                pid, DigestSchedule(2, time(16, 30), "Europe/Paris", False), world.clock.now()
            )
            await uow.commit()
        async with scheduling(world, database, trigger=weekly_trigger) as scheduler:
            assert scheduler.planned() == {}


async def test_a_digest_with_two_weeks_of_data_carries_a_chart_picture(
    database: Database, tmp_path: Path
) -> None:
    """Alice alone answers each week, so the chart shows only where the partnership's
    `privacy.min_group` is 1 (at the default 3 it would single her out)."""
    async with slack_world(database, tmp_path) as world:
        alone = tmp_path / "alone.yaml"
        text = compact_with_slack_ids(tmp_path).read_text()
        alone.write_text(text + "\nprivacy: {min_group: 1}\n")
        await load_compact_file(world.wiring.services, alone)
        app, people, slack = world.wiring.maintenance, world.people, world.slack
        for week in range(2):  # a round in each of two weeks, each celebrating a clause
            world.clock.moment = datetime(2026, 11, 9 + 7 * week, 16, 0, tzinfo=UTC)
            await people.command(ALICE, f"reflect <@{ALICE}|alice>", channel=CHANNEL)
            prompt = await slack.wait_for(
                lambda week=week: [
                    m for m in slack.in_channel(CHANNEL) if "your turn" in m.all_text
                ][week:]
            )
            await people.reply(ALICE, CHANNEL, prompt[0].thread_ts or "", f"Week {week} env-r1")
            await slack.wait_for(
                lambda week=week: (
                    len([m for m in slack.private_to(ALICE) if "Thank you" in m.all_text]) > week
                )
            )
            await people.click(ALICE, prompt[0], "round.end")
            await slack.wait_for(
                lambda week=week: (
                    len([m for m in slack.in_channel(CHANNEL) if "What we learned" in m.all_text])
                    > week
                )
            )
        world.clock.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        result = await app.send_scheduled_digest(await partnership_id(database))
        assert result.outcome is Outcome.SENT
        uploaded = await slack.wait_for(
            lambda: [f for f in slack.files.values() if f.get("channel")]
        )
        assert uploaded[0]["channel"] == CHANNEL
        assert uploaded[0]["bytes"].startswith(b"\x89PNG")
        assert "week by week" in uploaded[0]["title"]


async def test_a_digest_whose_job_was_lost_is_caught_up_once(
    database: Database, tmp_path: Path
) -> None:
    """The leader died mid-fan-out: no job, no claim. Whoever leads next sends what is owed
    (within the grace window), once; a digest owed for longer than that is left alone."""
    async with slack_world(database, tmp_path) as world:
        app = world.wiring.maintenance
        world.clock.moment = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 6 h after Monday 09:00
        (caught,) = await app.catch_up_digests(await app.digest_schedules(), timedelta(hours=12))
        assert (caught.period, caught.outcome) == ("2026-W48", Outcome.SENT)
        assert await app.catch_up_digests(await app.digest_schedules(), timedelta(hours=12)) == []
        assert len(digests_in(world, CHANNEL)) == 1
        world.clock.moment = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)  # 13 h after: too late
        assert await app.catch_up_digests(await app.digest_schedules(), timedelta(hours=12)) == []
        assert len(digests_in(world, CHANNEL)) == 1
