"""Where a request happens: which partnership, which compact version, and who is asking.

Every use case starts here, so every query that follows is scoped to one partnership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import words
from bot.messages import Message
from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.views.rounds import said
from rituals.compact import Compact
from rituals.errors import NotFound
from rituals.refs import ConversationRef, UserRef
from rituals.round import Attendee
from rituals.stored import Person, StoredCompact

CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class Place:
    partnership_id: int
    stored: StoredCompact

    @property
    def compact(self) -> Compact:
        return self.stored.compact

    @property
    def slug(self) -> str:
        return self.stored.partnership_slug

    def is_facilitator(self, person: Person) -> bool:
        handle = (person.handle or "").lower()
        return bool(handle) and handle in {h.lower() for h in self.compact.facilitators}


async def place_of(uow: UnitOfWork, conversation: ConversationRef) -> Place:
    """The partnership bound to `conversation`; a clear error when there is none.

    A channel the compact file declares is bound here, with its workspace or tenant, the
    first time it is used (kept if the caller's transaction commits, else bound again)."""
    channel = conversation.in_thread(None)
    partnership_id = await uow.channels.partnership_of(channel)
    if partnership_id is None:
        partnership_id = await uow.channels.declared_holder(channel.platform, channel.channel)
        if partnership_id is not None:
            await uow.channels.bind(partnership_id, channel)
    if partnership_id is None:
        raise NotFound(words.NOT_IN_PARTNERSHIP)
    stored = await uow.compacts.latest_for(partnership_id)
    if stored is None:
        raise NotFound(words.NOT_IN_PARTNERSHIP)
    return Place(partnership_id, stored)


def handle_of(user: UserRef) -> str | None:
    """On the console people are their handles, as named in the compact file; elsewhere
    identities come from the platform."""
    return user.user_id if user.platform == CONSOLE else None


def handle_identity(user: UserRef, handle: str) -> UserRef | None:
    """The identity the person named `handle` has on `user`'s platform, if handles are ids."""
    return UserRef(CONSOLE, user.tenant, handle.lower()) if user.platform == CONSOLE else None


@dataclass(frozen=True, slots=True)
class Member:
    """A person in the partnership; `first_contact` is set only the one time we must ask
    which organisation they represent."""

    person: Person
    user: UserRef
    first_contact: bool

    @property
    def attendee(self) -> Attendee:
        return Attendee(self.user, self.person.organisation_key, self.person.display_name)


async def known_person(uow: UnitOfWork, place: Place, user: UserRef) -> Person | None:
    """Who `user` is, if we know them, without recording anything (reads leave no trace)."""
    person = await uow.people.find(place.partnership_id, user)
    if person is None and handle_of(user) is not None:
        person = await uow.people.find_by_handle(place.partnership_id, user.user_id)
    return person


async def facilitators_of(uow: UnitOfWork, place: Place, like: UserRef) -> tuple[UserRef, ...]:
    """Every facilitator of the partnership (co-chairs too) on `like`'s platform and tenant,
    so a facilitator-only notice reaches all of them."""
    found = set(
        await uow.people.identities_for_handles(
            place.partnership_id,
            place.compact.facilitators,
            platform=like.platform,
            tenant=like.tenant,
        )
    )
    for handle in place.compact.facilitators:
        same_person = handle_identity(like, handle)
        if same_person is not None:
            found.add(same_person)
    return tuple(sorted(found, key=lambda user: (user.platform, user.tenant, user.user_id)))


async def _recorded(
    uow: UnitOfWork, place: Place, actor: Actor, *, created_at: datetime | None
) -> Person:
    """`actor` as a person of the partnership: found, linked to the compact file's person of
    the same handle (console), or recorded new."""
    person = await uow.people.find(place.partnership_id, actor.user)
    if person is not None:
        return person
    if handle_of(actor.user) is not None:
        named = await uow.people.find_by_handle(place.partnership_id, actor.user.user_id)
        if named is not None:
            await uow.people.link_identity(named.id, actor.user)
            return named
    return await uow.people.create(
        place.partnership_id, actor.user, actor.display_name, now=created_at
    )


async def make_reachable(uow: UnitOfWork, place: Place, actor: Actor, now: datetime) -> None:
    """Record `actor` so we can tell them things later (e.g. how their call-out went), when
    they open a call-out form, in a transaction of its own, and with no moment finer than the
    day: a person written with an anonymous call-out (its transaction, its second) would say
    who raised it."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    await _recorded(uow, place, actor, created_at=day)


async def member_of(uow: UnitOfWork, place: Place, actor: Actor, now: datetime) -> Member:
    """Find (or get to know) `actor` in the partnership."""
    person = await _recorded(uow, place, actor, created_at=now)
    first_contact = person.organisation_key is None and await uow.people.mark_asked(person.id, now)
    return Member(person, actor.user, first_contact)


def attendee_of(user: UserRef, person: Person | None) -> Attendee:
    """`user` as an attendee, with their organisation and name if known."""
    if person is None:
        return Attendee(user, None, user.user_id)
    return Attendee(user, person.organisation_key, person.display_name)


def is_unknown_handle(user: UserRef, person: Person | None) -> bool:
    """A handle named on a handle platform (the console) that nobody has: likely a typo.
    On Slack and Teams a mention is a real account, so anyone may be named there."""
    return person is None and handle_of(user) is not None


async def unknown_handles(
    uow: UnitOfWork, place: Place, people: tuple[Actor, ...] | list[Actor]
) -> list[str]:
    """The handles among `people` that nobody has (see `is_unknown_handle`)."""
    return [
        someone.user.user_id
        for someone in people
        if is_unknown_handle(someone.user, await known_person(uow, place, someone.user))
    ]


def unknown_people_notice(place: Place, handles: list[str], *, round_open: bool = True) -> Message:
    """Who is unknown, and how someone new joins: by speaking for themselves, which they
    can only do once a round is open (`round_open` False: the round was not started)."""
    known = ", ".join(f"@{p.handle}" for p in place.compact.people)
    names = ", ".join(f"@{h}" for h in handles)
    template = words.UNKNOWN_PEOPLE if round_open else words.UNKNOWN_PEOPLE_NOT_STARTED
    return said(template, names=names, known=known)
