"""The two-way thread between the facilitators and a call-out's reporter, pure: who may write,
how often, and what is kept of when (docs/privacy.md, "The two-way thread")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Final

from rituals.callout import Callout, Disclosure
from rituals.errors import InvalidInput, NotAllowed, NotFound
from rituals.text import MAX_NOTE_CHARS, clean_text

MAX_THREAD_CHARS: Final = MAX_NOTE_CHARS


class ThreadSide(StrEnum):
    """Who wrote a thread message: the facilitators (never which one) or the reporter."""

    QUESTION = "question"
    REPLY = "reply"


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One question or reply; `at` is None when only the day may be kept (about a call-out
    that does not name its reporter)."""

    callout_id: str
    side: ThreadSide
    text: str
    on_day: date
    at: datetime | None


def ask(
    callout: Callout,
    *,
    by_is_facilitator: bool,
    question: str | None,
    asked_today: int,
    per_day: int,
    now: datetime,
    tz: tzinfo,
) -> ThreadMessage:
    """A facilitator's question to whoever raised a live call-out, at most `per_day` a day
    (`asked_today` already asked, counted in the partnership's zone `tz`)."""
    if not by_is_facilitator:
        raise NotAllowed("Only a facilitator can ask about a call-out.")
    _require_live(callout)
    text = _thread_text(question, "question")
    _within_limit(
        asked_today,
        per_day,
        f"Call-out {callout.id} has had its {_count(per_day, 'question')} for today;"
        " please ask again tomorrow.",
    )
    return _message(callout, ThreadSide.QUESTION, text, now, tz)


def reply(
    callout: Callout,
    *,
    reporter_key: str,
    answer: str | None,
    replied_today: int,
    per_day: int,
    now: datetime,
    tz: tzinfo,
) -> ThreadMessage:
    """The reporter's answer on a live call-out of theirs, at most `per_day` a day. Unless the
    call-out names them, only the day is kept: a moment could be matched to their activity."""
    if not callout.raised_by(reporter_key):
        raise NotAllowed("Only the person who raised a call-out can reply about it.")
    _require_live(callout)
    text = _thread_text(answer, "reply")
    _within_limit(
        replied_today,
        per_day,
        f"You have sent {_count(per_day, 'reply')} about call-out {callout.id} today;"
        " please send more tomorrow.",
    )
    return _message(callout, ThreadSide.REPLY, text, now, tz)


def _message(
    callout: Callout, side: ThreadSide, text: str, now: datetime, tz: tzinfo
) -> ThreadMessage:
    """Unless the call-out names its reporter, only the day is kept of either side: the moment
    of a question would bracket the reply written after it."""
    at = now if callout.disclosure is Disclosure.NAMED else None
    return ThreadMessage(callout.id, side, text, now.astimezone(tz).date(), at)


def _within_limit(written_today: int, per_day: int, refusal: str) -> None:
    if written_today >= per_day:
        raise InvalidInput(refusal, field="text")


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def _require_live(callout: Callout) -> None:
    if not callout.is_live:
        raise NotFound(f"Call-out {callout.id} is not on the agenda.")


def _thread_text(value: str | None, what: str) -> str:
    return clean_text(value, field=what, limit=MAX_THREAD_CHARS, required=True, key="text")
