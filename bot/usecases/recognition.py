"""Recognising the compact file's people on Slack and Teams, by the id the file gives them or
the email in their profile, in the partnership's own workspaces or tenants (docs/slack.md,
"Recognised by email"); before a request's use case, in transactions of its own, or for a
reply in a round's thread when that use case finds the person unknown (`FirstContact`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot import words
from bot.messages import Message
from bot.profiles import MISSING_SCOPE, ProfileUnavailable
from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import CONSOLE
from bot.views.rounds import notice, said
from rituals.compact import Compact
from rituals.refs import ConversationRef, UserRef
from rituals.stored import FROM_EMAIL, FROM_FILE

log = logging.getLogger("compact.recognition")


@dataclass(frozen=True, slots=True)
class Recognised:
    """What recognition found that the request may need to say (`missing_scope`: this
    workspace's profiles cannot be read until the app is reinstalled)."""

    missing_scope: bool = False


@dataclass(slots=True)
class _Findings:
    matches: list[tuple[UserRef, str, str]] = field(default_factory=list)
    collisions: set[tuple[str, ...]] = field(default_factory=set)
    missing_scope: set[tuple[str, str]] = field(default_factory=set)


async def recognise(
    services: Services,
    conversation: ConversationRef,
    actors: Iterable[Actor],
    *,
    partnership_id: int | None = None,
    linking: bool = False,
) -> Recognised:
    """Recognise each of `actors` not yet known as a person of the compact file, in the
    partnership of `conversation` (or `partnership_id`). `linking`: a facilitator is linking
    this conversation, so with no workspace listed or linked yet, its own counts."""
    users = list(dict.fromkeys(a.user for a in actors if a.user.platform != CONSOLE))
    if not users:
        return Recognised()
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        if partnership_id is None:
            partnership_id = await uow.channels.partnership_of(conversation.in_thread(None))
        if partnership_id is None:
            return Recognised()
        unknown = [
            user
            for user in users
            if not await known_already(uow, services, partnership_id, user, now, memory=not linking)
        ]
        stored = await uow.compacts.latest_for(partnership_id) if unknown else None
        if stored is None:
            return Recognised()
        homes: dict[str, set[str]] = {}
        for platform in {user.platform for user in unknown}:
            listed = set(stored.compact.tenants_for(platform))
            homes[platform] = listed or await uow.people.home_tenants(partnership_id, platform)
            if linking and not homes[platform] and platform == conversation.platform:
                homes[platform] = {conversation.tenant}
    findings = _Findings()
    for user in unknown:
        await _match(services, stored.compact, user, homes[user.platform], conversation, findings)
    if findings.matches or findings.collisions or findings.missing_scope:
        await _record(services, partnership_id, stored.compact, findings)
    return Recognised(missing_scope=bool(findings.missing_scope))


async def recognise_or_log(
    services: Services,
    conversation: ConversationRef,
    actors: Iterable[Actor],
    *,
    partnership_id: int | None = None,
) -> None:
    """`recognise`, for a request that goes on either way: a failure is logged, and the
    people stay unknown until their next request."""
    try:
        await recognise(services, conversation, actors, partnership_id=partnership_id)
    except Exception:
        log.exception("recognising people failed; they stay unknown for now")


async def known_already(
    uow: UnitOfWork,
    services: Services,
    partnership_id: int,
    user: UserRef,
    now: datetime,
    *,
    memory: bool = True,
) -> bool:
    """Whether `user` needs no recognising in the partnership: found with a handle, or
    remembered by this process as found lately (`memory`: use and keep that memory)."""
    if user.platform == CONSOLE:
        return True
    if memory and services.known_people.holds(partnership_id, user, now):
        return True
    person = await uow.people.find(partnership_id, user)
    if person is None or person.handle is None:
        return False
    if memory:
        services.known_people.remember(partnership_id, user, now)
    return True


class FirstContact:
    """Recognition inside a use case's own transaction, for a request whose use case finds
    the partnership itself (a reply in a round's thread): no transaction of its own for
    someone known, and the partnership is the one the use case acts in."""

    def __init__(self, services: Services, actor: Actor, conversation: ConversationRef) -> None:
        self._services = services
        self._actor = actor
        self._conversation = conversation
        self._checked = False

    async def check(self, uow: UnitOfWork, partnership_id: int) -> None:
        """Raise `Unrecognised` (once) when the actor is not known yet in the partnership:
        the use case then rolls back, has them recognised, and tries again."""
        if self._checked:
            return
        self._checked = True
        now = self._services.clock.now()
        if not await known_already(uow, self._services, partnership_id, self._actor.user, now):
            raise Unrecognised(self, partnership_id)

    async def recognise(self, partnership_id: int) -> None:
        await recognise_or_log(
            self._services, self._conversation, (self._actor,), partnership_id=partnership_id
        )


class Unrecognised(Exception):
    """The person acting is not known yet: recognise them outside the transaction."""

    def __init__(self, contact: FirstContact, partnership_id: int) -> None:
        super().__init__("the person acting is not recognised yet")
        self.contact = contact
        self.partnership_id = partnership_id

    async def recognise(self) -> None:
        await self.contact.recognise(self.partnership_id)


async def _match(
    services: Services,
    compact: Compact,
    user: UserRef,
    home: set[str],
    near: ConversationRef,
    findings: _Findings,
) -> None:
    """Who in the file `user` is: the file's id wins, then a single email match. Someone
    from a workspace or tenant the partnership does not recognise stays a guest."""
    if user.tenant not in home:
        return
    by_id = compact.person_with_id(user.platform, user.user_id)
    if by_id is not None:
        findings.matches.append((user, by_id.handle, FROM_FILE))
        return
    profiles = services.profiles.get(user.platform)
    if profiles is None or not any(p.email for p in compact.people):
        return
    try:
        profile = await profiles.profile(user, near)
    except ProfileUnavailable as problem:
        # Never the person's id: they may be about to raise a call-out.
        log.warning(
            "a %s profile could not be read (%s); that person stays unknown for now",
            user.platform,
            problem.reason,
        )
        if problem.reason == MISSING_SCOPE:
            findings.missing_scope.add((user.platform, user.tenant))
        return
    if profile.email is None or profile.home_tenant not in home:
        return
    named = compact.people_with_email(profile.email)
    if len(named) == 1:
        findings.matches.append((user, named[0].handle, FROM_EMAIL))
    elif named:
        findings.collisions.add(tuple(sorted(p.handle for p in named)))


async def _record(
    services: Services, partnership_id: int, compact: Compact, findings: _Findings
) -> None:
    """Store the matches (one transaction of their own), then tell the facilitators, once,
    about emails that match several people and workspaces whose emails cannot be read."""
    now = services.clock.now()
    notices: list[tuple[str, Message]] = []
    async with services.database.unit_of_work() as uow:
        for user, handle, source in findings.matches:
            person = await uow.people.find_by_handle(partnership_id, handle)
            if person is not None:
                await uow.people.link_identity(person.id, user, source=source)
        facilitators = await uow.people.identities_for_handles(partnership_id, compact.facilitators)
        # Told once (a request key), and only once someone can be told.
        platforms = {f.platform for f in facilitators}
        for handles in sorted(findings.collisions if facilitators else ()):
            key = f"recognition:collision:{partnership_id}:{','.join(handles)}"
            if await services.request_keys.first_time(uow, key, now):
                names = ", ".join(f"@{h}" for h in handles)
                notices.append(("", said(words.EMAILS_COLLIDE, handles=names)))
        for platform, tenant in sorted(findings.missing_scope):
            key = f"recognition:missing-scope:{partnership_id}:{platform}:{tenant}"
            if platform in platforms and await services.request_keys.first_time(uow, key, now):
                notices.append((platform, notice(words.REINSTALL_FOR_EMAILS)))
        await uow.commit()
    for platform, message in notices:
        for facilitator in facilitators:
            if not platform or facilitator.platform == platform:
                await services.tell(facilitator, message)
