"""The facilitators' daily call-out summary, pure: what happened on whole past days, told once
a day at a fixed local time, so nothing it says can be timed (docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from rituals.callout import Callout, CalloutStatus
from rituals.callout_thread import ThreadMessage, ThreadSide


@dataclass(frozen=True, slots=True)
class SummaryItem:
    """A call-out as the summary names it: its reference and clause, nothing about who."""

    callout_id: str
    clause_id: str
    learning_kept: bool = False


@dataclass(frozen=True, slots=True)
class DailySummary:
    """Told on `day`: call-outs raised, withdrawn and replied to on the days `first_day` to the
    day before `day`, and those whose review date came since `first_day` (up to `day`)."""

    day: date
    first_day: date
    new: tuple[SummaryItem, ...]
    withdrawn: tuple[SummaryItem, ...]
    replied: tuple[SummaryItem, ...]
    review_due: tuple[SummaryItem, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.withdrawn or self.replied or self.review_due)


def summary_day(now: datetime, at: time, tz: tzinfo) -> date | None:
    """The local day whose summary is due at `now` (its time `at` in `tz` has come), or None."""
    local = now.astimezone(tz)
    return local.date() if local.time() >= at else None


def first_day_covered(day: date, last_summary: date | None) -> date:
    """Each event day is told once: from the last summary's day (or yesterday, the first time)."""
    yesterday = day - timedelta(days=1)
    return yesterday if last_summary is None or last_summary >= day else last_summary


def compose_summary(
    *,
    day: date,
    first_day: date,
    live: Iterable[Callout],
    withdrawn: Iterable[Callout],
    replies: Iterable[ThreadMessage],
    tz: tzinfo,
) -> DailySummary:
    """The summary of `day` from live call-outs, withdrawn ones and replies (read in `tz`).

    Lists are ordered by clause and random reference, never by time."""
    last_day = day - timedelta(days=1)

    def covered(moment: datetime) -> bool:
        return first_day <= moment.astimezone(tz).date() <= last_day

    live = list(live)
    clause_of = {c.id: c.clause_id for c in (*live, *withdrawn)}
    new = [_item(c) for c in live if covered(c.raised_at)]
    gone = [
        SummaryItem(c.id, c.clause_id, learning_kept=bool(c.learning_note))
        for c in withdrawn
        if c.status is CalloutStatus.WITHDRAWN and covered(c.status_changed_at)
    ]
    replied_ids = {
        m.callout_id
        for m in replies
        if m.side is ThreadSide.REPLY and first_day <= m.on_day <= last_day
    }
    replied = [SummaryItem(i, clause_of[i]) for i in replied_ids if i in clause_of]
    due = [
        _item(c)
        for c in live
        if c.follow_up.review_on is not None and first_day < c.follow_up.review_on <= day
    ]
    return DailySummary(day, first_day, _sorted(new), _sorted(gone), _sorted(replied), _sorted(due))


def _item(callout: Callout) -> SummaryItem:
    return SummaryItem(callout.id, callout.clause_id)


def _sorted(items: list[SummaryItem]) -> tuple[SummaryItem, ...]:
    return tuple(sorted(items, key=lambda item: (item.clause_id, item.callout_id)))
