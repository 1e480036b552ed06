"""What happens to each authenticated activity: translate, hand to the application, answer.

Teams redelivers an activity it has no answer for within about 15 seconds, so messages and
installs are acknowledged at once (201) and handled afterwards, as background work. Dialog
invokes (`task/fetch`, `task/submit`) are the exception: their answer *is* the dialog, so
they are handled before the response, which takes milliseconds.

Every inbound activity is recorded once under its id (`CompactApp.first_time`), so a
redelivery or a double-submit changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine, Mapping
from http import HTTPStatus
from typing import Any, Final

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler

from adapters.teams import translate as t
from adapters.teams.cards import Renderer, form_from_spec
from adapters.teams.gateway import TeamsGateway
from bot import words
from bot.app import CompactApp
from bot.messages import Message, Paragraph
from bot.requests import ActionRequest, Actor, ChatMessage, CommandRequest, FormSubmission
from bot.views.rounds import escaped, notice

log = logging.getLogger("compact.teams")

RAW_ACTIVITY: Final = "compact.raw_activity"
DIALOG_INVOKES: Final = frozenset({"task/fetch", "task/submit"})
# Activities handled at once: below the database pool's 20 connections.
BACKGROUND_SLOTS: Final = 12


class Background:
    """Work that runs after Teams has had its answer; `idle()` waits for all of it (tests,
    benchmarks, shutdown).

    Work for one conversation runs in the order its activities arrived (`link` then
    `reflect`, typed a second apart, must not be handled the other way round); different
    conversations run side by side, at most `slots` at a time: answering at once means a
    burst queues somewhere, and here it waits without a deadline and without holding a
    database connection that a dialog (answered within its request) may need.
    """

    def __init__(self, slots: int = BACKGROUND_SLOTS) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(slots)

    def spawn(self, work: Coroutine[Any, Any, None], *, after: str = "") -> None:
        previous = self._last.get(after) if after else None
        task = asyncio.create_task(self._logged(work, previous))
        self._tasks.add(task)
        if after:
            self._last[after] = task

        def forget(done: asyncio.Task[None]) -> None:
            self._tasks.discard(done)
            if after and self._last.get(after) is done:
                del self._last[after]

        task.add_done_callback(forget)

    async def _logged(
        self, work: Coroutine[Any, Any, None], previous: asyncio.Task[None] | None
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            async with self._slots:
                await work
        except Exception:
            log.exception("handling a Teams activity failed")

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = 10.0) -> None:
        """Let running work finish (a turn in flight is a person's answer), then stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.idle()
        for task in list(self._tasks):
            task.cancel()


class TeamsListener(TeamsActivityHandler):  # type: ignore[misc]  # untyped SDK
    """botbuilder's Teams handler, overridden where we do our own thing: messages, the bot's
    installation, and dialogs. Anything else (reactions, renames…) is ignored."""

    def __init__(
        self,
        app: CompactApp,
        gateway: TeamsGateway,
        renderer: Renderer,
        background: Background,
    ) -> None:
        super().__init__()
        self._app = app
        self._gateway = gateway
        self._renderer = renderer
        self._background = background
        self._adopted: set[str] = set()

    # --- botbuilder's entry points ----------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        inbound = t.read_message(_raw(turn_context), self._app.understands)
        self._background.spawn(self._handle(inbound), after=_conversation_of(inbound))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # botbuilder's own handling looks every added member up (one connector call each,
        # before the response); only the bot's own arrival matters here.
        inbound = t.read_installation(_raw(turn_context))
        self._background.spawn(self._handle(inbound), after=_conversation_of(inbound))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        raw = _raw(turn_context)
        name = raw.get("name")
        if name not in DIALOG_INVOKES:
            return await super().on_invoke_activity(turn_context)
        origin = t.origin_of(raw)
        value = raw.get("value")
        data = value.get("data") if isinstance(value, Mapping) else None
        inbound = (
            t.read_card_data(origin, data)
            if isinstance(data, Mapping)
            else t.Ignored("a dialog without data")
        )
        body: dict[str, Any] | None
        try:
            if name == "task/fetch" and isinstance(inbound, t.ButtonPress):
                body = await self._open_dialog(inbound)
            elif name == "task/submit" and isinstance(inbound, t.Submission):
                body = await self._submit_dialog(inbound)
            else:
                body = self._renderer.dialog_message(words.TEAMS_NOTHING_TO_FILL)
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("a Teams dialog failed (ref %s)", ref)
            body = self._renderer.dialog_message(words.SOMETHING_WENT_WRONG.format(ref=ref))
        return InvokeResponse(status=int(HTTPStatus.OK), body=body)

    # --- after the response ---------------------------------------------------------------
    async def _handle(self, inbound: t.Inbound) -> None:
        if isinstance(inbound, t.Ignored):
            log.debug("ignored a Teams activity: %s", inbound.reason)
            return
        if isinstance(inbound, t.ButtonPress | t.Reply):
            # The application records these keys itself, in the round's own transaction
            # (one transaction per answer, and no key without the answer it stands for).
            await self._know(inbound.origin)
            if isinstance(inbound, t.ButtonPress):
                await self._press(inbound)
            else:
                await self._reply(inbound)
            return
        mentions = inbound.mentions if isinstance(inbound, t.Command) else ()
        if not await self._first_time(inbound.origin, mentions):
            return
        match inbound:
            case t.Command():
                await self._command(inbound)
            case t.Submission():
                await self._submit_card(inbound)
            case t.Installed():
                await self._installed(inbound)

    async def _first_time(self, origin: t.Origin, mentions: tuple[Actor, ...] = ()) -> bool:
        """Record the activity (False for a redelivery), keep how to reach everyone in it,
        and link a personal chat to its partnership on first contact."""
        if not await self._app.first_time(origin.key):
            log.info("a redelivered Teams activity was ignored")
            return False
        await self._know(origin, mentions)
        return True

    async def _know(self, origin: t.Origin, mentions: tuple[Actor, ...] = ()) -> None:
        await self._gateway.note(origin, mentions)
        chat = origin.channel.channel
        if (
            origin.kind == t.PERSONAL
            and chat not in self._adopted
            and await self._app.adopt_personal_chat(origin.actor, origin.conversation)
        ):
            self._adopted.add(chat)

    async def _command(self, command: t.Command) -> None:
        origin = command.origin
        mentions = list(command.mentions)
        if command.everyone:
            for member in await self._gateway.members(origin.channel):
                if member.user not in {m.user for m in mentions}:
                    mentions.append(member)
            await self._gateway.note(origin, tuple(mentions))
        request = CommandRequest(origin.actor, origin.conversation, command.words, tuple(mentions))
        form = await self._app.command(request)
        if form is None:
            return
        await self._gateway.send_form(origin.actor.user, form, near=origin.conversation)
        if origin.kind != t.PERSONAL:
            # The form went to the personal chat; say so where the command was typed.
            hint = (
                words.TEAMS_CALLOUT_IN_PRIVATE
                if command.words and command.words[0].lower() == "callout"
                else words.TEAMS_FORM_IN_PRIVATE
            )
            await self._gateway.post(origin.conversation, notice(hint))

    async def _press(self, press: t.ButtonPress) -> None:
        origin = press.origin
        request = ActionRequest(
            origin.actor, origin.conversation, press.action, press.value, request_id=origin.key
        )
        form = await self._app.action(request)
        if form is not None:
            # A client that could not open the dialog sent the press as a message instead.
            await self._gateway.send_form(origin.actor.user, form, near=origin.conversation)

    async def _submit_card(self, submission: t.Submission) -> None:
        """A form card in the personal chat was sent: the card becomes "sent", or shows the
        problems beside its fields (only this person's chat has the card)."""
        origin = submission.origin
        result = await self._app.submit(_form_submission(submission))
        if submission.card_id is None:
            return
        if result.ok:
            title = _spec_title(submission.spec)
            payload = self._renderer.done_activity(title, words.TEAMS_FORM_SENT)
        else:
            form = form_from_spec(
                submission.form_id, submission.context, submission.spec, submission.values
            )
            if form is None:
                problems = "\n".join(result.errors.values())
                await self._gateway.send_private(origin.actor.user, escaped(problems))
                return
            payload = self._renderer.form_activity(form, errors=result.errors)
        await self._gateway.replace_card(origin.conversation, submission.card_id, payload)

    async def _reply(self, reply: t.Reply) -> None:
        origin = reply.origin
        conversation = origin.conversation
        if reply.thread_unknown:
            thread = await self._app.round_thread(origin.channel)
            if thread is None:
                if reply.otherwise is not None and await self._first_time(origin):
                    await self._command(reply.otherwise)
                return
            conversation = origin.channel.in_thread(thread)
        message = ChatMessage(origin.actor, conversation, reply.text, request_id=origin.key)
        await self._app.message(message)

    async def _installed(self, installed: t.Installed) -> None:
        origin = installed.origin
        if origin.kind == t.PERSONAL:
            welcome = notice(words.TEAMS_WELCOME_PERSONAL)
        else:
            welcome = Message(
                words.TEAMS_WELCOME,
                (Paragraph.of(words.TEAMS_WELCOME), Paragraph.of(words.HELP)),
            )
        await self._gateway.post(origin.channel, welcome)

    # --- dialogs (answered in the HTTP response) -----------------------------------------
    async def _open_dialog(self, press: t.ButtonPress) -> dict[str, Any]:
        origin = press.origin
        await self._know(origin)
        request = ActionRequest(origin.actor, origin.conversation, press.action, press.value)
        form = await self._app.action(request)
        if form is None:
            # The application has told the person why (in their personal chat).
            return self._renderer.dialog_message(words.TEAMS_NOTHING_TO_FILL)
        return self._renderer.form_dialog(form)

    async def _submit_dialog(self, submission: t.Submission) -> dict[str, Any] | None:
        """None closes the dialog; a form again keeps it open with the problems shown."""
        if not await self._first_time(submission.origin):
            return None
        result = await self._app.submit(_form_submission(submission))
        if result.ok:
            return None
        form = form_from_spec(
            submission.form_id, submission.context, submission.spec, submission.values
        )
        if form is None:
            return self._renderer.dialog_message("\n".join(result.errors.values()))
        return self._renderer.form_dialog(form, errors=result.errors)


def _conversation_of(inbound: t.Inbound) -> str:
    return "" if isinstance(inbound, t.Ignored) else inbound.origin.channel.channel


def _raw(turn_context: TurnContext) -> Mapping[str, Any]:
    raw = turn_context.turn_state.get(RAW_ACTIVITY)
    if not isinstance(raw, Mapping):
        raise TypeError("the raw activity was not handed to the turn")
    return raw


def _form_submission(submission: t.Submission) -> FormSubmission:
    """The submission keyed on its form card and person when it came from a card: a double
    click sends two activities (two ids) from one card, and must table one call-out. (The
    key is stored only with what the form creates, so correcting a refused form works.)"""
    origin = submission.origin
    key = (
        f"teams:card:{submission.card_id}:{submission.form_id}:{origin.actor.user.user_id}"
        if submission.card_id
        else origin.activity_id
    )
    return FormSubmission(
        actor=origin.actor,
        conversation=origin.conversation,
        form_id=submission.form_id,
        values=submission.values,
        context=submission.context,
        request_id=key,
    )


def _spec_title(spec: Any) -> str:
    title = spec.get("title") if isinstance(spec, Mapping) else None
    return title if isinstance(title, str) else ""
