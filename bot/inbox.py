"""Requests handled after their acknowledgement, made durable before it (docs/durability.md).

`accept` records the request (its idempotency key and one inbox row, one transaction, through
`bot.request_keys`) before the adapter acknowledges it; the handling it returns runs the request
through the application's inbound port, whose use case deletes the row in its own transaction.
A process that dies in between leaves the row, with a lease that stops being renewed; `recover`
(on start, then every second on the replica holding the scheduler's lease) handles such rows
and re-sends what rounds changed by a dead process still owed people (the outbox).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final, Protocol

from bot import actions
from bot.inbound import Handling
from bot.messages import Form
from bot.requests import ActionRequest, Actor, Chat, ChatMessage, CommandRequest, Deferrable
from bot.services import Services
from rituals.refs import ConversationRef, UserRef

log = logging.getLogger("compact.inbox")

RENEWALS_PER_LEASE: Final = 4
# Buttons whose handling may follow the acknowledgement (recorded in the inbox first).
DEFERRED_ACTIONS: Final = frozenset(
    {
        actions.ROUND_JOIN,
        actions.ROUND_BEGIN,
        actions.ROUND_PASS,
        actions.ROUND_SKIP,
        actions.ROUND_NEXT,
        actions.ROUND_END,
        actions.ROUND_WITHDRAW,
    }
)
# Call-out commands: handled before their acknowledgement, so no inbox row ever ties a
# person to a call-out. (Commands that open a form hold it with a seconds-long token and
# change nothing: they are neither deferred durably nor replayable.)
CALLOUT_COMMANDS: Final = frozenset(
    {"callout", "agenda", "discussed", "resolve", "withdraw", "mine", "ask", "reply"}
)


Redeliver = Callable[[int, str], Awaitable[None]]


class Entry(Protocol):
    """The inbound port's doors an accepted request goes through (already admitted: the
    per-person limit was applied when it was accepted, so a replay is never refused)."""

    async def message(self, message: ChatMessage) -> Form | None: ...

    async def action(self, request: ActionRequest) -> Form | None: ...

    async def command(self, request: CommandRequest) -> Form | None: ...


def defers(request: Deferrable) -> bool:
    """Whether `request` may be handled after its acknowledgement (recorded first)."""
    if request.request_id is None:
        return False
    match request:
        case ActionRequest():
            return request.action in DEFERRED_ACTIONS
        case CommandRequest():
            return request.word not in CALLOUT_COMMANDS | actions.COMMANDS_OPENING_FORM
        case ChatMessage(command=CommandRequest() as command):
            # Addressed to the bot: perhaps a command after all (a call-out's included).
            return defers(dataclasses.replace(command, request_id=request.request_id))
    return True


class Inbox:
    """`Inbound.accept` and the recovery of what a dead process accepted; requests reach the
    application only through its inbound port (`entry`)."""

    def __init__(self, services: Services, entry: Entry, redeliver: Redeliver) -> None:
        self._services = services
        self._entry = entry
        self._redeliver = redeliver

    @property
    def lease(self) -> timedelta:
        return self._services.lease

    async def accept(self, request: Deferrable) -> Handling | None:
        """Record a deferrable request and return its handling; handle any other now (its
        "handling" then only hands back the form it returned)."""
        if not defers(request):
            return functools.partial(_given, await self._dispatch(request))
        key = str(request.request_id)
        services = self._services
        now = services.clock.now()
        kind, body = to_json(request)
        async with services.database.unit_of_work() as uow:
            fresh = await services.request_keys.accepted(
                uow, key, kind, body, now, by=services.worker, until=services.lease_until()
            )
            await uow.commit()
        if not fresh:
            log.info("a repeated request was acknowledged again")
            return None
        return functools.partial(self.handle, request)

    async def handle(self, request: Deferrable) -> Form | None:
        """Handle an accepted request through the inbound port. Its row goes in the use
        case's transaction (`RequestLedger.first_time`); one that changed nothing (a reply from
        someone not asked) leaves it, so it goes after, with others (`FinishedWork`)."""
        services = self._services
        try:
            with services.metrics.in_process():
                return await self._dispatch(request)
        finally:
            await services.finished.handled(services.request_keys.sealed(str(request.request_id)))

    async def _dispatch(self, request: Deferrable) -> Form | None:
        match request:
            case ChatMessage():
                return await self._entry.message(request)
            case ActionRequest():
                return await self._entry.action(request)
            case CommandRequest():
                return await self._entry.command(request)

    async def recover(self) -> int:
        """Handle requests and re-send rounds' messages whose process died; how many."""
        services = self._services
        async with services.database.unit_of_work() as uow:
            now = services.clock.now()
            until = services.lease_until()
            requests = await uow.inbox.claim_due(now, by=services.worker, until=until)
            deliveries = await uow.outbox.claim_due(now, by=services.worker, until=until)
            await uow.commit()
        for pending in requests:
            log.warning("handling a request acknowledged by a process that stopped")
            try:
                await self.handle(from_json(pending.kind, pending.request))
            except Exception:
                log.exception("a recovered request failed")
            finally:
                await self._drop_row(pending.key)
        for delivery in deliveries:
            log.warning("re-sending what a round owed people when its process stopped")
            try:
                await self._redeliver(delivery.id, delivery.round_id)
            except Exception:
                log.exception("re-sending a round's messages failed")
        return len(requests) + len(deliveries)

    async def _drop_row(self, stored_key: str) -> None:
        """Drop a handled row by the key it is stored under: `handle` took it already, unless
        it was accepted before keys were stored hashed (migration 0014)."""
        await self._services.finished.handled(stored_key)

    async def renew(self) -> None:
        """Keep this process's claims alive while it works on them."""
        services = self._services
        async with services.database.unit_of_work() as uow:
            until = services.lease_until()
            touched = await uow.inbox.renew(by=services.worker, until=until)
            touched += await uow.outbox.renew(by=services.worker, until=until)
            if touched:
                await uow.commit()


