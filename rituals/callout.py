"""Calling out a deviation from the compact: the record, its lifecycle and the facilitators'
agenda, pure; anonymity is structural (docs/privacy.md, "How the domain keeps it")."""

from __future__ import annotations

import difflib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

from rituals.compact import Clause, Compact
from rituals.errors import InvalidInput, NotAllowed, RitualError
from rituals.refs import UserRef
from rituals.text import MAX_ANSWER_CHARS, MAX_NOTE_CHARS, clean_text


class Disclosure(StrEnum):
    """What the reporter chose to disclose: their name, only their organisation, or nothing."""

    NAMED = "named"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"


class CalloutStatus(StrEnum):
    """Where a call-out is in its lifecycle."""

    OPEN = "open"
    DISCUSSED = "discussed"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


# The lifecycle as data, so tests and the agenda's wording can rely on one definition.
# open -> resolved is allowed (something settled between meetings) but needs a learning note,
# so that nothing reaches "resolved" without the shared learning the ritual exists for.
ALLOWED_TRANSITIONS: Final[Mapping[CalloutStatus, frozenset[CalloutStatus]]] = MappingProxyType(
    {
        CalloutStatus.OPEN: frozenset(
            {CalloutStatus.DISCUSSED, CalloutStatus.RESOLVED, CalloutStatus.WITHDRAWN}
        ),
        CalloutStatus.DISCUSSED: frozenset({CalloutStatus.RESOLVED, CalloutStatus.WITHDRAWN}),
        CalloutStatus.RESOLVED: frozenset(),
        CalloutStatus.WITHDRAWN: frozenset(),
    }
)

LIVE_STATUSES: Final = frozenset({CalloutStatus.OPEN, CalloutStatus.DISCUSSED})

# How each target status reads in "it can be ..." sentences.
_VERB: Final[Mapping[CalloutStatus, str]] = MappingProxyType(
    {
        CalloutStatus.OPEN: "reopened",
        CalloutStatus.DISCUSSED: "marked discussed",
        CalloutStatus.RESOLVED: "resolved",
        CalloutStatus.WITHDRAWN: "withdrawn by the person who raised it",
    }
)


class InvalidTransitionError(RitualError):
    """A lifecycle step the call-out's current status does not allow; says what is possible."""

    def __init__(self, current: CalloutStatus, attempted: CalloutStatus) -> None:
        self.current = current
        self.attempted = attempted
        possible = sorted(ALLOWED_TRANSITIONS[current], key=list(CalloutStatus).index)
        if current is attempted:
            problem = f"This call-out is already {current.value}."
        else:
            problem = f"This call-out is {current.value}, so it cannot be {_VERB[attempted]}."
        if possible:
            options = " or ".join(_VERB[status] for status in possible)
            next_steps = f"From here it can be {options}."
        else:
            next_steps = "Its lifecycle is over, so nothing more can change."
        super().__init__(f"{problem} {next_steps}")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of the lifecycle; `note` is the learning note set at this step ('' if unchanged).

    Kept so that replacing the note on resolution never loses what was learned in discussion.
    """

    from_status: CalloutStatus
    to_status: CalloutStatus
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What the meeting agreed when it discussed a call-out, all optional: the partner
    organisation that owns the next step, the action agreed, and the day to review it."""

    owner_organisation_id: str = ""
    agreed_action: str = ""
    review_on: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.owner_organisation_id or self.agreed_action or self.review_on)


NO_FOLLOW_UP: Final = FollowUp()


