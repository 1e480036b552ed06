"""Recording facilitators' actions in the audit trail, inside the action's own transaction."""

from __future__ import annotations

from datetime import datetime

from bot.repositories import UnitOfWork
from bot.usecases.place import Place
from rituals.audit import AuditAction, AuditEntry
from rituals.refs import ConversationRef, UserRef
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


async def record_action_by(
    uow: UnitOfWork,
    place: Place,
    user: UserRef,
    action: AuditAction,
    *,
    subject: str,
    now: datetime,
) -> None:
    """`record_action` for the person behind `user` (a use case that has not looked them
    up); someone the partnership does not know cannot have acted as its facilitator."""
    person = await uow.people.find(place.partnership_id, user)
    if person is not None:
        await record_action(uow, place, person, action, subject=subject, now=now)


async def record_link(
    uow: UnitOfWork, place: Place, user: UserRef, channel: ConversationRef, now: datetime
) -> None:
    """A channel linked to the partnership (by its facilitator `user`)."""
    subject = f"{channel.platform} channel {channel.channel}"
    await record_action_by(uow, place, user, AuditAction.LINK, subject=subject, now=now)
