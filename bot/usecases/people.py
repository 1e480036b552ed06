"""Who represents whom: a newcomer is asked once which organisation they represent, their
answer is a claim a facilitator approves or declines, and the file's placements stand."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import actions, words
from bot.messages import Actions, Button, Message, Paragraph
from bot.repositories import UnitOfWork
from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import (
    Member,
    Place,
    facilitators_of,
    known_person,
    member_of,
    place_of,
)
from bot.views.people import (
    ClaimRef,
    claim_question,
    claim_settled,
    organisation_name,
    people_listing,
)
from bot.views.rounds import notice, said
from rituals.errors import NotAllowed, NotFound
from rituals.refs import ConversationRef, UserRef
from rituals.stored import ANY_TENANT, Claim, Person

log = logging.getLogger("compact.people")


class PeopleService:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def greet(
        self, place: Place, newcomers: list[Member], near: ConversationRef | None = None
    ) -> None:
        """Ask each newcomer, privately and once, which organisation they represent (beside
        the conversation they joined in, whose partnership their answer is for)."""
        for member in newcomers:
            await self._services.tell(member.user, ask_organisation(place), near=near)

    async def set_organisation(
        self,
        actor: Actor,
        conversation: ConversationRef,
        organisation_key: str,
        *,
        partnership: str = "",
        request_key: str | None = None,
    ) -> None:
        """`/compact iam <organisation> [partnership]`: a claim for a facilitator to approve;
        refused for someone the compact file places (the file is the record for them)."""
        services = self._services
        key = organisation_key.strip().lower()
        now = services.clock.now()
        async with services.database.unit_of_work() as uow:
            if request_key and not await services.request_keys.first_time(
                uow, request_key, services.clock.now()
            ):
                return  # a double-click: the first one was applied
            place = await _place_for(uow, actor, conversation, partnership)
            member = await member_of(uow, place, actor, now)
            reply, claim = await _claim(uow, place, member.person, key, now)
            chairs = await facilitators_of(uow, place, actor.user) if claim else ()
            if claim is not None and not chairs:
                reply = notice(words.CLAIM_NO_FACILITATOR.format(organisation=_name(place, key)))
            await uow.commit()
        # Told after the transaction: no connection is held while a platform is called.
        await services.tell(actor.user, reply, near=conversation)
        if claim is not None:
            question = claim_question(place.compact, claim)
            for chair in chairs:
                await services.tell(chair, question, near=conversation)

    async def decide_claim(
        self,
        actor: Actor,
        conversation: ConversationRef,
        reference: str,
        *,
        approve: bool,
        request_key: str | None = None,
    ) -> None:
        """A facilitator's Approve / Decline (button or `/compact approve|decline <claim>`)."""
        services = self._services
        ref = ClaimRef.parse(reference)
        if ref is None:
            word = "approve" if approve else "decline"
            await services.tell(actor.user, said(words.CLAIM_HOW, word=word), near=conversation)
            return
        async with services.database.unit_of_work() as uow:
            if request_key and not await services.request_keys.first_time(
                uow, request_key, services.clock.now()
            ):
                return
            place = await _facilitated(uow, actor, ref.slug)
            claim = await uow.membership.decide(
                place.partnership_id, ref.person_id, ref.organisation_key, approve=approve
            )
            claimant = await uow.membership.person(place.partnership_id, ref.person_id)
            await uow.commit()
        if claim is None:
            await services.tell(actor.user, notice(words.CLAIM_GONE), near=conversation)
            return
        organisation = _name(place, claim.organisation_key)
        done = words.CLAIM_APPROVED if approve else words.CLAIM_DECLINED
        await services.tell(
            actor.user, claim_settled(done, claim.display_name, organisation), near=conversation
        )
        reachable = _reachable(claimant)
        if reachable is not None:
            told = words.CLAIM_APPROVED_YOU if approve else words.CLAIM_DECLINED_YOU
            await services.tell(reachable, notice(told.format(organisation=organisation)))

    async def list_people(self, actor: Actor, conversation: ConversationRef) -> None:
        """`/compact people` (facilitators): who the partnership knows, and claims waiting."""
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            person = await known_person(uow, place, actor.user)
            if person is None or not place.is_facilitator(person):
                raise NotAllowed(words.PEOPLE_ONLY_FACILITATORS)
            people = await uow.membership.everyone(place.partnership_id)
            claims = await uow.membership.pending(place.partnership_id)
        await self._services.tell(
            actor.user, people_listing(place.compact, people, claims), near=conversation
        )