@dataclass(frozen=True, slots=True)
class Callout:
    """A deviation from one clause, raised privately and tabled for the next meeting.

    `compact_version` is the version of the compact the clause was read in, so later edits to
    the compact never rewrite what was called out. `anonymous` means the reporter's identity is
    not held: `reporter` is None exactly then. `reporter_organisation_id` is set only when the
    reporter chose "someone from my organisation" (so only when `anonymous`). `reporter_key`
    is always present and is hidden from `repr` so that logging a call-out does not spread
    even the pseudonym.
    """

    id: str
    partnership_slug: str
    clause_id: str
    compact_version: int
    about_organisation_id: str
    what_happened: str
    what_would_help: str
    anonymous: bool
    reporter_key: str = field(repr=False)
    reporter: UserRef | None
    status: CalloutStatus
    raised_at: datetime
    learning_note: str = ""
    history: tuple[StatusChange, ...] = ()
    follow_up: FollowUp = NO_FOLLOW_UP
    reporter_organisation_id: str | None = None

    def __post_init__(self) -> None:
        # Enforced here, not only in raise_callout, so a storage mapping that loads a ref into
        # an anonymous call-out fails loudly instead of leaking it into the agenda.
        if self.anonymous and self.reporter is not None:
            raise ValueError("an anonymous call-out must not hold the reporter's identity")
        if self.reporter_organisation_id is not None and not self.anonymous:
            raise ValueError("a named call-out shows its reporter, not only their organisation")
        if not self.anonymous and self.reporter is None:
            raise ValueError("a named call-out needs its reporter")
        if not self.reporter_key:
            raise ValueError("a call-out needs a reporter key")
        # SQLite hands back naive datetimes; failing here beats silently reading the host's zone.
        _require_aware(self.raised_at, "raised_at")

    @property
    def disclosure(self) -> Disclosure:
        if not self.anonymous:
            return Disclosure.NAMED
        if self.reporter_organisation_id is not None:
            return Disclosure.ORGANISATION
        return Disclosure.ANONYMOUS

    @property
    def is_live(self) -> bool:
        """Still on the agenda: open, or discussed but not yet resolved."""
        return self.status in LIVE_STATUSES

    @property
    def status_changed_at(self) -> datetime:
        """When the call-out last changed status (when it was raised, if it never has)."""
        return self.history[-1].at if self.history else self.raised_at

    def changed_to_at(self, status: CalloutStatus) -> datetime | None:
        """When the call-out entered `status`, or None if it never did."""
        return next((step.at for step in self.history if step.to_status is status), None)

    @property
    def learning_notes(self) -> tuple[tuple[datetime, str], ...]:
        """Every learning note ever set, with when: discussing and resolving may each add one."""
        return tuple((step.at, step.note) for step in self.history if step.note)

    def raised_by(self, reporter_key: str) -> bool:
        """Whether `reporter_key` is the reporter's; constant-time since it guards anonymity."""
        return hmac.compare_digest(self.reporter_key.encode(), reporter_key.encode())


@dataclass(frozen=True, slots=True)
class NotifyReporter:
    """Tell the reporter privately that their call-out changed status (or was received).

    `reporter` is None for anonymous call-outs: the application finds the person whose key is
    `reporter_key`, so no clear identity ever travels with the effect.
    """

    reporter_key: str = field(repr=False)
    reporter: UserRef | None
    callout_id: str
    new_status: CalloutStatus


CalloutEffect = NotifyReporter


class CalloutDecision(NamedTuple):
    """The call-out after a step, and what the application should do about it."""

    callout: Callout
    effects: tuple[CalloutEffect, ...]


