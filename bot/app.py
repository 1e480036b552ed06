"""The application behind the one inbound port (`bot.inbound.Inbound`).

Commands, button actions and form submissions are routed through tables keyed by word, action
id and form id (`bot.routes`); every failure ends in one place: a clear private message for
the person, the detail in the log.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from bot import words
from bot.directory import Directory
from bot.inbound import Handling
from bot.inbox import Inbox
from bot.limits import PersonLimit
from bot.messages import Form, Message
from bot.metrics import request_kind
from bot.requests import (
    ActionRequest,
    Actor,
    Chat,
    ChatMessage,
    CommandRequest,
    Deferrable,
    FormResult,
    FormSubmission,
    Installation,
)
from bot.routes.actions import ACTIONS, ActionHandler
from bot.routes.base import UseCases, failure
from bot.routes.commands import KEYED_IN_USE_CASE, command_for, conversation_hint, is_command
from bot.routes.forms import FORMS
from bot.services import Services
from bot.usecases.home import home
from bot.usecases.personal import adopt_personal_chat, welcome
from bot.usecases.recognition import recognise_or_log
from bot.usecases.round_status import tell_not_an_answer
from bot.views.rounds import escaped, notice
from rituals.refs import ConversationRef, UserRef

log = logging.getLogger("compact.app")
T = TypeVar("T")


class CompactApp:
    """`Inbound`: neutral requests in, the ritual's work done, platforms told."""

    def __init__(
        self,
        services: Services,
        directories: Mapping[str, Directory] | None = None,
        *,
        limit: PersonLimit | None = None,
    ) -> None:
        self.services = services
        self._use_cases = UseCases.of(services)
        self._directories = dict(directories or {})
        self._adopted: set[ConversationRef] = set()
        self._limit = limit or PersonLimit(services.clock)
        self.inbox = Inbox(services, _Admitted(self), self._use_cases.rounds.redeliver)

    async def command(self, request: CommandRequest) -> Form | None:
        if not await self._admit(request.actor.user, request.conversation):
            return None
        return await self.admitted_command(request)

    async def admitted_command(self, request: CommandRequest) -> Form | None:
        """A command past the per-person limit (or accepted earlier, so never refused)."""
        word = request.word if is_command(request.word) or not request.word else "other"
        kind = request_kind("command", word, private=request.private_chat)
        work = self._command(request)
        return await self._guard(request.actor.user, request.conversation, work, kind)

    async def action(self, request: ActionRequest) -> Form | None:
        handler = ACTIONS.get(request.action)
        if handler is None:
            log.warning("unknown action id %r", request.action)
            return None
        work = self._action(request, handler)
        kind = request_kind("action", request.action, private=request.private_chat)
        return await self._guard(request.actor.user, request.conversation, work, kind)

    async def submit(
        self, submission: FormSubmission, *, defer_effects: bool = False
    ) -> FormResult:
        form = submission.form_id if submission.form_id in FORMS else "other"
        kind = request_kind("form", form, private=submission.private_chat)
        with self.services.metrics.request(submission.conversation.platform, kind) as outcome:
            if not await self._admit(submission.actor.user, submission.conversation, tell=False):
                outcome("refused")
                return FormResult({"": words.SLOW_DOWN})  # beside the form, privately
            result = await self._submit(submission, defer_effects=defer_effects)
            if result.errors:
                outcome("refused")
            return result

    async def _submit(self, submission: FormSubmission, *, defer_effects: bool) -> FormResult:
        try:
            handler = FORMS.get(submission.form_id)
            if handler is None:
                raise LookupError(f"unknown form id {submission.form_id!r}")
            if submission.private_chat:
                await self._adopt(submission.actor, submission.conversation)
            result = await handler(self._use_cases, submission)
        except Exception as problem:
            return FormResult({"": failure(problem)})
        if result.then is not None and not defer_effects:
            await result.then()
            return FormResult(result.errors)
        return result

    async def accept(self, request: Deferrable) -> Handling | None:
        """A command counts against the person's limit here, once: refused, nothing is
        recorded; accepted, its handling (or a recovery) is never refused."""
        if _is_command(request) and not await self._admit(request.actor.user, request.conversation):
            return None
        return await self.inbox.accept(request)

    async def message(self, message: ChatMessage) -> Form | None:
        return await self.admitted_message(message, self.command)

    async def admitted_message(
        self, message: ChatMessage, command_door: Callable[[CommandRequest], Awaitable[Form | None]]
    ) -> Form | None:
        """A command when addressed to the bot with a command word; else a reply to a
        round (in its thread, or in a chat without threads); else, if it was addressed to
        the bot, a command after all (the help for words it does not know)."""
        command = message.command
        if command is not None and (not command.words or is_command(command.word)):
            return await command_door(command)
        kind = request_kind("message", "", private=False)
        work = self._reply(message)
        taken = await self._guard(message.actor.user, message.conversation, work, kind)
        if isinstance(taken, Form):
            return taken
        if taken is False and command is not None:
            return await command_door(command)
        return None

    async def home(self, actor: Actor) -> Message:
        return await home(self.services, actor)

    async def installed(self, installation: Installation) -> None:
        try:
            await welcome(self.services, installation)
        except Exception:
            log.exception("welcoming an installation failed")

    # --- the work behind each door ---------------------------------------------------------
    async def _command(self, request: CommandRequest) -> Form | None:
        if request.private_chat:
            await self._adopt(request.actor, request.conversation)
        key = request.request_id
        if key is not None and request.word not in KEYED_IN_USE_CASE:
            async with self.services.database.unit_of_work() as uow:
                fresh = await self.services.request_keys.first_time(
                    uow, key, self.services.clock.now()
                )
                await uow.commit()
            if not fresh:
                log.info("a repeated command was ignored")
                return None
        if request.everyone:
            request = await self._with_everyone(request)
        await self._recognise(request.conversation, (request.actor, *request.mentions))
        form = await command_for(request.word)(self._use_cases, request)
        if form is not None and request.forms_go_private and not request.private_chat:
            await self._point_to_private_form(request)
        return form

    async def _point_to_private_form(self, request: CommandRequest) -> None:
        """Say where a form typed for in a shared conversation went. A call-out's hint goes
        to the person's private chat only: a word in the channel would show who raised one."""
        if request.word == "callout":
            await self.services.tell(request.actor.user, notice(words.TEAMS_CALLOUT_IN_PRIVATE))
        else:
            await self._say(request.conversation, conversation_hint(request))

    async def _action(self, request: ActionRequest, handler: ActionHandler) -> Form | None:
        if request.private_chat:
            await self._adopt(request.actor, request.conversation)
        await self._recognise(request.conversation, (request.actor,))
        return await handler(self._use_cases, request)

    async def _reply(self, message: ChatMessage) -> Form | bool:
        """What a plain message answers: a Form to fill (the console), True when a round
        took it (or it was chat in a round's thread), False when no round is open."""
        rounds, key = self._use_cases.rounds, message.request_id
        if message.chat is Chat.LINES:
            form = await rounds.turn_form(message.actor, message.conversation)
            if form is None:
                await tell_not_an_answer(self.services, message.actor, message.conversation)
            return form or True
        in_chat = message.chat is Chat.NO_THREADS and message.conversation.thread is None
        reply = rounds.reply_in_chat if in_chat else rounds.reply_in_thread
        took = await reply(message.actor, message.conversation, message.text, request_key=key)
        if not took:  # a round's use case recognises its own repliers (`FirstContact`)
            await self._recognise(message.conversation, (message.actor,))
        return took or not in_chat

    async def _with_everyone(self, request: CommandRequest) -> CommandRequest:
        """ "Everyone": the conversation's people join those mentioned (a platform look-up,
        outside any transaction)."""
        directory = self._directories.get(request.conversation.platform)
        if directory is None or not await self._holds_partnership(request.conversation):
            return request  # the use case says the conversation is not linked
        named = {m.user for m in request.mentions}
        members = await directory.members(request.conversation.in_thread(None))
        extra = tuple(m for m in members if m.user not in named)
        return dataclasses.replace(request, mentions=(*request.mentions, *extra))

    async def _holds_partnership(self, conversation: ConversationRef) -> bool:
        """Page a conversation's members only once a partnership is known to hold it."""
        channel = conversation.in_thread(None)
        async with self.services.database.unit_of_work() as uow:
            if await uow.channels.partnership_of(channel) is not None:
                return True
            return await uow.channels.declared_holder(channel.platform, channel.channel) is not None

    async def _admit(
        self, user: UserRef, conversation: ConversationRef, *, tell: bool = True
    ) -> bool:
        """The per-person limit (`bot/limits.py`); past it a polite private "slow down"."""
        if self._limit.allow(user):
            return True
        log.info("a request over the per-person limit was refused")
        if tell:
            await self.services.tell(user, notice(words.SLOW_DOWN), near=conversation)
        return False

    async def _adopt(self, actor: Actor, conversation: ConversationRef) -> None:
        """Link a personal chat to its partnership on first contact (an earlier, small
        transaction of its own; remembered per process once linked)."""
        chat = conversation.in_thread(None)
        if chat not in self._adopted and await adopt_personal_chat(self.services, actor, chat):
            self._adopted.add(chat)

    async def _recognise(self, conversation: ConversationRef, people: tuple[Actor, ...]) -> None:
        """Recognise people the compact file names, on first contact, before the request's
        own transaction (forms are opened by a command or a button, so submissions are not
        looked up here: nothing is written while someone fills in a call-out)."""
        await recognise_or_log(self.services, conversation, people)

    async def _say(self, conversation: ConversationRef, text: str) -> None:
        try:
            await self.services.gateway(conversation.platform).post(conversation, notice(text))
        except Exception:
            log.exception("could not post a notice in a %s conversation", conversation.platform)

    async def _guard(
        self, user: UserRef, conversation: ConversationRef, work: Awaitable[T], kind: str
    ) -> T | None:
        """The one catch-all: the person gets a clear private message, the log the detail;
        and the one place requests are counted and timed (`kind` from `request_kind`)."""
        with self.services.metrics.request(conversation.platform, kind) as outcome:
            try:
                return await work
            except Exception as problem:
                outcome("failed")
                await self.services.tell(user, escaped(failure(problem)), near=conversation)
        return None


def _is_command(request: Deferrable) -> bool:
    """What counts against the per-person limit among accepted requests: commands, typed or
    addressed to the bot in a message (not replies, not buttons)."""
    if isinstance(request, CommandRequest):
        return True
    command = request.command if isinstance(request, ChatMessage) else None
    return command is not None and (not command.words or is_command(command.word))


class _Admitted:
    """The doors an accepted request goes through (`Inbox`): already admitted, never limited."""

    def __init__(self, app: CompactApp) -> None:
        self._app = app

    async def message(self, message: ChatMessage) -> Form | None:
        return await self._app.admitted_message(message, self._app.admitted_command)

    async def action(self, request: ActionRequest) -> Form | None:
        return await self._app.action(request)

    async def command(self, request: CommandRequest) -> Form | None:
        return await self._app.admitted_command(request)
