"""A person's one-to-one chat with the bot, and which partnership it belongs to.

Teams keeps call-outs out of channels: people raise them in their personal chat with the bot.
Commands there need a partnership like any conversation, but nobody should have to link
every person's chat by hand, so it is linked on first contact: to the partnership that knows
the person. Anything else (a stranger, or someone known in several partnerships) is left
unlinked rather than guessed: anyone in the tenant can chat with the bot.
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
        # Only a partnership that knows the person: anyone in the tenant can chat with the
        # bot, and a stranger must not be handed a partnership's compact, agenda or digest.
        theirs = await uow.people.partnerships_knowing(actor.user)
        if len(theirs) != 1:
            return False
        await uow.channels.bind(theirs[0], chat, digest=False)
        await uow.commit()
    return True
