"""The scheduler's leader runs retention once a day; `privacy.retention` in the compact file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.maintenance import Maintenance
from bot.scheduler import RETENTION_JOB, DigestScheduler
from rituals.compact import RetentionPeriods
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError
from tests.app.harness import EXAMPLE


class Duties:
    """The maintenance calls a leader makes, counted."""

    def __init__(self) -> None:
        self.retention_runs = 0

    async def digest_schedules(self) -> dict[int, Any]:
        return {}

    async def catch_up_digests(self, *_args: Any) -> list[Any]:
        return []

    async def resend_unfinished_digests(self) -> list[Any]:
        return []

    async def run_retention(self) -> None:
        self.retention_runs += 1


async def test_the_leader_runs_retention_daily_at_a_quiet_hour(tmp_path: Any) -> None:
    duties = Duties()
    scheduler = DigestScheduler(cast(Maintenance, duties), f"sqlite:///{tmp_path}/db.sqlite3")
    await scheduler._lead()
    try:
        assert scheduler._scheduler is not None
        job = scheduler._scheduler.get_job(RETENTION_JOB)
        assert job is not None
        after = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        first = job.trigger.get_next_fire_time(None, after)
        second = job.trigger.get_next_fire_time(first, first)
        assert (first.hour, first.minute, (second - first).days) == (3, 17, 1)
        await job.func()
        assert duties.retention_runs == 1
        assert scheduler.planned() == {}, "retention is not a digest"
    finally:
        await scheduler._step_down()


def with_privacy(section: str) -> str:
    return EXAMPLE.read_text(encoding="utf-8") + "\nprivacy:\n" + section


def test_retention_periods_in_the_compact_file() -> None:
    compact = parse_compact(
        with_privacy("  retention:\n    reflections: 365\n    audit: forever\n")
    )
    assert compact.privacy.retention == RetentionPeriods(
        reflections=365, resolved_callouts=730, audit=None
    )
    default = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
    assert default.privacy.retention == RetentionPeriods()
    assert default.fingerprint() == parse_compact(with_privacy("  min_group: 3\n")).fingerprint()


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("  retention:\n    reflections: 0\n", "at least 1, not 0"),
        ("  retention:\n    reflection: 30\n", "did you mean 'reflections'"),
        ("  retention:\n    audit: never\n", "whole number"),
    ],
)
def test_a_wrong_retention_period_is_refused_with_its_line(section: str, problem: str) -> None:
    with pytest.raises(CompactFileError) as refused:
        parse_compact(with_privacy(section))
    assert problem in str(refused.value)
    assert "privacy.retention" in str(refused.value)
