"""Where a conversation's open round stands, in a line: for the console's greeting after a
restart, and for someone whose plain line was not an answer (so it is not dropped silently)."""

from __future__ import annotations

from bot import words
from bot.messages import Inline, Message, Paragraph
from bot.requests import Actor
from bot.services import Services
from bot.views import rounds as views
from bot.views.names import mention
from rituals.refs import ConversationRef, UserRef
from rituals.round import Round


async def open_round(services: Services, conversation: ConversationRef) -> Round | None:
    async with services.database.unit_of_work() as uow:
        stored = await uow.rounds.open_in(conversation.in_thread(None))
    return stored.round if stored is not None else None


async def show_status(services: Services, actor: Actor, conversation: ConversationRef) -> None:
    """`/compact status`, privately: the open round, who has spoken, who is speaking and next."""
    round_ = await open_round(services, conversation)
    if round_ is None:
        message = Message(words.STATUS_NONE, (Paragraph.of(words.STATUS_NONE),))
    else:
        names = {a.user: a.name or a.user.user_id for a in round_.attendees}
        message = views.status(round_, names)
    await services.tell(actor.user, message, near=conversation)


def round_standing(round_: Round) -> Message:
    """ "A round is open here; it is @bob's turn." (or that it is still gathering)."""
    turn = round_.current_turn
    if turn is None:
        return _with_mention(words.ROUND_OPEN_GATHERING, None, round_)
    return _with_mention(words.ROUND_OPEN_TURN, turn.person, round_)


async def tell_not_an_answer(
    services: Services, actor: Actor, conversation: ConversationRef
) -> None:
    """A plain line that answered nothing while a round is open: say, privately, whose turn it
    is and what to type instead. With no round open it is just chat, and nothing is said."""
    round_ = await open_round(services, conversation)
    if round_ is None:
        return
    turn = round_.current_turn
    if turn is not None and turn.person == actor.user:
        template = words.ROUND_LINE_ALREADY_ANSWERED
    elif turn is None:
        template = words.ROUND_LINE_WHILE_GATHERING
    else:
        template = words.ROUND_LINE_NOT_YOUR_TURN
    message = _with_mention(template, turn.person if turn else None, round_)
    await services.tell(actor.user, message, near=conversation)


def _with_mention(template: str, person: UserRef | None, round_: Round) -> Message:
    """`template` with `{speaker}` as a mention of `person`."""
    if person is None or "{speaker}" not in template:
        return Message(template, (Paragraph.of(template),))
    names = {a.user: a.name or a.user.user_id for a in round_.attendees}
    who = mention(person, names)
    before, _, after = template.partition("{speaker}")
    parts: tuple[Inline, ...] = tuple(p for p in (before, who, after) if p)
    return Message(template.replace("{speaker}", f"@{who.name}"), (Paragraph(parts),))