async def _place_for(
    uow: UnitOfWork, actor: Actor, conversation: ConversationRef, slug: str
) -> Place:
    """The partnership a claim is for: the one named (a button sent to a chat that belongs
    to none), if it knows the person, else the conversation's."""
    if not slug:
        return await place_of(uow, conversation)
    partnership_id = await uow.compacts.partnership_id(slug.strip().lower())
    stored = None if partnership_id is None else await uow.compacts.latest_for(partnership_id)
    if stored is None:
        raise NotFound(words.NOT_IN_PARTNERSHIP)
    place = Place(stored.partnership_id, stored)
    if await known_person(uow, place, actor.user) is None:
        raise NotFound(words.NOT_IN_PARTNERSHIP)
    return place


async def _facilitated(uow: UnitOfWork, actor: Actor, slug: str) -> Place:
    """The partnership `slug`, if `actor` facilitates it; refused otherwise."""
    partnership_id = await uow.compacts.partnership_id(slug)
    stored = None if partnership_id is None else await uow.compacts.latest_for(partnership_id)
    place = None if stored is None else Place(stored.partnership_id, stored)
    person = None if place is None else await known_person(uow, place, actor.user)
    if place is None or person is None or not place.is_facilitator(person):
        raise NotAllowed(words.PEOPLE_ONLY_FACILITATORS)
    return place


async def _claim(
    uow: UnitOfWork, place: Place, person: Person, key: str, now: datetime
) -> tuple[Message, Claim | None]:
    """The reply to `/compact iam <key>`, and the claim recorded (None: nothing to approve)."""
    placed = place.compact.person(person.handle) if person.handle else None
    if placed is not None:
        name = _name(place, placed.organisation_id)
        return notice(words.IAM_PLACED_BY_FILE.format(organisation=name)), None
    if key not in {o.id for o in place.compact.organisations}:
        return ask_organisation(place, unknown=key), None
    if person.organisation_key == key:
        return notice(words.ORGANISATION_SET.format(organisation=_name(place, key))), None
    await uow.membership.claim(person.id, key, now)
    claim = Claim(person.id, person.display_name, key, now)
    return notice(words.CLAIM_SENT.format(organisation=_name(place, key))), claim


def _name(place: Place, key: str | None) -> str:
    return organisation_name(place.compact, key)


def _reachable(person: Person | None) -> UserRef | None:
    """Where to tell someone how their claim went: an identity met on a platform."""
    if person is None:
        return None
    return next((i for i in person.identities if i.tenant != ANY_TENANT), None)


def ask_organisation(place: Place, *, unknown: str = "") -> Message:
    organisations = place.compact.organisations
    listing = ", ".join(f"{o.id} ({o.name})" for o in organisations)
    lead = (
        said(words.UNKNOWN_ORGANISATION, key=unknown).blocks
        if unknown
        else (Paragraph.of(words.ASK_ORGANISATION),)
    )
    how = words.CHOOSE_ORGANISATION_HOW.format(listing=listing)
    # The partnership rides along: the answer may come from a chat that belongs to none.
    buttons = tuple(
        Button(o.name[:75], actions.CHOOSE_ORGANISATION, f"{o.id} {place.slug}")
        for o in organisations
    )
    return Message(
        words.ASK_ORGANISATION if not unknown else how,
        (*lead, Paragraph.of(how), Actions(buttons)),
    )
