"""Whether a round named by a button or a form belongs where it was pressed.

A button's value and a form's context come back from the platform as the client sent them,
so a crafted one can name any round id. A round is acted on only from its own conversation
(same platform, workspace/tenant and channel), or by one of its own people from their
private chat with the bot (where reminders and acknowledgements carry its buttons).
Call-outs need no such check: they are looked up within the partnership of the conversation
(`bot.usecases.callouts`), which is bound to one platform and workspace/tenant.
"""

from __future__ import annotations

from bot.requests import Actor
from bot.services import Services
from rituals.refs import ConversationRef


async def round_belongs_here(
    services: Services,
    round_id: str,
    actor: Actor,
    conversation: ConversationRef,
    *,
    private_chat: bool,
) -> bool:
    """False for a round of another conversation; True for one of this conversation, and
    for no round at all (the use case then says there is none, in the same words)."""
    async with services.database.unit_of_work() as uow:
        stored = await uow.rounds.get(round_id)
        if stored is None:
            return True
        home = stored.round.conversation
        if (home.platform, home.tenant) != (conversation.platform, conversation.tenant):
            return False
        if home.channel == conversation.channel:
            return True
        if stored.round.attendee(actor.user) is None:
            return False
        # Elsewhere only from the person's own chat with the bot: one bound to no partnership
        # (a Slack direct message) or, a Teams personal chat, to the round's own.
        bound = await uow.channels.partnership_of(conversation.in_thread(None))
    return bound is None or (private_chat and bound == stored.partnership_id)
