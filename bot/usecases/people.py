"""Getting to know people: which organisation a newcomer represents, asked once."""

from __future__ import annotations

from bot import actions, words
from bot.messages import Actions, Button, Message, Paragraph
from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import Member, Place, member_of, place_of
from bot.views.rounds import notice, said
from rituals.refs import ConversationRef


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
        request_key: str | None = None,
    ) -> None:
        services = self._services
        key = organisation_key.strip().lower()
        async with services.database.unit_of_work() as uow:
            if request_key and not await services.request_keys.first_time(
                uow, request_key, services.clock.now()
            ):
                return  # a double-click: the first one was applied
            place = await place_of(uow, conversation)
            member = await member_of(uow, place, actor, services.clock.now())
            organisation = next((o for o in place.compact.organisations if o.id == key), None)
            if organisation is not None:
                await uow.people.set_organisation(member.person.id, organisation.id)
            await uow.commit()
        # Told after the transaction: no connection is held while a platform is called.
        if organisation is None:
            await services.tell(actor.user, ask_organisation(place, unknown=key), near=conversation)
            return
        await services.tell(
            actor.user,
            notice(words.ORGANISATION_SET.format(organisation=organisation.name)),
            near=conversation,
        )


def ask_organisation(place: Place, *, unknown: str = "") -> Message:
    organisations = place.compact.organisations
    listing = ", ".join(f"{o.id} ({o.name})" for o in organisations)
    lead = (
        said(words.UNKNOWN_ORGANISATION, key=unknown).blocks
        if unknown
        else (Paragraph.of(words.ASK_ORGANISATION),)
    )
    how = words.CHOOSE_ORGANISATION_HOW.format(listing=listing)
    buttons = tuple(Button(o.name[:75], actions.CHOOSE_ORGANISATION, o.id) for o in organisations)
    return Message(
        words.ASK_ORGANISATION if not unknown else how,
        (*lead, Paragraph.of(how), Actions(buttons)),
    )
