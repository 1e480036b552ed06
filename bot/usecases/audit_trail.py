"""Recording facilitators' actions in the audit trail, inside the action's own transaction."""

from __future__ import annotations

from datetime import datetime

from bot.repositories import UnitOfWork
from bot.usecases.place import Place
from rituals.audit import AuditAction, AuditEntry
from rituals.stored import Person


def actor_label(person: Person) -> str:
    """How the trail names someone: their handle from the compact file, else their name."""
    return f"@{person.handle}" if person.handle else person.display_name


async def record_action(
    uow: UnitOfWork,
    place: Place,
    person: Person,
    action: AuditAction,
    *,
    subject: str,
    now: datetime,
) -> None:
    """One facilitator action (who, what, to what, when); never a call-out's content."""
    await uow.audit.record(
        AuditEntry(
            at=now,
            partnership_slug=place.slug,
            actor=actor_label(person),
            action=action,
            subject=subject,
            actor_person_id=person.id,
        )
    )