def raise_callout(
    *,
    callout_id: str,
    compact: Compact,
    compact_version: int,
    clause_id: str,
    about_organisation_id: str,
    what_happened: str | None,
    what_would_help: str | None,
    anonymous: bool,
    reporter: UserRef,
    reporter_key: str,
    now: datetime,
    reporter_organisation_id: str | None = None,
) -> CalloutDecision:
    """Validate a new call-out against `compact` and open it; the reporter gets an acknowledgement.

    `reporter` is the person raising it; when `anonymous` it is used for nothing and dropped, so
    the caller cannot forget to. `reporter_key` is the application's keyed hash of `reporter`.
    `reporter_organisation_id` is the organisation an anonymous reporter chose to be shown as
    ("someone from my organisation"; see `disclosures_offered`).
    """
    if not callout_id:
        raise ValueError("a call-out needs an id")
    if not reporter_key:
        raise ValueError("a call-out needs a reporter key")
    clause = _known_clause(compact, clause_id.strip())
    organisation_id = about_organisation_id.strip()
    organisations = {org.id: org for org in compact.organisations}
    if organisation_id not in organisations:
        names = ", ".join(f"{org.id} ({org.name})" for org in compact.organisations)
        raise InvalidInput(
            f"There is no partner organisation '{organisation_id}'. The partners are: {names}.",
            field="partner",
        )
    organisation = organisations[organisation_id]
    if reporter_organisation_id is not None and reporter_organisation_id not in organisations:
        raise ValueError(f"no partner organisation {reporter_organisation_id!r} to be shown as")
    if organisation.role_id != clause.role_id:
        # A clause binds one role; pairing it with a partner that plays another role would
        # table a deviation from a promise that partner never made.
        raise InvalidInput(
            f"Clause '{clause.id}' is a responsibility of the {_role_name(compact, clause.role_id)}"
            f" partners, and {organisation.name} is a {_role_name(compact, organisation.role_id)}"
            " partner. Please choose a clause that binds them, or the partner it is about.",
            field="clause",
        )
    callout = Callout(
        id=callout_id,
        partnership_slug=compact.slug,
        clause_id=clause.id,
        compact_version=compact_version,
        about_organisation_id=organisation.id,
        what_happened=clean_text(
            what_happened,
            field="description of what happened",
            limit=MAX_ANSWER_CHARS,
            required=True,
            key="what_happened",
        ),
        what_would_help=clean_text(
            what_would_help,
            field="note on what would help",
            limit=MAX_ANSWER_CHARS,
            required=False,
            key="what_would_help",
        ),
        anonymous=anonymous,
        reporter_key=reporter_key,
        reporter=None if anonymous else reporter,
        status=CalloutStatus.OPEN,
        raised_at=now,
        reporter_organisation_id=reporter_organisation_id if anonymous else None,
    )
    return CalloutDecision(callout, (_notify(callout),))


@dataclass(frozen=True, slots=True)
class GroupSizes:
    """How many members the partnership has, in all and per organisation: what decides
    which disclosures hide a reporter in a large enough crowd."""

    partnership: int
    by_organisation: Mapping[str, int]


def disclosures_offered(
    sizes: GroupSizes, reporter_organisation_id: str | None, *, min_group: int
) -> tuple[Disclosure, ...]:
    """What a reporter may choose: always their name; "someone from my organisation" when that
    organisation has at least `min_group` members; anonymous when the partnership has."""
    offered = [Disclosure.NAMED]
    if (
        reporter_organisation_id is not None
        and sizes.by_organisation.get(reporter_organisation_id, 0) >= min_group
    ):
        offered.append(Disclosure.ORGANISATION)
    if sizes.partnership >= min_group:
        offered.append(Disclosure.ANONYMOUS)
    return tuple(offered)


def mark_discussed(
    callout: Callout,
    *,
    by_is_facilitator: bool,
    learning_note: str | None,
    now: datetime,
    follow_up: FollowUp = NO_FOLLOW_UP,
) -> CalloutDecision:
    """Record that the meeting discussed the call-out, with the learning it shared (required)
    and what it agreed to do next (optional, see `follow_up_from`).

    Repeating the same step with the same note and follow-up is a retry and changes nothing.
    """
    if not by_is_facilitator:
        raise NotAllowed("Only a facilitator can mark a call-out as discussed.")
    note = _learning_note(learning_note, required=True)
    if (
        callout.status is CalloutStatus.DISCUSSED
        and note == callout.learning_note
        and follow_up == callout.follow_up
    ):
        return CalloutDecision(callout, ())
    moved = _move(callout, CalloutStatus.DISCUSSED, now, note)
    return CalloutDecision(replace(moved.callout, follow_up=follow_up), moved.effects)


