"""What follows a reflection changed after it was shared (withdrawn, hidden, edited after the
round closed): a private word to whoever changed it, and the posted summary redrawn."""

from __future__ import annotations

import logging

from bot import words
from bot.messages import Message
from bot.services import Services
from bot.views import rounds as views
from bot.views.names import Names
from rituals.compact import Compact
from rituals.refs import UserRef
from rituals.round import Rejection, Round
from rituals.round import effects as fx

log = logging.getLogger("compact.rounds")


async def carry_out_change(
    services: Services,
    effect: fx.RoundEffect,
    round_: Round,
    *,
    compact: Compact,
    names: Names,
    summary_id: str | None,
) -> bool:
    """Carry out `effect` if it is about a changed reflection; False if it is not."""
    near = round_.conversation
    match effect:
        case fx.WithdrawalConfirmed():
            await services.tell(
                effect.person, views.notice(words.ACK_REFLECTION_WITHDRAWN), near=near
            )
        case fx.VisibilityChanged():
            before, after = (
                (words.REFLECTION_HIDDEN, words.REFLECTION_HIDDEN_END)
                if effect.hidden
                else (words.REFLECTION_SHOWN, words.REFLECTION_SHOWN_END)
            )
            message = views.with_people(before, (effect.person,), names, after)
            await services.tell(effect.to, message, near=near)
            if effect.person != effect.to and effect.changed:  # no moderation in silence
                told = (
                    words.REFLECTION_HIDDEN_TO_AUTHOR
                    if effect.hidden
                    else words.REFLECTION_SHOWN_TO_AUTHOR
                )
                await services.tell(effect.person, views.notice(told), near=near)
        case fx.SummaryChanged():
            await _redraw_summary(services, round_, compact, names, summary_id)
        case _:
            return False
    return True


async def _redraw_summary(
    services: Services, round_: Round, compact: Compact, names: Names, summary_id: str | None
) -> None:
    """Update the summary in place (Slack `chat.update`, Teams update activity; the console
    prints what changed). A round whose summary id was never recorded keeps its old summary;
    the digest shows the change either way."""
    if summary_id is None:
        log.info("round %s has no recorded summary to redraw", round_.id)
        return
    gateway = services.gateway(round_.conversation.platform)
    await gateway.update(
        round_.conversation, summary_id, views.summary(round_.summary(), compact, names)
    )


async def share_late(
    services: Services,
    round_: Round,
    *,
    compact: Compact,
    names: Names,
    summary_id: str | None,
    person: UserRef,
) -> None:
    """A reflection kept after the close: the summary redrawn with it (or posted, and
    remembered, when nothing had been shared), then a note under it saying whose it is."""
    gateway = services.gateway(round_.conversation.platform)
    if summary_id is not None:
        await _redraw_summary(services, round_, compact, names, summary_id)
    else:
        posted = await gateway.post(
            round_.conversation, views.summary(round_.summary(), compact, names)
        )
        await remember_summary(services, round_.id, posted)
    await gateway.post(round_.conversation, views.late_note(person, names))


def refusal_about_someone(effect: fx.Rejected, names: Names) -> Message | None:
    """A refusal naming the person it is about (and what to type instead), if it has one."""
    person = effect.about
    if person is None:
        return None
    if effect.reason is Rejection.NOT_IN_ROUND:
        return views.not_in_round(person, names)
    if effect.reason is Rejection.NO_REFLECTION:
        return views.with_people("", (person,), names, words.NO_REFLECTION_OF)
    return None


async def remember_summary(services: Services, round_id: str, message_id: str) -> None:
    """Record the message the summary went out as, so a later change can redraw it."""
    async with services.database.unit_of_work() as uow:
        await uow.rounds.set_summary(round_id, message_id)
        await uow.commit()
