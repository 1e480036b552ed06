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
    # An opaque key for the author (storage's `person-<id>`) so aggregates count distinct
    # people (rituals/groups.py); not part of what the record says.
    person: str = field(default="", compare=False)