async def _given(form: Form | None) -> Form | None:
    return form


async def keep_up(inbox: Inbox, is_leader: Callable[[], bool]) -> None:
    """Until cancelled: renew this process's claims four times a lease; on the leader,
    recover others' work as often."""
    every = inbox.lease / RENEWALS_PER_LEASE
    while True:
        try:
            await inbox.renew()
            if is_leader():
                await inbox.recover()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("keeping the inbox up failed; trying again")
        await asyncio.sleep(every.total_seconds())


# --- the neutral request as JSON: what the handler needs, no platform payload --------------
def to_json(request: Deferrable) -> tuple[str, dict[str, Any]]:
    common: dict[str, Any] = {
        "actor": _actor_json(request.actor),
        "conversation": list(request.conversation),
        "key": request.request_id,
    }
    match request:
        case ChatMessage():
            command = _command_json(request.command) if request.command else None
            return "message", {
                **common,
                "text": request.text,
                "chat": request.chat.value,
                "command": command,
            }
        case ActionRequest():
            return "action", {
                **common,
                "action": request.action,
                "value": request.value,
                "private_chat": request.private_chat,
            }
        case CommandRequest():
            return "command", {**common, **_command_json(request)}


def from_json(kind: str, body: dict[str, Any]) -> Deferrable:
    actor = _actor(body["actor"])
    conversation = ConversationRef(*body["conversation"])
    key = body.get("key")
    if kind == "message":
        command = body.get("command")
        return ChatMessage(
            actor,
            conversation,
            body["text"],
            request_id=key,
            chat=Chat(body.get("chat", Chat.THREADS.value)),
            command=_command(actor, conversation, key, command) if command else None,
        )
    if kind == "action":
        return ActionRequest(
            actor,
            conversation,
            body["action"],
            body["value"],
            request_id=key,
            private_chat=bool(body.get("private_chat")),
        )
    if kind == "command":
        return _command(actor, conversation, key, body)
    raise ValueError(f"unknown inbox kind {kind!r}")


def _command_json(command: CommandRequest) -> dict[str, Any]:
    return {
        "words": list(command.words),
        "mentions": [_actor_json(m) for m in command.mentions],
        "everyone": command.everyone,
        "private_chat": command.private_chat,
        "forms_go_private": command.forms_go_private,
    }


def _command(
    actor: Actor, conversation: ConversationRef, key: str | None, body: dict[str, Any]
) -> CommandRequest:
    return CommandRequest(
        actor,
        conversation,
        tuple(body["words"]),
        tuple(_actor(m) for m in body["mentions"]),
        request_id=key,
        everyone=bool(body.get("everyone")),
        private_chat=bool(body.get("private_chat")),
        forms_go_private=bool(body.get("forms_go_private")),
    )


def _actor_json(actor: Actor) -> list[str]:
    return [*actor.user, actor.display_name]


def _actor(parts: list[str]) -> Actor:
    platform, tenant, user_id, name = parts
    return Actor(UserRef(platform, tenant, user_id), name)