def follow_up_from(
    compact: Compact,
    *,
    owner: str | None,
    action: str | None,
    review_on: str | None,
    today: date,
) -> FollowUp:
    """The follow-up as typed in the note form, checked: a partner of the compact, an action
    within the note's limit, a review day as YYYY-MM-DD and not in the past."""
    owner_id = (owner or "").strip()
    organisations = {org.id for org in compact.organisations}
    if owner_id and owner_id not in organisations:
        names = ", ".join(org.id for org in compact.organisations)
        raise InvalidInput(
            f"There is no partner organisation '{owner_id}'. The partners are: {names}.",
            field="owner",
        )
    agreed = clean_text(
        action, field="agreed action", limit=MAX_NOTE_CHARS, required=False, key="action"
    )
    return FollowUp(owner_id, agreed, _review_day((review_on or "").strip(), today))


def _review_day(text: str, today: date) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not a date; write the review date like {today.isoformat()}.",
            field="review_on",
        ) from None
    if day < today:
        raise InvalidInput(
            f"The review date {day.isoformat()} has passed; choose today or a later day.",
            field="review_on",
        )
    return day


def resolve(
    callout: Callout, *, by_is_facilitator: bool, learning_note: str | None = None, now: datetime
) -> CalloutDecision:
    """Close a call-out as resolved.

    From `discussed` the note is optional (a new one replaces the discussed note; the old one
    stays in `history`). Straight from `open` a note is required, because the digest shares
    resolved call-outs by their learning and there would otherwise be none.
    """
    if not by_is_facilitator:
        raise NotAllowed("Only a facilitator can resolve a call-out.")
    note = _learning_note(learning_note, required=False)
    if callout.status is CalloutStatus.RESOLVED and note in ("", callout.learning_note):
        return CalloutDecision(callout, ())
    if callout.status is CalloutStatus.OPEN and not note:
        raise InvalidInput(
            "This call-out has not been discussed yet, so please add a shared-learning note"
            " saying what was learned when resolving it."
        )
    return _move(callout, CalloutStatus.RESOLVED, now, note or callout.learning_note)


def withdraw(callout: Callout, *, reporter_key: str, now: datetime) -> CalloutDecision:
    """Withdraw a live call-out; only its reporter may, recognised by their key.

    Withdrawing one already withdrawn is a retry and changes nothing.
    """
    if not callout.raised_by(reporter_key):
        raise NotAllowed("Only the person who raised a call-out can withdraw it.")
    if callout.status is CalloutStatus.WITHDRAWN:
        return CalloutDecision(callout, ())
    return _move(callout, CalloutStatus.WITHDRAWN, now, callout.learning_note)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """A live call-out as facilitators see it: what, about whom, and for named ones by whom.

    There is deliberately no reporter key here, and `reporter` is None for anonymous
    call-outs; `raised_on` is a day, not a moment, for the same reason.
    """

    callout_id: str
    clause_id: str
    compact_version: int
    about_organisation_id: str
    what_happened: str
    what_would_help: str
    status: CalloutStatus
    raised_on: date
    learning_note: str
    reporter: UserRef | None
    follow_up: FollowUp = NO_FOLLOW_UP
    # Raised before the partnership's last meeting and still waiting: it was carried over.
    carried_over: bool = False
    # Set for "someone from my organisation": the organisation shown instead of the person.
    reporter_organisation_id: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.reporter is None


def agenda_view(
    callouts: Iterable[Callout], *, tz: tzinfo = UTC, last_meeting: datetime | None = None
) -> tuple[AgendaItem, ...]:
    """The facilitators' agenda: open call-outs first, then discussed ones awaiting resolution.

    `tz` is the partnership's time zone, so `raised_on` is the day people there would name.
    Within a status the oldest day comes first, so nothing waits for ever behind newer items.
    `last_meeting` is when the partnership's last round closed: an item raised before it has
    been carried over from that meeting.
    """
    # By day, then by the random reference: an order by the minute would place an anonymous
    # item between named ones and hint at who raised it.
    live = sorted(
        (c for c in callouts if c.is_live),
        key=lambda c: (
            c.status is not CalloutStatus.OPEN,
            c.raised_at.astimezone(tz).date(),
            c.id,
        ),
    )
    return tuple(
        AgendaItem(
            callout_id=c.id,
            clause_id=c.clause_id,
            compact_version=c.compact_version,
            about_organisation_id=c.about_organisation_id,
            what_happened=c.what_happened,
            what_would_help=c.what_would_help,
            status=c.status,
            raised_on=c.raised_at.astimezone(tz).date(),
            learning_note=c.learning_note,
            reporter=None if c.anonymous else c.reporter,
            follow_up=c.follow_up,
            carried_over=_carried_over(c, last_meeting),
            reporter_organisation_id=c.reporter_organisation_id,
        )
        for c in live
    )


