"""The compact over time: what each version changed, and the weekly activity series."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rituals.callout import CalloutStatus
from rituals.digest import CalloutFact, RoundHeld
from rituals.history import compact_changes, week_bounds, weekly_activity
from tests.storage.builders import make_compact

LONDON = ZoneInfo("Europe/London")
T = datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_each_version_says_what_changed_against_the_one_before() -> None:
    first = make_compact()
    reworded = make_compact(env_r1="Reworded")
    fewer = replace(reworded, clauses=reworded.clauses[1:], vision="A new vision")
    changes = compact_changes([(1, T, first), (2, T, reworded), (3, T, fewer), (4, T, fewer)])
    assert [c.version for c in changes] == [1, 2, 3, 4]
    assert changes[0].first and changes[0].anything
    assert changes[1].clauses_reworded == ("env-r1",) and not changes[1].clauses_removed
    assert changes[2].clauses_removed == (reworded.clauses[0].id,)
    assert changes[2].vision_changed and not changes[2].clauses_reworded
    assert not changes[3].anything


def test_weeks_count_rounds_attendances_and_each_lifecycle_step() -> None:
    end = datetime(2027, 1, 1, tzinfo=LONDON)  # 2026-Q4's end, a Friday
    rounds = [
        RoundHeld(
            "r1", datetime(2026, 12, 28, 10, tzinfo=LONDON), ("a", "b", None), ("p1", "p2", "p3")
        ),
        RoundHeld("r2", datetime(2026, 12, 21, 10, tzinfo=LONDON), ("a",), ("p1",)),
        RoundHeld("r3", datetime(2027, 1, 1, 0, tzinfo=LONDON), ("a",), ("p1",)),  # after the end
    ]
    callouts = [
        CalloutFact(
            "env-r1",
            CalloutStatus.RESOLVED,
            datetime(2026, 12, 21, tzinfo=LONDON),
            discussed_at=datetime(2026, 12, 29, tzinfo=LONDON),
            resolved_at=datetime(2026, 12, 30, tzinfo=LONDON),
        ),
        CalloutFact("env-r1", CalloutStatus.WITHDRAWN, datetime(2026, 12, 29, tzinfo=LONDON)),
    ]
    weeks = weekly_activity(
        end=end, weeks=3, zone=LONDON, rounds=rounds, callouts=callouts, members=6, min_group=3
    )
    assert [w.start for w in weeks] == [date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 28)]
    # One person attending is too few to show (the group-size rule): three are shown.
    assert [(w.rounds, w.attendances) for w in weeks] == [(0, 0), (1, None), (1, 3)]
    assert [(w.raised, w.discussed, w.resolved) for w in weeks] == [(0, 0, 0), (1, 0, 0), (0, 1, 1)]
    start, stop = week_bounds(end, 3, LONDON)
    assert (start.date(), stop.date()) == (date(2026, 12, 14), date(2027, 1, 4))
    hidden = weekly_activity(
        end=end, weeks=3, zone=LONDON, rounds=rounds, callouts=callouts, members=2, min_group=3
    )
    assert all(w.raised is None and w.resolved is None for w in hidden)
    assert [w.attendances for w in hidden] == [0, None, 3]
    assert weeks[0].start + timedelta(weeks=2) == weeks[2].start
