"""Bolt listeners: ack, translate, hand to the application — nothing more.

Slack's rules kept here:
* every command and button is acknowledged first (bolt answers the HTTP request at `ack()`
  and the rest runs afterwards), so slow work never costs the 3-second deadline;
* a form is opened with the request's fresh `trigger_id` as soon as the application returns
  it, before anything slow;
* a modal submission is acknowledged within `SUBMIT_BUDGET`: with its errors beside the
  fields when the application answers in time, else closed, with any late problem sent
  privately;
* a retried event (`event_id`) or a double-clicked button (message, button, value, person) is
  applied once: bolt does not de-duplicate, so each request carries its key to the
  application, which records it with the change it makes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, translate
from adapters.slack.gateway import SlackGateway
from bot import words
from bot.app import CompactApp
from bot.messages import Form
from bot.requests import Actor, FormResult
from bot.views.rounds import escaped
from rituals.refs import ConversationRef

log = logging.getLogger("compact.slack")

COMMAND: Final = "/compact"
SUBMIT_BUDGET: Final = 2.0  # seconds; Slack closes the request at 3


def add_listeners(bolt: AsyncApp, compact: CompactApp, gateway: SlackGateway) -> None:
    """Register every listener on `bolt`, each handing its request to `compact`."""
    forms = _Forms(compact, gateway)

    @bolt.command(COMMAND)
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        request = translate.command_request(body)
        form = await compact.command(request)
        if form is not None:
            await forms.open(client, body, form, request.actor, request.conversation)

    @bolt.action(re.compile(".+"))
    async def on_action(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        request = translate.action_request(body, action)
        form = await compact.action(request)
        if form is not None:
            await forms.open(client, body, form, request.actor, request.conversation)

    @bolt.view(re.compile(".+"))
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        await forms.submitted(ack, body)

    @bolt.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        said = translate.chat_message(translate.team_of(body), event, event_id=body.get("event_id"))
        if said is None:
            return
        await compact.message(said)

    @bolt.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        team = translate.team_of(body)
        person = Actor(translate.user(team, str(event.get("user", ""))), "")
        await gateway.publish_home(team, person.user.user_id, await compact.home(person))

    @bolt.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack request of type %s failed", body.get("type"), exc_info=error)


class _Forms:
    """Opening forms as modals and taking their submissions."""

    def __init__(self, compact: CompactApp, gateway: SlackGateway) -> None:
        self._compact = compact
        self._gateway = gateway

    async def open(
        self,
        client: AsyncWebClient,
        body: dict[str, Any],
        form: Form,
        actor: Actor,
        where: ConversationRef,
    ) -> None:
        with_place = dataclasses.replace(
            form, context=translate.form_context(dict(form.context), where)
        )
        try:
            await client.views_open(
                trigger_id=str(body.get("trigger_id", "")),
                view=blocks.modal(with_place).to_dict(),
            )
        except SlackApiError as problem:
            log.warning("could not open a modal: %s", problem.response.get("error"))
            await self._tell(actor, where, words.FORM_DID_NOT_OPEN)

    async def submitted(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        submission = translate.form_submission(body)
        work = asyncio.ensure_future(self._compact.submit(submission))
        done, _ = await asyncio.wait({work}, timeout=SUBMIT_BUDGET)
        if not done:
            # Slow (the database, or posting what it caused): close the modal now; a problem
            # found later still reaches the person, privately.
            await ack()
            result = await work
            for problem in result.errors.values():
                await self._tell(submission.actor, submission.conversation, problem)
            return
        result = work.result()
        if result.ok:
            await ack()
            return
        await ack(response_action="errors", errors=modal_errors(result, body))

    async def _tell(self, actor: Actor, where: ConversationRef, text: str) -> None:
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
