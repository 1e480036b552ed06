"""Each authenticated activity: translate, hand to the application (`bot.inbound`), answer;
what is answered before and after the work is in docs/teams.md, "Inside adapters/teams"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from adapters.teams import translate as t
from adapters.teams.cards import Renderer, form_from_spec
from adapters.teams.gateway import TeamsGateway
from bot import failpoints, words
from bot.inbound import Handling, Inbound
from bot.messages import Form
from bot.requests import Actor, FormResult
from bot.views.rounds import escaped

log = logging.getLogger("compact.teams")

DIALOG_INVOKES: Final = frozenset({"task/fetch", "task/submit"})
# Activities handled at once: below the database pool's 20 connections.
BACKGROUND_SLOTS: Final = 12
# Activities accepted and not yet handled, past which new ones get 503 (Teams retries them):
# the default of the `COMPACT_MAX_QUEUED_WORK` setting.
MAX_QUEUED_WORK: Final = 200


class Background:
    """Work that runs after Teams has had its answer; `idle()` waits for all of it (tests,
    benchmarks, shutdown).

    Work for one conversation runs in the order its activities arrived (`link` then
    `reflect`, typed a second apart, must not be handled the other way round); different
    conversations run side by side, at most `slots` at a time: answering at once means a
    burst queues somewhere, and here it waits without a deadline and without holding a
    database connection that a dialog (answered within its request) may need.
    """

    def __init__(self, slots: int = BACKGROUND_SLOTS, *, bound: int = MAX_QUEUED_WORK) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._bound = bound
        self._last: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(slots)

    @property
    def full(self) -> bool:
        """No room for more: refuse new activities (what was accepted still runs)."""
        return len(self._tasks) >= self._bound

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


@dataclass(frozen=True, slots=True)
class Answer:
    """What an invoke is answered with, in the HTTP response (a dialog)."""

    status: int
    body: dict[str, Any] | None


class TeamsListener:
    """Messages, the bot's installation and dialogs, each translated and handed to the
    application once; anything else (reactions, renames…) is ignored."""

    def __init__(
        self, app: Inbound, gateway: TeamsGateway, renderer: Renderer, background: Background
    ) -> None:
        self._app = app
        self._gateway = gateway
        self._renderer = renderer
        self._background = background

    async def on_activity(self, raw: Mapping[str, Any]) -> Answer | None:
        """Handle one authenticated activity; an `Answer` for a dialog, else None (Teams gets
        201 once the activity is handled, or recorded in the application's inbox, and the
        rest goes on after the response)."""
        match raw.get("type"):
            case "message":
                inbound: t.Inbound = t.read_message(raw)
            case "conversationUpdate":
                # Only the bot's own arrival matters (no look-up of every added member).
                inbound = t.read_installation(raw)
            case "invoke" if raw.get("name") in DIALOG_INVOKES:
                return Answer(int(HTTPStatus.OK), await self._dialog(raw))
            case "invoke":
                return Answer(int(HTTPStatus.NOT_IMPLEMENTED), None)
            case _:
                return None
        await self._before_response(inbound)
        return None

    # --- before the response: handled, or recorded to be handled after it ----------------
    async def _before_response(self, inbound: t.Inbound) -> None:
        if isinstance(inbound, t.Ignored):
            log.debug("ignored a Teams activity: %s", inbound.reason)
            return
        # How to reach this conversation and these people later (the adapter's own
        # addresses, kept through the `AddressBook` port; not the ritual's work), before
        # the work, which may run on another replica after a crash.
        await self._gateway.note(inbound.origin, _mentioned(inbound))
        after = _conversation_of(inbound)
        match inbound:
            case t.Command():
                handling = await self._app.accept(t.command_request(inbound))
            case t.Reply():
                handling = await self._app.accept(t.chat_message(inbound))
            case t.ButtonPress():
                # A client that could not open the dialog sent the press as a message.
                handling = await self._app.accept(t.action_request(inbound))
            case t.Submission():
                result = await self._app.submit(t.form_submission(inbound), defer_effects=True)
                self._background.spawn(self._submitted(inbound, result), after=after)
                return
            case t.Installed():
                await self._app.installed(t.installation(inbound))
                return
        if handling is not None:
            self._background.spawn(self._handle(inbound.origin, handling), after=after)

    # --- after the response ---------------------------------------------------------------
    async def _handle(self, origin: t.Origin, handling: Handling) -> None:
        await failpoints.after_ack()
        await self._send_form(origin, await handling())

    async def _send_form(self, origin: t.Origin, form: Form | None) -> None:
        """A form as a card in the person's personal chat (typed commands cannot open a
        dialog: Teams opens one only in answer to a button)."""
        if form is not None:
            await self._gateway.send_form(origin.actor.user, form, near=origin.conversation)

    async def _submitted(self, submission: t.Submission, result: FormResult) -> None:
        """A form card in the personal chat was sent (and committed): the card becomes
        "sent", or shows the problems beside its fields (only this person's chat has the
        card); then the messages an accepted form causes go out."""
        await self._show_submitted(submission, result)
        if result.then is not None:
            await result.then()

    async def _show_submitted(self, submission: t.Submission, result: FormResult) -> None:
        origin = submission.origin
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

    # --- dialogs (answered in the HTTP response) -----------------------------------------
    async def _dialog(self, raw: Mapping[str, Any]) -> dict[str, Any] | None:
        origin = t.origin_of(raw)
        value = raw.get("value")
        data = value.get("data") if isinstance(value, Mapping) else None
        inbound = (
            t.read_card_data(origin, data)
            if isinstance(data, Mapping)
            else t.Ignored("a dialog without data")
        )
        try:
            if raw.get("name") == "task/fetch" and isinstance(inbound, t.ButtonPress):
                return await self._open_dialog(inbound)
            if raw.get("name") == "task/submit" and isinstance(inbound, t.Submission):
                return await self._submit_dialog(inbound)
            return self._renderer.dialog_message(words.TEAMS_NOTHING_TO_FILL)
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("a Teams dialog failed (ref %s)", ref)
            return self._renderer.dialog_message(words.SOMETHING_WENT_WRONG.format(ref=ref))

    async def _open_dialog(self, press: t.ButtonPress) -> dict[str, Any]:
        await self._gateway.note(press.origin)
        form = await self._app.action(t.action_request(press, keyed=False))
        if form is None:
            # The application has told the person why (in their personal chat).
            return self._renderer.dialog_message(words.TEAMS_NOTHING_TO_FILL)
        return self._renderer.form_dialog(form)

    async def _submit_dialog(self, submission: t.Submission) -> dict[str, Any] | None:
        """None closes the dialog; a form again keeps it open with the problems shown."""
        await self._gateway.note(submission.origin)
        result = await self._app.submit(t.form_submission(submission))
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


def _mentioned(inbound: t.Inbound) -> tuple[Actor, ...]:
    if isinstance(inbound, t.Command):
        return inbound.mentions
    if isinstance(inbound, t.Reply) and inbound.otherwise is not None:
        return inbound.otherwise.mentions
    return ()


def _spec_title(spec: Any) -> str:
    title = spec.get("title") if isinstance(spec, Mapping) else None
    return title if isinstance(title, str) else ""
