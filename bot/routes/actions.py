"""Button presses: one handler per neutral action id (`bot.actions`), found in `ACTIONS`.

Each use case records the press's key in its own transaction, so a double-click is applied
once; buttons that only open a form carry no key (opening it again is legitimate).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from bot import actions, words
from bot.messages import Form
from bot.requests import ActionRequest, Actor
from bot.routes.base import UseCases
from bot.routes.commands import join, simple
from bot.usecases.boundaries import round_belongs_here
from bot.usecases.compacts import link_channel
from bot.usecases.health import mark_review
from bot.usecases.rounds import EventFor
from bot.views.rounds import parse_turn_value
from rituals.refs import ConversationRef, UserRef
from rituals.round import events as ev

ActionHandler = Callable[[UseCases, ActionRequest], Awaitable[Form | None]]
TurnEvent = Callable[[UserRef, int | None], ev.RoundEvent]


def on_round(event_for: TurnEvent) -> ActionHandler:
    """A round button: its value names the round (and the turn it was pressed for)."""

    async def handle(uc: UseCases, request: ActionRequest) -> None:
        round_id, turn_no = parse_turn_value(request.value)
        await _press(uc, request, round_id, simple(event_for(request.actor.user, turn_no)))

    return handle


async def on_join(uc: UseCases, request: ActionRequest) -> None:
    event = join(request.actor, request.actor)
    await _press(uc, request, request.value, event, meet=(request.actor,))


async def _press(
    uc: UseCases,
    request: ActionRequest,
    round_id: str,
    event_for: EventFor,
    *,
    meet: tuple[Actor, ...] = (),
) -> None:
    """Apply a button's event to its round, recording the press's key with the change."""
    if not await _round_here(uc, request, round_id):
        return
    await uc.rounds.act_on(
        request.actor,
        round_id,
        event_for,
        meet=meet,
        near=request.conversation,
        request_key=request.request_id,
    )


def on_answer(*, edit: bool) -> ActionHandler:
    async def handle(uc: UseCases, request: ActionRequest) -> Form | None:
        round_id, _ = parse_turn_value(request.value)
        if not await _round_here(uc, request, round_id):
            return None
        return await uc.rounds.answer_form(request.actor, request.conversation, round_id, edit=edit)

    return handle


async def _round_here(uc: UseCases, request: ActionRequest, round_id: str) -> bool:
    """A button naming a round of another conversation is refused, in the words for no round."""
    if await round_belongs_here(
        uc.services,
        round_id,
        request.actor,
        request.conversation,
        private_chat=request.private_chat,
    ):
        return True
    await uc.tell(request.actor, request.conversation, words.NO_OPEN_ROUND)
    return False


def on_note(*, resolving: bool) -> ActionHandler:
    async def open_note_form(uc: UseCases, request: ActionRequest) -> Form:
        return await uc.callouts.note_form(
            request.actor, request.conversation, request.value, resolving=resolving
        )

    return open_note_form


async def on_ask(uc: UseCases, request: ActionRequest) -> Form | None:
    return await uc.threads.ask_form(request.actor, request.conversation, request.value)


async def on_reply(uc: UseCases, request: ActionRequest) -> Form | None:
    return await uc.threads.reply_form(request.actor, request.conversation, request.value)


async def on_withdraw(uc: UseCases, request: ActionRequest) -> None:
    result = await uc.callouts.withdraw(
        request.actor, request.conversation, request.value, request_key=request.request_id
    )
    await uc.report(request.actor, request.conversation, result)


async def on_organisation(uc: UseCases, request: ActionRequest) -> None:
    """The value is "<organisation> <partnership>" (older buttons: the organisation alone)."""
    organisation, _, partnership = request.value.partition(" ")
    await uc.people.set_organisation(
        request.actor,
        request.conversation,
        organisation,
        partnership=partnership,
        request_key=request.request_id,
    )


def on_claim(*, approve: bool) -> ActionHandler:
    async def handle(uc: UseCases, request: ActionRequest) -> None:
        await uc.people.decide_claim(
            request.actor,
            request.conversation,
            request.value,
            approve=approve,
            request_key=request.request_id,
        )

    return handle


async def on_link_move(uc: UseCases, request: ActionRequest) -> None:
    """ "Move it": the value names the partnership and the channel (the question may have
    gone to a personal chat, not to the channel itself)."""
    slug, _, channel_id = request.value.partition(" ")
    channel = request.conversation.in_thread(None)
    if channel_id:
        channel = ConversationRef(channel.platform, channel.tenant, channel_id)
    await link_channel(uc.services, request.actor, channel, slug, request_key=request.request_id)


def on_review(step: str) -> ActionHandler:
    """A health message's button: its value names the clause (and the quarter)."""

    async def handle(uc: UseCases, request: ActionRequest) -> None:
        await mark_review(
            uc.services,
            request.actor,
            request.conversation,
            [*request.value.split(), step],
            request_key=request.request_id,
        )

    return handle


ACTIONS: Final[Mapping[str, ActionHandler]] = {
    actions.ROUND_JOIN: on_join,
    actions.ROUND_BEGIN: on_round(lambda by, _turn: ev.RoundBegun(by)),
    actions.ROUND_ANSWER: on_answer(edit=False),
    actions.ROUND_EDIT: on_answer(edit=True),
    actions.ROUND_PASS: on_round(lambda by, turn: ev.TurnPassed(by, turn)),
    actions.ROUND_SKIP: on_round(lambda by, turn: ev.TurnSkipped(by, None, turn)),
    actions.ROUND_NEXT: on_round(lambda by, turn: ev.NextTurnRequested(by, turn)),
    actions.ROUND_END: on_round(lambda by, _turn: ev.RoundEnded(by)),
    actions.ROUND_WITHDRAW: on_round(lambda by, _turn: ev.ReflectionWithdrawn(by)),
    actions.CALLOUT_DISCUSSED: on_note(resolving=False),
    actions.CALLOUT_RESOLVE: on_note(resolving=True),
    actions.CALLOUT_WITHDRAW: on_withdraw,
    actions.CALLOUT_ASK: on_ask,
    actions.CALLOUT_REPLY: on_reply,
    actions.CHOOSE_ORGANISATION: on_organisation,
    actions.CLAIM_APPROVE: on_claim(approve=True),
    actions.CLAIM_DECLINE: on_claim(approve=False),
    actions.LINK_MOVE: on_link_move,
    actions.REVIEW_DISCUSSED: on_review("discussed"),
    actions.REVIEW_REVISED: on_review("revised"),
}
