"""The reporter's voice, pure: which disclosures are offered, the two-way thread's rules, and
what the facilitators' daily summary tells (and when)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rituals import callout_thread as thread
from rituals.callout import (
    CalloutStatus,
    Disclosure,
    FollowUp,
    GroupSizes,
    disclosures_offered,
    mark_discussed,
    raise_callout,
    withdraw,
)
from rituals.callout_summary import compose_summary, first_day_covered, summary_day
from rituals.callout_thread import ThreadMessage, ThreadSide
from rituals.errors import InvalidInput, NotAllowed, NotFound
from tests.test_callout import ALICE, ALICE_KEY, BOB_KEY, COMPACT, T0, open_callout

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
DAY = timedelta(days=1)


@given(
    partnership=st.integers(0, 12),
    own=st.integers(0, 12),
    min_group=st.integers(1, 8),
    known=st.booleans(),
)
def test_a_choice_is_offered_exactly_when_its_crowd_is_large_enough(
    partnership: int, own: int, min_group: int, known: bool
) -> None:
    sizes = GroupSizes(partnership, {"trust-a": own})
    offered = disclosures_offered(sizes, "trust-a" if known else None, min_group=min_group)
    assert offered[0] is Disclosure.NAMED
    assert (Disclosure.ORGANISATION in offered) is (known and own >= min_group)
    assert (Disclosure.ANONYMOUS in offered) is (partnership >= min_group)


def test_someone_from_my_organisation_keeps_the_organisation_and_never_the_person() -> None:
    callout = raise_callout(
        callout_id="c-9",
        compact=COMPACT,
        compact_version=1,
        clause_id="env-h1",
        about_organisation_id="trust-a",
        what_happened="Surprise at the board",
        what_would_help=None,
        anonymous=True,
        reporter=ALICE,
        reporter_key=ALICE_KEY,
        now=T0,
        reporter_organisation_id="trust-b",
    ).callout
    assert callout.disclosure is Disclosure.ORGANISATION
    assert (callout.reporter, callout.reporter_organisation_id) == (None, "trust-b")
    with pytest.raises(ValueError, match="named call-out"):
        dataclasses.replace(open_callout(), reporter_organisation_id="trust-b")


def ask(callout_status: CalloutStatus = CalloutStatus.OPEN, **overrides: object) -> ThreadMessage:
    callout = dataclasses.replace(open_callout(anonymous=True), status=callout_status)
    arguments: dict[str, object] = {
        "by_is_facilitator": True,
        "question": "What happened first?",
        "asked_today": 0,
        "per_day": 3,
        "now": T0,
        "tz": LONDON,
        **overrides,
    }
    return thread.ask(callout, **arguments)  # type: ignore[arg-type]


def test_only_a_facilitator_asks_about_a_live_callout_a_few_times_a_day() -> None:
    asked = ask()
    assert (asked.side, asked.at, asked.on_day) == (ThreadSide.QUESTION, None, T0.date())
    named = thread.ask(
        open_callout(),
        by_is_facilitator=True,
        question="Who else was there?",
        asked_today=0,
        per_day=3,
        now=T0,
        tz=LONDON,
    )
    assert named.at == T0  # a named call-out hides nobody: the moment may be kept
    with pytest.raises(NotAllowed):
        ask(by_is_facilitator=False)
    for gone in (CalloutStatus.WITHDRAWN, CalloutStatus.RESOLVED):
        with pytest.raises(NotFound):
            ask(gone)
    with pytest.raises(InvalidInput, match="its 3 questions for today"):
        ask(asked_today=3)
    with pytest.raises(InvalidInput, match="its 1 question for today"):
        ask(asked_today=1, per_day=1)
    with pytest.raises(InvalidInput, match="keep it under 2,000"):
        ask(question="x" * 2001)
    with pytest.raises(InvalidInput, match="cannot be empty"):
        ask(question="   ")
    # "Today" is the partnership's: 03:00 UTC is still yesterday in New York.
    late = datetime(2024, 3, 5, 3, 0, tzinfo=UTC)
    assert ask(now=late, tz=NEW_YORK).on_day == date(2024, 3, 4)


@pytest.mark.parametrize("anonymous", [False, True])
def test_only_the_reporter_replies_and_only_the_day_is_kept_unless_named(anonymous: bool) -> None:
    callout = open_callout(anonymous=anonymous)
    arguments = {"answer": "It was Monday.", "replied_today": 0, "per_day": 3, "tz": LONDON}
    replied = thread.reply(callout, reporter_key=ALICE_KEY, now=T0, **arguments)  # type: ignore[arg-type]
    assert replied.at == (None if anonymous else T0) and replied.on_day == T0.date()
    with pytest.raises(NotAllowed):
        thread.reply(callout, reporter_key=BOB_KEY, now=T0, **arguments)  # type: ignore[arg-type]
    gone = withdraw(callout, reporter_key=ALICE_KEY, now=T0).callout
    with pytest.raises(NotFound):
        thread.reply(gone, reporter_key=ALICE_KEY, now=T0, **arguments)  # type: ignore[arg-type]


def test_the_summary_is_due_from_its_local_time_and_each_day_is_told_once() -> None:
    at = time(8, 0)
    assert summary_day(datetime(2024, 7, 1, 6, 59, tzinfo=UTC), at, LONDON) is None  # 07:59 BST
    assert summary_day(datetime(2024, 7, 1, 7, 0, tzinfo=UTC), at, LONDON) == date(2024, 7, 1)
    today = date(2024, 7, 1)
    assert first_day_covered(today, None) == today - DAY
    assert first_day_covered(today, today - 3 * DAY) == today - 3 * DAY


def test_the_summary_tells_whole_past_days_by_clause_and_reference_never_by_time() -> None:
    day = date(2024, 3, 6)
    first = date(2024, 3, 4)
    morning = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    late = datetime(2024, 3, 5, 23, 0, tzinfo=UTC)
    today = datetime(2024, 3, 6, 7, 0, tzinfo=UTC)
    new_late = open_callout(anonymous=True, callout_id="ZZZ", clause_id="env-h1", now=late)
    new_early = open_callout(anonymous=True, callout_id="AAA", clause_id="env-h1", now=morning)
    too_new = open_callout(anonymous=True, callout_id="NEW", now=today)
    too_old = open_callout(anonymous=True, callout_id="OLD", now=morning - 2 * DAY)
    review = dataclasses.replace(too_old, id="REV", follow_up=FollowUp(review_on=day))
    discussed = mark_discussed(
        open_callout(anonymous=True, callout_id="WDN", now=morning - 9 * DAY),
        by_is_facilitator=True,
        learning_note="Name a contact",
        now=morning - 8 * DAY,
    ).callout
    gone = withdraw(discussed, reporter_key=ALICE_KEY, now=late).callout
    replies = [
        ThreadMessage("AAA", ThreadSide.REPLY, "Monday", first, None),
        ThreadMessage("NEW", ThreadSide.REPLY, "Today", day, None),
        ThreadMessage("AAA", ThreadSide.QUESTION, "When?", first, morning),
    ]
    summary = compose_summary(
        day=day,
        first_day=first,
        live=[new_late, too_new, too_old, new_early, review],
        withdrawn=[gone],
        replies=replies,
        tz=UTC,
    )
    assert [i.callout_id for i in summary.new] == ["AAA", "ZZZ"]
    assert [(i.callout_id, i.learning_kept) for i in summary.withdrawn] == [("WDN", True)]
    assert [i.callout_id for i in summary.replied] == ["AAA"]
    assert [i.callout_id for i in summary.review_due] == ["REV"]
    quiet = compose_summary(
        day=day, first_day=first, live=[too_new], withdrawn=[], replies=[], tz=UTC
    )
    assert quiet.is_empty
