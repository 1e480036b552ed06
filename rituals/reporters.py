"""How a call-out recognises its reporter without storing more than it must.

An anonymous call-out keeps a keyed hash (`bot/anonymity.py`) and, for what its reporter did,
the day only (`as_stored`). A named call-out keeps its
reporter's identity and no hash at all: a hash beside the named reporter would give a
database dump a way to test guesses of the secret. In memory its `reporter_key` is the
token below, made from the stored identity, so "is this mine?" stays one comparison.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from rituals.callout import Callout, CalloutStatus
from rituals.refs import UserRef

NAMED_PREFIX = "named:"
NO_REPORTER = "no-reporter"
"""The `reporter_key` of an anonymous call-out that keeps none (its reporter was erased):
no keyed hash (hex digits) and no named token equals it, so nobody can claim it."""


def named_reporter_key(user: UserRef) -> str:
    """A named call-out's `reporter_key` in memory: built from the identity stored beside
    it, never stored itself."""
    return NAMED_PREFIX + "\x1f".join((user.platform, user.tenant, user.user_id))


def reporters_day(moment: datetime) -> datetime:
    """The start (UTC) of `moment`'s day."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def as_stored(callout: Callout) -> Callout:
    """What storage keeps of `callout`. For an anonymous call-out, what its reporter did
    (raising it, withdrawing it) carries the day only: a second could be matched against
    platform or proxy logs. Facilitators' steps (discussed, resolved) keep their time. A
    named call-out's key is its reporter's token (nothing of it is stored)."""
    if not callout.anonymous:
        if callout.reporter is None:
            return callout
        return replace(callout, reporter_key=named_reporter_key(callout.reporter))
    history = tuple(
        replace(step, at=reporters_day(step.at))
        if step.to_status is CalloutStatus.WITHDRAWN
        else step
        for step in callout.history
    )
    return replace(callout, raised_at=reporters_day(callout.raised_at), history=history)
