"""The compact over time, pure: what changed between its versions, and the rituals' weekly
activity (participation and the call-out lifecycle) for the dashboard's charts."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from rituals.compact import Compact
from rituals.digest import CalloutFact, RoundHeld
from rituals.groups import GroupCell, apply_group_rule

WEEK = timedelta(weeks=1)
_INSTANT = timedelta(microseconds=1)  # spans are half-open: `end` itself is outside


# --- Versions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompactChanges:
    """What one version changed against the one before (the first version: everything new)."""

    version: int
    loaded_at: datetime
    first: bool
    clauses_added: tuple[str, ...] = ()
    clauses_removed: tuple[str, ...] = ()
    clauses_reworded: tuple[str, ...] = ()
    vision_changed: bool = False
    organisations_added: tuple[str, ...] = ()
    organisations_removed: tuple[str, ...] = ()

    @property
    def anything(self) -> bool:
        return self.first or any(
            (
                self.clauses_added,
                self.clauses_removed,
                self.clauses_reworded,
                self.vision_changed,
                self.organisations_added,
                self.organisations_removed,
            )
        )


def compact_changes(versions: Sequence[tuple[int, datetime, Compact]]) -> list[CompactChanges]:
    """Each version's changes, oldest first; `versions` are (number, loaded at, compact)."""
    changes: list[CompactChanges] = []
    before: Compact | None = None
    for number, loaded_at, compact in versions:
        if before is None:
            changes.append(CompactChanges(number, loaded_at, first=True))
        else:
            changes.append(_between(number, loaded_at, before, compact))
        before = compact
    return changes


def _between(number: int, loaded_at: datetime, old: Compact, new: Compact) -> CompactChanges:
    old_text = {c.id: c.text for c in old.clauses}
    new_text = {c.id: c.text for c in new.clauses}
    old_orgs = [o.id for o in old.organisations]
    new_orgs = [o.id for o in new.organisations]
    return CompactChanges(
        version=number,
        loaded_at=loaded_at,
        first=False,
        clauses_added=tuple(c for c in new_text if c not in old_text),
        clauses_removed=tuple(c for c in old_text if c not in new_text),
        clauses_reworded=tuple(c for c in new_text if c in old_text and old_text[c] != new_text[c]),
        vision_changed=old.vision.strip() != new.vision.strip(),
        organisations_added=tuple(o for o in new_orgs if o not in old_orgs),
        organisations_removed=tuple(o for o in old_orgs if o not in new_orgs),
    )


# --- Weekly activity ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityWeek:
    """One week (from Monday, local time): rounds held, people who took part in them, and
    call-outs entering each step of their lifecycle; None where the group-size rule hides it."""

    start: date
    rounds: int
    attendances: int | None
    raised: int | None
    discussed: int | None
    resolved: int | None


def weekly_activity(
    *,
    end: datetime,
    weeks: int,
    zone: tzinfo,
    rounds: Iterable[RoundHeld],
    callouts: Iterable[CalloutFact],
    members: int,
    min_group: int,
) -> list[ActivityWeek]:
    """The `weeks` weeks up to the last one before `end`. Call-out counts are about the whole
    partnership, so they are shown when it has at least `min_group` members; a week's
    attendances when at least `min_group` distinct people attended (rituals/groups.py)."""
    first, _ = week_bounds(end, weeks, zone)
    starts = [first.date() + i * WEEK for i in range(weeks)]
    index = {day: i for i, day in enumerate(starts)}
    held = [0] * weeks
    people = [0] * weeks
    who: list[set[Hashable]] = [set() for _ in range(weeks)]
    steps = {name: [0] * weeks for name in ("raised", "discussed", "resolved")}

    def week_of(moment: datetime) -> int | None:
        if moment >= end:  # the last week may reach past the span: it stops at its end
            return None
        day = moment.astimezone(zone).date()
        return index.get(day - timedelta(days=day.weekday()))

    for round_ in rounds:
        i = week_of(round_.held_at)
        if i is not None:
            held[i] += 1
            people[i] += len(round_.attendee_organisation_ids)
            who[i].update(round_.attendees)
    for callout in callouts:
        if not callout.counted:
            continue
        for name, moment in (
            ("raised", callout.raised_at),
            ("discussed", callout.discussed_at),
            ("resolved", callout.resolved_at),
        ):
            i = None if moment is None else week_of(moment)
            if i is not None:
                steps[name][i] += 1
    shown = members >= min_group
    return [
        ActivityWeek(
            start=day,
            rounds=held[i],
            # About the week's attendees, as that week's digest is.
            attendances=apply_group_rule(
                [GroupCell("attended", people[i], frozenset(who[i]))], min_group
            ).total,
            raised=steps["raised"][i] if shown else None,
            discussed=steps["discussed"][i] if shown else None,
            resolved=steps["resolved"][i] if shown else None,
        )
        for i, day in enumerate(starts)
    ]


def week_bounds(end: datetime, weeks: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local-midnight bounds of the `weeks` weeks `weekly_activity` counts."""
    day = (end - _INSTANT).astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday - (weeks - 1) * WEEK, time.min, tzinfo=zone)
    return start, datetime.combine(monday + WEEK, time.min, tzinfo=zone)
