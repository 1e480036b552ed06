"""The audit trail's entries: who did what, when (docs/privacy.md, "Your rights")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

FORMER_PARTICIPANT: Final = "a former participant"
"""How an erased person appears wherever a record of theirs is kept."""


class AuditAction(StrEnum):
    """The facilitator and operator actions the trail records."""

    LINK = "link"
    SETTINGS = "settings"
    DISCUSSED = "discussed"
    RESOLVE = "resolve"
    EXPORT = "export"
    FORGET = "forget"
    PARTNERSHIP_DELETE = "partnership delete"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action; `subject` names what it was done to (a call-out's reference, a channel,
    a person's row number), never a call-out's content."""

    at: datetime
    partnership_slug: str | None
    actor: str
    action: AuditAction
    subject: str = ""
    actor_person_id: int | None = None
