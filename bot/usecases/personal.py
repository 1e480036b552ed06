"""A person's one-to-one chat with the bot, linked to a partnership on first contact only when
that is unambiguous, and the bot's introduction where it is installed (docs/teams.md)."""

from __future__ import annotations

import logging

from bot import words
from bot.messages import Message, Paragraph
from bot.repositories import UnitOfWork
from bot.requests import Actor, Installation
from bot.routes.commands import help_text
from bot.services import Services
from bot.views.rounds import notice
from rituals.refs import ConversationRef

log = logging.getLogger("compact.personal")


async def adopt_personal_chat(
    services: Services, actor: Actor, conversation: ConversationRef
) -> bool:
    """Link `actor`'s personal chat to their partnership if that is unambiguous; True when
    the chat belongs to a partnership afterwards."""
    async with services.database.unit_of_work() as uow:
        adopted = await link_personal_chat(uow, actor, conversation)
        await uow.commit()
    return adopted


async def link_personal_chat(uow: UnitOfWork, actor: Actor, conversation: ConversationRef) -> bool:
    """`adopt_personal_chat` inside a caller's transaction."""
    chat = conversation.in_thread(None)
    if await uow.channels.partnership_of(chat) is not None:
        return True
    # Only a partnership that knows the person: anyone in the tenant can chat with the
    # bot, and a stranger must not be handed a partnership's compact, agenda or digest.
    theirs = await uow.people.partnerships_knowing(actor.user)
    if len(theirs) != 1:
        return False
    await uow.channels.bind(theirs[0], chat, digest=False)
    return True


async def welcome(services: Services, installation: Installation) -> None:
    """The bot was installed: recorded once (with the personal chat's link), then it says
    hello where it was added (the help, in a shared conversation)."""
    async with services.database.unit_of_work() as uow:
        key = installation.request_id
        if key is not None and not await services.request_keys.first_time(
            uow, key, services.clock.now()
        ):
            log.info("a repeated installation was ignored")
            return
        if installation.private_chat:
            await link_personal_chat(uow, installation.actor, installation.conversation)
        await uow.commit()
    if installation.private_chat:
        hello = notice(words.TEAMS_WELCOME_PERSONAL)
    else:
        hello = Message(
            words.TEAMS_WELCOME, (Paragraph.of(words.TEAMS_WELCOME), Paragraph.of(help_text()))
        )
    channel = installation.conversation.in_thread(None)
    await services.gateway(channel.platform).post(channel, hello)
