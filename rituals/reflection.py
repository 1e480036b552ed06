"""A reflection: what one attendee learned and especially valued, against compact clauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rituals.refs import UserRef


@dataclass(frozen=True, slots=True)
class Reflection:
    """One person's answer in a round; `turn_no` is None when they answered before their turn."""

    author: UserRef
    organisation_id: str | None
    learned: str
    valued: str
    clause_ids: tuple[str, ...]
    submitted_at: datetime
    turn_no: int | None = None
    edited_at: datetime | None = None
    withdrawn_at: datetime | None = None
    """Withdrawn by its author: its words are erased; it shows nowhere."""
    hidden_at: datetime | None = None
    """Hidden by a facilitator: kept for the record, out of the summary and the digest."""

    @property
    def shown(self) -> bool:
        """Whether the summary and the digest show it (neither withdrawn nor hidden)."""
        return self.withdrawn_at is None and self.hidden_at is None

    def same_content(self, learned: str, valued: str, clause_ids: tuple[str, ...]) -> bool:
        return (self.learned, self.valued, self.clause_ids) == (learned, valued, clause_ids)


@dataclass(frozen=True, slots=True)
class ReflectionRecord:
    """A stored reflection as the digest and export see it: flattened, with its round."""

    round_id: str
    author_name: str
    organisation_id: str | None
    learned: str
    valued: str
    clause_ids: tuple[str, ...]
    recorded_at: datetime
    edited_at: datetime | None = None
    """When its author last changed it, so what shows it can mark it as edited."""
    # An opaque key for the author (storage's `person-<id>`) so aggregates count distinct
    # people (rituals/groups.py); not part of what the record says.
    person: str = field(default="", compare=False)
