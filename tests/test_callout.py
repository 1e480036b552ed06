"""Call-outs: raising, the lifecycle, and the facilitators' agenda (pure, no doubles)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rituals.callout import (
    ALLOWED_TRANSITIONS,
    AgendaItem,
    Callout,
    CalloutDecision,
    CalloutStatus,
    FollowUp,
    InvalidTransitionError,
    NotifyReporter,
    StatusChange,
    WithdrawnItem,
    agenda_view,
    follow_up_from,
    mark_discussed,
    raise_callout,
    resolve,
    withdraw,
    withdrawn_after_discussion,
)
from rituals.compact import Clause, Compact, Organisation, Role, Theme
from rituals.errors import InvalidInput, NotAllowed, RitualError
from rituals.refs import UserRef
from rituals.reporters import as_stored
from rituals.text import MAX_ANSWER_CHARS, MAX_NOTE_CHARS

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
ALICE = UserRef("slack", "T1", "U-ALICE")
BOB = UserRef("slack", "T1", "U-BOB")
ALICE_KEY = "a1" * 32
BOB_KEY = "b2" * 32


def make_compact() -> Compact:
    return Compact(
        slug="nhs-vmi",
        name="NHS–VMI partnership",
        vision="The safest hospitals in the country.",
        roles=(Role("regulator", "Regulator"), Role("hospital", "Hospital")),
        themes=(Theme("env", "Creating the right environment"),),
        clauses=(
            Clause("env-r1", "env", "regulator", "Behave in a positive, respectful way."),
            Clause("env-r2", "env", "regulator", "Maintain integrity under pressure."),
            Clause("env-h1", "env", "hospital", "Early warning and no surprises."),
        ),
        organisations=(
            Organisation("nhsi", "NHS Improvement", "regulator"),
            Organisation("trust-a", "Trust A", "hospital"),
            Organisation("trust-b", "Trust B", "hospital"),
        ),
    )


COMPACT = make_compact()


def open_callout(
    *,
    anonymous: bool = False,
    reporter: UserRef = ALICE,
    key: str = ALICE_KEY,
    clause_id: str = "env-h1",
    organisation_id: str = "trust-a",
    callout_id: str = "c-1",
    now: datetime = T0,
) -> Callout:
    callout, _ = raise_callout(
        callout_id=callout_id,
        compact=COMPACT,
        compact_version=3,
        clause_id=clause_id,
        about_organisation_id=organisation_id,
        what_happened="The board papers arrived the night before.",
        what_would_help="A week's notice.",
        anonymous=anonymous,
        reporter=reporter,
        reporter_key=key,
        now=now,
    )
    return callout


def discussed_callout(**kwargs: object) -> Callout:
    callout = open_callout(**kwargs)  # type: ignore[arg-type]
    return mark_discussed(
        callout, by_is_facilitator=True, learning_note="Agree a calendar.", now=T0 + timedelta(1)
    ).callout


# --- Raising ---------------------------------------------------------------------------------


def test_a_named_callout_keeps_the_reporter_and_acknowledges_them_privately() -> None:
    callout, effects = raise_callout(
        callout_id="c-1",
        compact=COMPACT,
        compact_version=3,
        clause_id=" env-h1 ",
        about_organisation_id="trust-a ",
        what_happened="  The board papers arrived the night before.  ",
        what_would_help=None,
        anonymous=False,
        reporter=ALICE,
        reporter_key=ALICE_KEY,
        now=T0,
    )

    assert callout == Callout(
        id="c-1",
        partnership_slug="nhs-vmi",
        clause_id="env-h1",
        compact_version=3,
        about_organisation_id="trust-a",
        what_happened="The board papers arrived the night before.",
        what_would_help="",
        anonymous=False,
        reporter_key=ALICE_KEY,
        reporter=ALICE,
        status=CalloutStatus.OPEN,
        raised_at=T0,
    )
    assert effects == (NotifyReporter(ALICE_KEY, ALICE, "c-1", CalloutStatus.OPEN),)


def test_an_anonymous_callout_holds_only_the_key() -> None:
    callout, effects = raise_callout(
        callout_id="c-1",
        compact=COMPACT,
        compact_version=3,
        clause_id="env-h1",
        about_organisation_id="trust-a",
        what_happened="Surprise announcement.",
        what_would_help="",
        anonymous=True,
        reporter=ALICE,
        reporter_key=ALICE_KEY,
        now=T0,
    )

    assert callout.anonymous
    assert callout.reporter is None
    assert callout.reporter_key == ALICE_KEY
    assert ALICE.user_id not in repr(callout)
    # The key is a pseudonym, but logs are no place even for that.
    assert ALICE_KEY not in repr(callout)
    assert effects == (NotifyReporter(ALICE_KEY, None, "c-1", CalloutStatus.OPEN),)
    assert ALICE_KEY not in repr(effects)


@pytest.mark.parametrize(
    ("changes", "message_parts"),
    [
        ({"clause_id": "env-x9"}, ("'env-x9'", "/compact show")),
        ({"clause_id": "envh1"}, ("'envh1'", "Did you mean 'env-h1'?", "/compact show")),
        ({"about_organisation_id": "trust-z"}, ("'trust-z'", "trust-a (Trust A)")),
        (
            {"clause_id": "env-r1", "about_organisation_id": "trust-a"},
            ("'env-r1'", "Regulator", "Trust A is a Hospital"),
        ),
        ({"what_happened": "   "}, ("description of what happened", "cannot be empty")),
        ({"what_happened": None}, ("cannot be empty",)),
        ({"what_happened": "x" * (MAX_ANSWER_CHARS + 1)}, (f"under {MAX_ANSWER_CHARS:,}",)),
        ({"what_would_help": "x" * (MAX_ANSWER_CHARS + 1)}, ("what would help",)),
    ],
)
def test_raising_rejects_bad_input_with_a_clear_message(
    changes: dict[str, str | None], message_parts: tuple[str, ...]
) -> None:
    arguments: dict[str, object] = {
        "callout_id": "c-1",
        "compact": COMPACT,
        "compact_version": 1,
        "clause_id": "env-h1",
        "about_organisation_id": "trust-a",
        "what_happened": "It happened.",
        "what_would_help": "",
        "anonymous": False,
        "reporter": ALICE,
        "reporter_key": ALICE_KEY,
        "now": T0,
    } | changes

    with pytest.raises(InvalidInput) as caught:
        raise_callout(**arguments)  # type: ignore[arg-type]

    for part in message_parts:
        assert part in str(caught.value)


def test_text_at_the_limit_is_accepted() -> None:
    callout, _ = raise_callout(
        callout_id="c-1",
        compact=COMPACT,
        compact_version=1,
        clause_id="env-r1",
        about_organisation_id="nhsi",
        what_happened="x" * MAX_ANSWER_CHARS,
        what_would_help="y" * MAX_ANSWER_CHARS,
        anonymous=True,
        reporter=ALICE,
        reporter_key=ALICE_KEY,
        now=T0,
    )
    assert len(callout.what_happened) == MAX_ANSWER_CHARS


@pytest.mark.parametrize(("callout_id", "key"), [("", ALICE_KEY), ("c-1", "")])
def test_raising_without_an_id_or_key_is_a_programming_error(callout_id: str, key: str) -> None:
    with pytest.raises(ValueError):
        open_callout(callout_id=callout_id, key=key)


@pytest.mark.parametrize(
    ("anonymous", "reporter", "key", "raised_at"),
    [
        (True, ALICE, ALICE_KEY, T0),  # an anonymous call-out holding a clear identity
        (False, None, ALICE_KEY, T0),  # a named one without its reporter
        (False, ALICE, "", T0),  # no key: withdraw could never work
        (False, ALICE, ALICE_KEY, T0.replace(tzinfo=None)),  # naive, e.g. straight from SQLite
    ],
)
def test_the_record_refuses_to_exist_in_an_inconsistent_state(
    anonymous: bool, reporter: UserRef | None, key: str, raised_at: datetime
) -> None:
    with pytest.raises(ValueError):
        Callout(
            id="c-1",
            partnership_slug="p",
            clause_id="env-h1",
            compact_version=1,
            about_organisation_id="trust-a",
            what_happened="x",
            what_would_help="",
            anonymous=anonymous,
            reporter_key=key,
            reporter=reporter,
            status=CalloutStatus.OPEN,
            raised_at=raised_at,
        )


# --- The lifecycle ---------------------------------------------------------------------------


def discuss(callout: Callout) -> CalloutDecision:
    return mark_discussed(callout, by_is_facilitator=True, learning_note="We learned.", now=T0)


def resolve_noted(callout: Callout) -> CalloutDecision:
    return resolve(callout, by_is_facilitator=True, learning_note="Settled.", now=T0)


def resolve_other(callout: Callout) -> CalloutDecision:
    return resolve(callout, by_is_facilitator=True, learning_note="Something else.", now=T0)


def resolve_plain(callout: Callout) -> CalloutDecision:
    return resolve(callout, by_is_facilitator=True, now=T0)


def withdraw_own(callout: Callout) -> CalloutDecision:
    return withdraw(callout, reporter_key=ALICE_KEY, now=T0)


ACTIONS = {
    "discuss": discuss,
    "resolve with note": resolve_noted,
    "resolve with another note": resolve_other,
    "resolve": resolve_plain,
    "withdraw": withdraw_own,
}


def callout_in(status: CalloutStatus) -> Callout:
    callout = open_callout()
    if status is CalloutStatus.DISCUSSED:
        callout = discuss(callout).callout
    elif status is CalloutStatus.RESOLVED:
        callout = resolve_noted(callout).callout
    elif status is CalloutStatus.WITHDRAWN:
        callout = withdraw_own(callout).callout
    assert callout.status is status
    return callout


OPEN, DISCUSSED, RESOLVED, WITHDRAWN = CalloutStatus


@pytest.mark.parametrize(
    ("start", "action", "outcome"),
    [
        (OPEN, "discuss", DISCUSSED),
        (OPEN, "resolve with note", RESOLVED),
        (OPEN, "resolve", InvalidInput),  # straight to resolved needs the learning
        (OPEN, "resolve with another note", RESOLVED),
        (OPEN, "withdraw", WITHDRAWN),
        (DISCUSSED, "discuss", "unchanged"),  # the same note again: a retried click
        (DISCUSSED, "resolve with note", RESOLVED),
        (DISCUSSED, "resolve", RESOLVED),
        (DISCUSSED, "resolve with another note", RESOLVED),
        (DISCUSSED, "withdraw", WITHDRAWN),
        (RESOLVED, "discuss", InvalidTransitionError),
        (RESOLVED, "resolve with note", "unchanged"),  # same note: a retry
        (RESOLVED, "resolve with another note", InvalidTransitionError),
        (RESOLVED, "resolve", "unchanged"),
        (RESOLVED, "withdraw", InvalidTransitionError),
        (WITHDRAWN, "discuss", InvalidTransitionError),
        (WITHDRAWN, "resolve with note", InvalidTransitionError),
        (WITHDRAWN, "resolve", InvalidTransitionError),
        (WITHDRAWN, "resolve with another note", InvalidTransitionError),
        (WITHDRAWN, "withdraw", "unchanged"),
    ],
)
def test_lifecycle_table(
    start: CalloutStatus, action: str, outcome: CalloutStatus | str | type[Exception]
) -> None:
    before = callout_in(start)
    step = ACTIONS[action]

    if isinstance(outcome, type):
        with pytest.raises(outcome):
            step(before)
        return
    after, effects = step(before)
    if outcome == "unchanged":
        assert (after, effects) == (before, ())
    else:
        assert after.status is outcome
        assert after.history[-1] == StatusChange(start, outcome, T0, after.history[-1].note)
        assert effects == (NotifyReporter(ALICE_KEY, ALICE, before.id, outcome),)


@pytest.mark.parametrize(
    ("start", "action", "expected"),
    [
        (
            RESOLVED,
            discuss,
            "This call-out is resolved, so it cannot be marked discussed."
            " Its lifecycle is over, so nothing more can change.",
        ),
        (
            WITHDRAWN,
            resolve_noted,
            "This call-out is withdrawn, so it cannot be resolved."
            " Its lifecycle is over, so nothing more can change.",
        ),
        (
            RESOLVED,
            withdraw_own,
            "This call-out is resolved, so it cannot be withdrawn by the person who raised it."
            " Its lifecycle is over, so nothing more can change.",
        ),
    ],
)
def test_invalid_transitions_say_where_the_callout_is(
    start: CalloutStatus, action: object, expected: str
) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        action(callout_in(start))  # type: ignore[operator]
    assert str(caught.value) == expected
    assert caught.value.current is start


def test_discussing_again_with_a_different_note_says_what_is_possible() -> None:
    callout = callout_in(DISCUSSED)
    with pytest.raises(InvalidTransitionError) as caught:
        mark_discussed(callout, by_is_facilitator=True, learning_note="Another note", now=T0)
    assert str(caught.value) == (
        "This call-out is already discussed."
        " From here it can be resolved or withdrawn by the person who raised it."
    )


@pytest.mark.parametrize("note", [None, "", "   "])
def test_marking_discussed_needs_a_learning_note(note: str | None) -> None:
    with pytest.raises(InvalidInput, match="shared-learning note cannot be empty"):
        mark_discussed(open_callout(), by_is_facilitator=True, learning_note=note, now=T0)


def test_learning_notes_have_a_limit() -> None:
    with pytest.raises(InvalidInput, match=f"under {MAX_NOTE_CHARS:,}"):
        mark_discussed(
            open_callout(),
            by_is_facilitator=True,
            learning_note="n" * (MAX_NOTE_CHARS + 1),
            now=T0,
        )


@pytest.mark.parametrize(
    "step",
    [
        lambda c: mark_discussed(c, by_is_facilitator=False, learning_note="n", now=T0),
        lambda c: resolve(c, by_is_facilitator=False, learning_note="n", now=T0),
    ],
    ids=["discuss", "resolve"],
)
def test_only_facilitators_move_a_callout_on(step: object) -> None:
    with pytest.raises(NotAllowed, match="Only a facilitator"):
        step(open_callout())  # type: ignore[operator]


@pytest.mark.parametrize("anonymous", [False, True])
def test_only_the_reporter_can_withdraw_recognised_by_key(anonymous: bool) -> None:
    callout = open_callout(anonymous=anonymous)

    with pytest.raises(NotAllowed, match="Only the person who raised"):
        withdraw(callout, reporter_key=BOB_KEY, now=T0)
    after, effects = withdraw(callout, reporter_key=ALICE_KEY, now=T0 + timedelta(hours=1))

    assert after.status is CalloutStatus.WITHDRAWN
    assert effects == (
        NotifyReporter(ALICE_KEY, None if anonymous else ALICE, "c-1", CalloutStatus.WITHDRAWN),
    )


def test_permission_is_checked_before_status_so_nothing_leaks_to_others() -> None:
    with pytest.raises(NotAllowed):
        withdraw(callout_in(RESOLVED), reporter_key=BOB_KEY, now=T0)


def test_resolving_a_discussed_callout_can_replace_the_note_and_history_keeps_both() -> None:
    discussed = discussed_callout()
    resolved, _ = resolve(
        discussed, by_is_facilitator=True, learning_note="Calendar agreed.", now=T0 + timedelta(9)
    )

    assert resolved.learning_note == "Calendar agreed."
    assert resolved.history == (
        StatusChange(OPEN, DISCUSSED, T0 + timedelta(1), "Agree a calendar."),
        StatusChange(DISCUSSED, RESOLVED, T0 + timedelta(9), "Calendar agreed."),
    )
    assert resolved.status_changed_at == T0 + timedelta(9)
    assert resolved.changed_to_at(DISCUSSED) == T0 + timedelta(1)
    assert resolved.changed_to_at(WITHDRAWN) is None


def test_resolving_without_a_new_note_keeps_the_discussed_one() -> None:
    resolved, _ = resolve(discussed_callout(), by_is_facilitator=True, now=T0 + timedelta(2))
    assert resolved.learning_note == "Agree a calendar."
    assert resolved.history[-1].note == ""


def test_raised_by_compares_keys() -> None:
    callout = open_callout(anonymous=True)
    assert callout.raised_by(ALICE_KEY)
    assert not callout.raised_by(BOB_KEY)
    assert not callout.raised_by("")


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        withdraw(open_callout(), reporter_key=ALICE_KEY, now=T0.replace(tzinfo=None))


# --- The agenda ------------------------------------------------------------------------------


def test_agenda_shows_live_callouts_open_first_then_oldest_first() -> None:
    callouts = [
        open_callout(callout_id="open-new", now=T0 + timedelta(2)),
        discussed_callout(callout_id="discussed-old", now=T0 - timedelta(9)),
        open_callout(callout_id="open-old", now=T0),
        callout_in(RESOLVED),
        callout_in(WITHDRAWN),
    ]

    agenda = agenda_view(callouts)

    assert [item.callout_id for item in agenda] == ["open-old", "open-new", "discussed-old"]
    assert [item.status for item in agenda] == [OPEN, OPEN, DISCUSSED]
    assert agenda[2].learning_note == "Agree a calendar."


def test_agenda_items_for_anonymous_callouts_carry_no_trace_of_the_reporter() -> None:
    anonymous = open_callout(anonymous=True, reporter=ALICE, key=ALICE_KEY)
    named = open_callout(callout_id="c-2", reporter=BOB, key=BOB_KEY)

    anonymous_item, named_item = agenda_view([anonymous, named])

    assert "reporter_key" not in {f.name for f in dataclasses.fields(AgendaItem)}
    assert anonymous_item.anonymous
    assert anonymous_item.reporter is None
    for trace in (ALICE_KEY, ALICE.user_id, str(ALICE)):
        assert trace not in repr(anonymous_item)
    assert named_item.reporter == BOB
    assert not named_item.anonymous
    assert BOB_KEY not in repr(named_item)


def test_agenda_gives_the_day_in_the_partnerships_time_zone_not_the_moment() -> None:
    late_evening_utc = datetime(2024, 3, 4, 23, 30, tzinfo=UTC)
    callout = open_callout(now=late_evening_utc)

    (in_utc,) = agenda_view([callout])
    (east,) = agenda_view([callout], tz=timezone(timedelta(hours=2)))

    assert in_utc.raised_on == date(2024, 3, 4)
    assert east.raised_on == date(2024, 3, 5)
    assert "23" not in repr(in_utc.raised_on)


# --- Properties ------------------------------------------------------------------------------

step_strategy = st.one_of(
    st.builds(
        lambda fac, note: ("discuss", fac, note),
        st.booleans(),
        st.sampled_from([None, "", "Note A", "Note B"]),
    ),
    st.builds(
        lambda fac, note: ("resolve", fac, note),
        st.booleans(),
        st.sampled_from([None, "", "Note A", "Note C"]),
    ),
    st.builds(lambda own: ("withdraw", own, None), st.booleans()),
)


def apply(callout: Callout, step: tuple[str, bool, str | None], now: datetime) -> CalloutDecision:
    kind, flag, note = step
    if kind == "discuss":
        return mark_discussed(callout, by_is_facilitator=flag, learning_note=note, now=now)
    if kind == "resolve":
        return resolve(callout, by_is_facilitator=flag, learning_note=note, now=now)
    return withdraw(callout, reporter_key=ALICE_KEY if flag else BOB_KEY, now=now)


@given(anonymous=st.booleans(), steps=st.lists(step_strategy, max_size=12))
def test_any_sequence_of_steps_only_moves_along_allowed_edges(
    anonymous: bool, steps: list[tuple[str, bool, str | None]]
) -> None:
    callout = open_callout(anonymous=anonymous)
    for minute, step in enumerate(steps, start=1):
        now = T0 + timedelta(minutes=minute)
        try:
            after, effects = apply(callout, step, now)
        except RitualError:
            continue  # refused: the caller keeps the unchanged call-out
        if after.status is callout.status:
            # Only a retry can leave the status alone, and a retry says nothing.
            assert (after, effects) == (callout, ())
        else:
            assert after.status in ALLOWED_TRANSITIONS[callout.status]
            assert after.history == (
                *callout.history,
                StatusChange(callout.status, after.status, now, after.history[-1].note),
            )
            assert effects == (
                NotifyReporter(ALICE_KEY, None if anonymous else ALICE, callout.id, after.status),
            )
            if after.status in (DISCUSSED, RESOLVED):
                assert after.learning_note  # nothing is discussed or resolved without learning
        assert after.anonymous is anonymous
        assert (after.reporter is None) is anonymous
        callout = after
    statuses = [OPEN, *(step.to_status for step in callout.history)]
    assert all(b in ALLOWED_TRANSITIONS[a] for a, b in itertools.pairwise(statuses))


@given(
    user_id=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=12, max_size=20),
    key=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_anonymous_callouts_never_expose_the_reporter(user_id: str, key: str) -> None:
    reporter = UserRef("teams", "tenant-1", f"U{user_id}")
    callout = open_callout(anonymous=True, reporter=reporter, key=key)
    discussed, effects = discuss(callout)

    for value in (callout, discussed, *effects, *agenda_view([callout, discussed])):
        assert reporter.user_id not in repr(value)
    for item in agenda_view([callout, discussed]):
        assert key not in repr(item)
        assert item.reporter is None


# --- Withdrawn after discussion ------------------------------------------------------------


def test_a_discussed_callout_withdrawn_keeps_its_learning_and_shows_from_the_next_day() -> None:
    discussed = discussed_callout(anonymous=True)
    withdrawn_at = T0 + timedelta(days=2)
    taken_back = withdraw(discussed, reporter_key=ALICE_KEY, now=withdrawn_at).callout
    never_discussed = withdraw(
        open_callout(callout_id="c-2"), reporter_key=ALICE_KEY, now=withdrawn_at
    ).callout
    assert taken_back.learning_note == "Agree a calendar."

    def shown(now: datetime) -> tuple[WithdrawnItem, ...]:
        return withdrawn_after_discussion([taken_back, never_discussed, discussed], now=now)

    # Never on the day it happens, so nobody can time it; then for two weeks.
    assert shown(withdrawn_at + timedelta(hours=1)) == ()
    item = WithdrawnItem("c-1", "env-h1", "Agree a calendar.")
    assert shown(withdrawn_at + timedelta(days=1)) == (item,)
    assert shown(withdrawn_at + timedelta(days=14)) == (item,)
    assert shown(withdrawn_at + timedelta(days=15)) == ()
    assert "ALICE" not in repr(item)


# --- Follow-up ------------------------------------------------------------------------------


def test_the_follow_up_is_checked_and_kept_with_the_discussion() -> None:
    today = T0.date()
    agreed = follow_up_from(
        COMPACT,
        owner=" trust-b ",
        action="Papers a week ahead",
        review_on="2030-01-06",
        today=today,
    )
    assert agreed == FollowUp("trust-b", "Papers a week ahead", date(2030, 1, 6))
    assert follow_up_from(COMPACT, owner="", action=None, review_on="", today=today).is_empty
    discussed = mark_discussed(
        open_callout(), by_is_facilitator=True, learning_note="Agree.", now=T0, follow_up=agreed
    ).callout
    assert discussed.follow_up == agreed
    # A retry with the same note and follow-up changes nothing; resolving keeps it.
    again = mark_discussed(
        discussed, by_is_facilitator=True, learning_note="Agree.", now=T0, follow_up=agreed
    )
    assert again.effects == () and again.callout == discussed
    assert resolve(discussed, by_is_facilitator=True, now=T0).callout.follow_up == agreed


@pytest.mark.parametrize(
    ("owner", "review_on", "field", "words"),
    [
        ("atlantis", "", "owner", "There is no partner organisation 'atlantis'"),
        ("", "next week", "review_on", "'next week' is not a date"),
        ("", "2020-01-01", "review_on", "The review date 2020-01-01 has passed"),
    ],
)
def test_a_wrong_follow_up_says_which_field_and_why(
    owner: str, review_on: str, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as problem:
        follow_up_from(COMPACT, owner=owner, action="", review_on=review_on, today=T0.date())
    assert problem.value.field == field and words in str(problem.value)


def test_an_item_raised_before_the_last_meeting_is_carried_over() -> None:
    old = open_callout(callout_id="c-1", now=T0)
    new = open_callout(callout_id="c-2", now=T0 + timedelta(days=3))
    items = agenda_view([old, new], last_meeting=T0 + timedelta(days=1))
    assert [(i.callout_id, i.carried_over) for i in items] == [("c-1", True), ("c-2", False)]
    assert not any(i.carried_over for i in agenda_view([old, new]))


def test_an_unnamed_callout_raised_on_the_meeting_day_is_not_carried_over() -> None:
    """Storage keeps only the day an anonymous call-out was raised (midnight UTC): raised after
    the day's meeting, it must not read as carried over from it; raised the day before, it is."""
    meeting = T0 + timedelta(hours=2)
    after = as_stored(
        open_callout(anonymous=True, callout_id="c-1", now=meeting + timedelta(hours=1))
    )
    before = as_stored(open_callout(anonymous=True, callout_id="c-2", now=T0 - timedelta(days=1)))
    items = agenda_view([after, before], last_meeting=meeting)
    assert {(i.callout_id, i.carried_over) for i in items} == {("c-1", False), ("c-2", True)}
