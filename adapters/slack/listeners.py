"""Bolt listeners: ack, translate, hand to the application — nothing more.

Slack's rules kept here:
* a command, button or message handled after its acknowledgement (bolt answers the HTTP
  request at `ack()`, or before an event's listener runs) is first recorded in the
  application's inbox, so a crash after the 200 loses nothing (docs/durability.md);
  call-out commands and buttons are handled before their acknowledgement instead;
* a form is opened with the request's fresh `trigger_id` as soon as the application returns
  it, before anything slow;
* a modal submission is acknowledged once it is validated and committed (errors beside the
  fields, as Slack requires); the messages it causes go out after;
* a retried event (`event_id`) or a double-clicked button (message, button, value, person) is
  applied once: bolt does not de-duplicate, so each request carries its key to the
  application, which records it with the change it makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, translate
from adapters.slack.gateway import SlackGateway
from bot import actions, failpoints, words
from bot.inbound import Handling, Inbound
from bot.messages import Form
from bot.requests import ActionRequest, Actor, CommandRequest, FormResult
from bot.views.rounds import escaped
from rituals.refs import ConversationRef

log = logging.getLogger("compact.slack")

COMMAND: Final = "/compact"
ACCEPTED: Final = "compact_accepted"  # bolt context key: the reply recorded in the inbox
# Acknowledged requests worked on at once: in all (below the database pool's 20 connections
# plus its queue) and per workspace, so one workspace waiting out Slack's rate limits or its
# channels' pacing holds up only its own work. Six, not twelve: a saturated workspace then
# keeps the event loop busy enough that acknowledgements wait, with no more answers handled
# (docs/benchmarks.md, "Issue 9, third session").
WORK_SLOTS: Final = 36
WORK_SLOTS_PER_WORKSPACE: Final = 6
# Acknowledged work waiting or running, past which new requests are refused (events 503 so
# Slack retries them, commands and buttons a private "busy, try again"): the default of the
# `COMPACT_MAX_QUEUED_WORK` setting.
MAX_QUEUED_WORK: Final = 200


class InFlight:
    """Work acknowledged but not finished, so a graceful shutdown can wait for it: bolt runs
    listeners after the HTTP response and does not keep track of them itself.

    `slot()` bounds how much of that work runs at once. Everything shares one event loop: a
    burst of answers all running together would keep the loop so busy that the next
    requests' acknowledgements (Slack's 3 seconds) wait behind them; queued here, the
    acknowledgements go first and the work follows in order.
    """

    def __init__(
        self,
        slots: int = WORK_SLOTS,
        per_workspace: int = WORK_SLOTS_PER_WORKSPACE,
        *,
        bound: int = MAX_QUEUED_WORK,
    ) -> None:
        self._count = 0
        self._bound = bound
        self._idle = asyncio.Event()
        self._idle.set()
        self._slots = asyncio.Semaphore(slots)
        self._per_workspace = per_workspace
        self._workspace_slots: dict[str, asyncio.Semaphore] = {}

    @property
    def full(self) -> bool:
        """No room for more: refuse new requests (what was accepted still runs)."""
        return self._count >= self._bound

    @contextlib.asynccontextmanager
    async def slot(self, team: str) -> AsyncIterator[None]:
        """`async with in_flight.slot(team):` around the work itself (not around what must
        happen within Slack's seconds, such as opening a modal with a `trigger_id`)."""
        workspace = self._workspace_slots.setdefault(team, asyncio.Semaphore(self._per_workspace))
        async with workspace, self._slots:
            yield

    async def __aenter__(self) -> None:
        self._count += 1
        self._idle.clear()

    async def __aexit__(self, *_: object) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    async def drained(self, within: float) -> bool:
        """Wait (at most `within` seconds) until nothing is in flight; False if it was not."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=within)
        except TimeoutError:
            return False
        return True


def add_listeners(
    bolt: AsyncApp, compact: Inbound, gateway: SlackGateway, in_flight: InFlight
) -> None:
    """Register every listener on `bolt`, each handing its request to `compact`."""
    forms = _Forms(compact, gateway)

    @bolt.command(COMMAND)
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        request = translate.command_request(body)
        if await _busy(in_flight, ack, forms, request):
            return
        if actions.command_opens_form(request.words):
            await ack()
            async with in_flight:
                work = partial(compact.command, request)
                await forms.open(client, body, request, work, in_flight)
            return
        await _durably(ack, compact, in_flight, request, translate.team_of(body))

    @bolt.action(re.compile(".+"))
    async def on_action(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        request = translate.action_request(body, action)
        if await _busy(in_flight, ack, forms, request):
            return
        if request.action in actions.OPENS_FORM:
            await ack()
            async with in_flight:
                work = partial(compact.action, request)
                await forms.open(client, body, request, work, in_flight)
            return
        await _durably(ack, compact, in_flight, request, translate.team_of(body))

    @bolt.view(re.compile(".+"))
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        async with in_flight:
            await forms.submitted(ack, body)

    async def accept_message(
        body: dict[str, Any],
        event: dict[str, Any],
        context: dict[str, Any],
        next: Callable[[], Awaitable[None]],
    ) -> None:
        """Before bolt acknowledges the event: record the reply (the application's inbox)."""
        said = translate.chat_message(translate.team_of(body), event, event_id=body.get("event_id"))
        if said is not None:
            handling = (
                await compact.accept(said)
                if said.request_id is not None
                else functools.partial(compact.message, said)
            )
            context[ACCEPTED] = (handling, said.actor.user.tenant)
        await next()

    @bolt.event("message", middleware=[accept_message])
    async def on_message(context: dict[str, Any]) -> None:
        handling, team = context.get(ACCEPTED) or (None, "")
        if handling is None:
            return
        await failpoints.after_ack()
        async with in_flight, in_flight.slot(team):
            await handling()

    @bolt.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        team = translate.team_of(body)
        person = Actor(translate.user(team, str(event.get("user", ""))), "")
        async with in_flight, in_flight.slot(team):
            await gateway.publish_home(team, person.user.user_id, await compact.home(person))

    @bolt.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack request of type %s failed", body.get("type"), exc_info=error)


async def _busy(
    in_flight: InFlight, ack: AsyncAck, forms: _Forms, request: CommandRequest | ActionRequest
) -> bool:
    """Past the bound on waiting work, the person is told privately to try again (a command
    in its answer; a button, acknowledged, by a private message) and nothing changes."""
    if not in_flight.full:
        return False
    if isinstance(request, CommandRequest):
        await ack(text=words.BUSY_TRY_AGAIN)
    else:
        await ack()
        await forms.tell(request.actor, request.conversation, words.BUSY_TRY_AGAIN)
    return True


async def _durably(
    ack: AsyncAck,
    compact: Inbound,
    in_flight: InFlight,
    request: CommandRequest | ActionRequest,
    team: str,
) -> None:
    """Recorded, acknowledged, then handled; or, for what is never deferred (call-outs),
    handled (inside `accept`) then acknowledged."""
    handling: Handling | None = await compact.accept(request)
    await ack()
    if handling is None:
        return
    await failpoints.after_ack()
    async with in_flight, in_flight.slot(team):
        await handling()


class _Forms:
    """Opening forms as modals and taking their submissions."""

    def __init__(self, compact: Inbound, gateway: SlackGateway) -> None:
        self._compact = compact
        self._gateway = gateway

    async def open(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        request: CommandRequest | ActionRequest,
        form_for: Callable[[], Awaitable[Form | None]],
        in_flight: InFlight,
    ) -> None:
        """Hold a modal open at once, work out the form in a work slot, then show it."""
        loading = await self.hold(client, body)
        async with in_flight.slot(translate.team_of(body)):
            form = await form_for()
        await self.show(client, body, loading, form, request.actor, request.conversation)

    async def hold(self, client: AsyncWebClient, body: dict[str, Any]) -> str | None:
        """Open a "loading" modal at once with the request's `trigger_id` (valid 3 s, once),
        before any database work; the form replaces it when ready. Returns its view id."""
        try:
            opened = await client.views_open(
                trigger_id=str(body.get("trigger_id", "")), view=blocks.loading_modal().to_dict()
            )
        except SlackApiError as problem:
            log.warning("could not open a modal: %s", problem.response.get("error"))
            return None
        return str((opened.get("view") or {}).get("id") or "") or None

    async def show(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        loading: str | None,
        form: Form | None,
        actor: Actor,
        where: ConversationRef,
    ) -> None:
        """The form in the modal held open for it (or a new one); with no form (the
        application said why, privately), the held modal says there is nothing to fill in."""
        if form is None:
            if loading is not None:
                await self._replace(client, loading, blocks.notice_modal(words.NOTHING_TO_FILL))
            return
        with_place = dataclasses.replace(
            form, context=translate.form_context(dict(form.context), where)
        )
        view = blocks.modal(with_place).to_dict()
        try:
            if loading is not None:
                await client.views_update(view_id=loading, view=view)
            else:
                await client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except SlackApiError as problem:
            log.warning("could not show a form: %s", problem.response.get("error"))
            await self.tell(actor, where, words.FORM_DID_NOT_OPEN)

    async def _replace(self, client: AsyncWebClient, view_id: str, view: Any) -> None:
        try:
            await client.views_update(view_id=view_id, view=view.to_dict())
        except SlackApiError as problem:
            log.warning("could not update a modal: %s", problem.response.get("error"))

    async def submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Acknowledged once validated and committed (a call-out's included: never
        deferred); the messages an accepted form causes go out after the acknowledgement."""
        submission = translate.form_submission(body)
        result = await self._compact.submit(submission, defer_effects=True)
        if not result.ok:
            await ack(response_action="errors", errors=modal_errors(result, body))
            return
        await ack()
        if result.then is not None:
            await failpoints.after_ack()
            await result.then()

    async def tell(self, actor: Actor, where: ConversationRef, text: str) -> None:
        try:
            await self._gateway.send_private(actor.user, escaped(text), near=where)
        except Exception:
            log.exception("could not tell someone privately about their form")


def modal_errors(result: FormResult, body: dict[str, Any]) -> dict[str, str]:
    """Errors by block id; a problem with the form as a whole goes beside its first field."""
    view = body.get("view") or {}
    inputs = [b["block_id"] for b in view.get("blocks") or () if b.get("type") == "input"]
    errors: dict[str, str] = {}
    for field, problem in result.errors.items():
        block_id = field if field in inputs else (inputs[0] if inputs else field)
        errors[block_id] = f"{errors[block_id]} {problem}" if block_id in errors else problem
    return errors