def _carried_over(callout: Callout, last_meeting: datetime | None) -> bool:
    """Raised before the last meeting. An unnamed reporter's raising is stored as its UTC day
    only, so for them the whole day must come before the meeting (the same day is unknown)."""
    if last_meeting is None:
        return False
    if not callout.anonymous:
        return callout.raised_at < last_meeting
    day = callout.raised_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1) <= last_meeting


# How long facilitators' agendas mention a call-out withdrawn after it was discussed.
WITHDRAWN_SHOWN_FOR: Final = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class WithdrawnItem:
    """A call-out withdrawn after the meeting discussed it, as facilitators may know it: what
    it was about and the learning that stays, never who withdrew it nor when."""

    callout_id: str
    clause_id: str
    learning_note: str


def withdrawn_after_discussion(
    callouts: Iterable[Callout],
    *,
    now: datetime,
    tz: tzinfo = UTC,
    shown_for: timedelta = WITHDRAWN_SHOWN_FOR,
) -> tuple[WithdrawnItem, ...]:
    """Discussed call-outs since withdrawn, for the facilitators' agenda.

    Shown from the day after the withdrawal (in `tz`), never the same day, so an agenda looked
    at just before and just after cannot time it (docs/privacy.md); for `shown_for` after.
    """
    _require_aware(now, "now")
    today = now.astimezone(tz).date()
    shown: list[WithdrawnItem] = []
    for callout in callouts:
        if callout.status is not CalloutStatus.WITHDRAWN:
            continue
        if callout.changed_to_at(CalloutStatus.DISCUSSED) is None:
            continue
        day = callout.status_changed_at.astimezone(tz).date()
        if day < today and today - day <= shown_for:
            shown.append(WithdrawnItem(callout.id, callout.clause_id, callout.learning_note))
    # By clause and random reference, never by time.
    return tuple(sorted(shown, key=lambda item: (item.clause_id, item.callout_id)))


def _move(callout: Callout, to: CalloutStatus, now: datetime, note: str) -> CalloutDecision:
    _require_aware(now, "now")
    if to not in ALLOWED_TRANSITIONS[callout.status]:
        raise InvalidTransitionError(callout.status, to)
    step = StatusChange(callout.status, to, now, note if note != callout.learning_note else "")
    moved = replace(callout, status=to, learning_note=note, history=(*callout.history, step))
    return CalloutDecision(moved, (_notify(moved),))


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


def _notify(callout: Callout) -> NotifyReporter:
    return NotifyReporter(
        reporter_key=callout.reporter_key,
        reporter=None if callout.anonymous else callout.reporter,
        callout_id=callout.id,
        new_status=callout.status,
    )


def _learning_note(value: str | None, *, required: bool) -> str:
    return clean_text(
        value, field="shared-learning note", limit=MAX_NOTE_CHARS, required=required, key="note"
    )


def _known_clause(compact: Compact, clause_id: str) -> Clause:
    for clause in compact.clauses:
        if clause.id == clause_id:
            return clause
    ids = [clause.id for clause in compact.clauses]
    close = difflib.get_close_matches(clause_id, ids, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise InvalidInput(
        f"There is no clause '{clause_id}' in the compact.{hint}"
        " Use `/compact show` to see every clause and its id.",
        field="clause",
    )


def _role_name(compact: Compact, role_id: str) -> str:
    return next((role.name for role in compact.roles if role.id == role_id), role_id)
