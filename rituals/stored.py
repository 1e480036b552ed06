"""What the application reads back from storage: domain values with the ids and versions
that stored them. Pure values, so the unit-of-work port (`bot.repositories`), the SQL
repositories (`storage/`) and the in-memory fake all speak them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from rituals.callout import Callout
from rituals.compact import Compact
from rituals.refs import UserRef
from rituals.round.state import Round

ANY_TENANT: Final = "*"
"""The tenant of identities once stored for any workspace; no longer written (migration 0012)."""
FROM_FILE: Final = "file"
"""An identity recognised by an id the compact file gives the person (`ids:`)."""
FROM_EMAIL: Final = "email"
"""An identity recognised by the email in the person's platform profile."""


@dataclass(frozen=True, slots=True)
class StoredCompact:
    """A compact version as stored: the domain value plus the ids other rows refer to."""

    partnership_id: int
    partnership_slug: str
    version_id: int
    version: int
    compact: Compact
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class StoredRound:
    """A round as loaded, with the `version` a later `save` must still find."""

    round: Round
    partnership_id: int
    compact_version_id: int
    version: int
    summary_id: str | None = None
    """The message its summary was posted as (redrawn when a reflection changes later)."""


@dataclass(frozen=True, slots=True)
class StoredCallout:
    """A call-out as loaded, with the `version` a later `save` must still find."""

    callout: Callout
    partnership_id: int
    compact_version_id: int
    version: int


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the application sees them; each identity is scoped to one workspace or tenant."""

    id: int
    partnership_id: int
    handle: str | None
    display_name: str
    organisation_key: str | None
    identities: tuple[UserRef, ...]
    email: str | None = None
    asked_organisation_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """Someone's pending `/compact iam <organisation>`, waiting for a facilitator."""

    person_id: int
    display_name: str
    organisation_key: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class ExportedCallout:
    """One call-out for `compact-bot export`: what and about whom, never who raised it.

    There is no reporter field and no reporter key; dates are days, not moments, because a
    timestamp beside a meeting or a burst of chat can be enough to guess the reporter.
    """

    partnership_slug: str
    callout_id: str
    compact_version: int
    clause_id: str
    about_organisation_key: str
    what_happened: str
    what_would_help: str
    anonymous: bool
    # What the reporter chose to show: "named", "organisation" or "anonymous" (never who).
    raised_as: str
    status: str
    learning_note: str
    raised_on: date
    discussed_on: date | None
    resolved_on: date | None
    # Every learning note, oldest first, each as "YYYY-MM-DD: note" (days, as above).
    learning_notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportedReflection:
    """One reflection as `compact-bot export` writes it (one row of CSV, one JSON object)."""

    partnership_slug: str
    round_id: str
    compact_version: int
    submitted_at: datetime
    edited_at: datetime | None
    organisation_key: str | None
    author_name: str
    learned: str
    valued: str
    clause_ids: tuple[str, ...]
    hidden_at: datetime | None = None
    """Hidden from the summary and the digest by a facilitator; kept here for the record."""


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """An inbox row: a request acknowledged before it was handled, by its idempotency key;
    `kind` and `request` are the neutral request as JSON (no platform payload, no token)."""

    key: str
    kind: str
    request: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """An outbox row: round `round_id` changed and its messages may not have gone out."""

    id: int
    round_id: str


def dated_notes(callout: Callout) -> tuple[str, ...]:
    """The call-out's learning notes for an export: each with its day, never its moment."""
    return tuple(f"{at.date().isoformat()}: {note}" for at, note in callout.learning_notes)
