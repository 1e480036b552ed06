"""When a partnership's weekly digest goes out: a day, a local time and a time zone.

Times are local wall-clock times in an IANA zone, so 09:00 Europe/London stays 09:00 across
daylight-saving changes (the scheduler's cron trigger works in that zone). Pure: parsing and
validating what a facilitator typed, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rituals.errors import InvalidInput
from rituals.text import yes_or_no

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_ZONE: Final = "Europe/London"
_TIME: Final = re.compile(r"^\s*([01]?\d|2[0-3])[:.h]?([0-5]\d)\s*$")


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """Weekday 0 = Monday; `at` is local time in `zone`."""

    weekday: int = 0
    at: time = time(9, 0)
    zone: str = DEFAULT_ZONE
    enabled: bool = True

    @property
    def day_name(self) -> str:
        return WEEKDAYS[self.weekday].capitalize()

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def describe(self) -> str:
        return f"{self.day_name}s at {self.at:%H:%M} ({self.zone})"


def parse_schedule(*, day: str, at: str, zone: str, enabled: str | bool) -> DigestSchedule:
    """A schedule from form fields; each problem names its field (the first one found;
    `schedule_problems` finds them all)."""
    on = enabled if isinstance(enabled, bool) else yes_or_no(enabled, key="enabled")
    return DigestSchedule(parse_weekday(day), parse_time(at), parse_zone(zone), on)


def schedule_problems(*, day: str, at: str, zone: str, enabled: str) -> dict[str, str]:
    """Every problem with a schedule's form fields at once, by field."""
    problems: dict[str, str] = {}
    checks = (
        (parse_weekday, day),
        (parse_time, at),
        (parse_zone, zone),
        (lambda v: yes_or_no(v, key="enabled"), enabled),
    )
    for parse, raw in checks:
        try:
            parse(raw)
        except InvalidInput as problem:
            problems[problem.field or ""] = str(problem)
    return problems


def parse_weekday(day: str) -> int:
    wanted = day.strip().lower()
    matches = [i for i, name in enumerate(WEEKDAYS) if wanted and name.startswith(wanted[:3])]
    if len(matches) != 1:
        raise InvalidInput(f"'{day}' is not a day of the week (Monday … Sunday).", field="day")
    return matches[0]


def parse_time(at: str) -> time:
    found = _TIME.match(at)
    if found is None:
        raise InvalidInput(f"'{at}' is not a time of day; write it as 09:00.", field="at")
    return time(int(found[1]), int(found[2]))


def parse_zone(zone: str) -> str:
    name = zone.strip() or DEFAULT_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{zone}' is not a time zone; use a name like Europe/London.", field="zone"
        ) from None
    return name


def latest_due(schedule: DigestSchedule, now: datetime) -> datetime:
    """The most recent moment at or before `now` the digest was due (in UTC): the same
    weekday and local time, in the schedule's zone, so a clock change moves neither."""
    zone = schedule.tzinfo
    local = now.astimezone(zone)
    days_back = (local.weekday() - schedule.weekday) % 7
    for back in (days_back, days_back + 7):
        day = local.date() - timedelta(days=back)
        due = datetime.combine(day, schedule.at, tzinfo=zone)
        if due <= local:
            return due.astimezone(UTC)
    raise AssertionError("unreachable: a week ago is always in the past")  # pragma: no cover
