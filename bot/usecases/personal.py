"""A person's one-to-one chat with the bot, and which partnership it belongs to.

Teams keeps call-outs out of channels: people raise them in their personal chat with the bot.
Commands there need a partnership like any conversation, but nobody should have to link
every person's chat by hand, so it is linked on first contact: to the partnership that knows
the person, or to the only partnership there is. Anything else (someone known in several
partnerships) is left for a facilitator's `link`, rather than guessed.
"""

from __future__ import annotations

from bot.requests import Actor
from bot.services import Services
from rituals.refs import ConversationRef


async def adopt_personal_chat(
    services: Services, actor: Actor, conversation: ConversationRef
) -> bool:
    """Link `actor`'s personal chat to their partnership if that is unambiguous; True when
    the chat belongs to a partnership afterwards."""
    chat = conversation.in_thread(None)
    async with services.database.unit_of_work() as uow:
        if await uow.channels.partnership_of(chat) is not None:
            return True
        stored_all = await uow.compacts.latest_all()
        theirs = [
            stored
            for stored in stored_all
            if await uow.people.person_id(stored.partnership_id, actor.user) is not None
        ]
        chosen = theirs or (stored_all if len(stored_all) == 1 else [])
        if len(chosen) != 1:
            return False
        await uow.channels.bind(chosen[0].partnership_id, chat, digest=False)
        await uow.commit()
    return True
