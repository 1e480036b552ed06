"""Requests handled after their acknowledgement, made durable before it (docs/durability.md).

`accept` records the request (its idempotency key and one inbox row, one transaction) before
the adapter acknowledges it; `handle` runs it through the application's usual entry point,
whose transaction deletes the row. A process that dies in between leaves the row, with a
lease that stops being renewed; `recover` (on start, then every second on the replica that
holds the scheduler's lease) handles such rows, and re-sends what rounds changed by a dead
process still owed people (the outbox). Call-out requests are never deferred.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final, Protocol

from bot import actions
from bot.messages import Form
from bot.requests import ActionRequest, Actor, ChatMessage, CommandRequest
from bot.services import Services
from rituals.refs import ConversationRef, UserRef

log = logging.getLogger("compact.inbox")

Deferrable = ChatMessage | ActionRequest | CommandRequest
RENEW_EVERY: Final = timedelta(seconds=1)
# Buttons whose handling may follow the acknowledgement (recorded in the inbox first).
DEFERRED_ACTIONS: Final = frozenset(
    {
        actions.ROUND_JOIN,
        actions.ROUND_BEGIN,
        actions.ROUND_PASS,
        actions.ROUND_SKIP,
        actions.ROUND_NEXT,
        actions.ROUND_END,
    }
)
# Call-out commands: handled before their acknowledgement, so no inbox row ever ties a
# person to a call-out. (Commands that open a form hold it with a seconds-long token and
# change nothing: they are neither deferred durably nor replayable.)
CALLOUT_COMMANDS: Final = frozenset(
    {"callout", "agenda", "discussed", "resolve", "withdraw", "mine"}
)


class EntryPoints(Protocol):
    """The application's entry points a deferred request goes through, live or recovered."""

    async def message(self, message: ChatMessage) -> None: ...

    async def action(self, request: ActionRequest) -> Form | None: ...

    async def command(self, request: CommandRequest) -> Form | None: ...


Redeliver = Callable[[int, str], Awaitable[None]]


def defers(request: Deferrable) -> bool:
    """Whether an adapter may acknowledge `request` before handling it (after `accept`)."""
    if request.request_id is None:
        return False
    if isinstance(request, ActionRequest):
        return request.action in DEFERRED_ACTIONS
    if isinstance(request, CommandRequest):
        return request.word not in CALLOUT_COMMANDS | actions.COMMANDS_OPENING_FORM
    return True


class Inbox:
    def __init__(self, services: Services, entry: EntryPoints, redeliver: Redeliver) -> None:
        self._services = services
        self._entry = entry
        self._redeliver = redeliver

    async def accept(self, request: Deferrable) -> bool:
        """Record `request` before it is acknowledged; False for a repeat (already recorded:
        acknowledge it and do nothing more)."""
        key = request.request_id
        if key is None:
            raise ValueError("a deferred request needs its idempotency key")
        services = self._services
        now = services.clock.now()
        async with services.database.unit_of_work() as uow:
            if not await uow.requests.first_time(key, now):
                return False
            kind, body = to_json(request)
            await uow.inbox.put(
                key, kind, body, now, by=services.worker, until=services.lease_until()
            )
            await uow.commit()
        return True

    async def handle(self, request: Deferrable) -> Form | None:
        """Handle an accepted request through the application's entry point. Its row goes in
        the handling transaction; a request that changed nothing leaves it, so it goes here."""
        try:
            match request:
                case ChatMessage():
                    await self._entry.message(request)
                    return None
                case ActionRequest():
                    return await self._entry.action(request)
                case CommandRequest():
                    return await self._entry.command(request)
        finally:
            async with self._services.database.unit_of_work() as uow:
                if await uow.inbox.take(str(request.request_id)):
                    await uow.commit()

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
        for delivery in deliveries:
            log.warning("re-sending what a round owed people when its process stopped")
            try:
                await self._redeliver(delivery.id, delivery.round_id)
            except Exception:
                log.exception("re-sending a round's messages failed")
        return len(requests) + len(deliveries)

    async def renew(self) -> None:
        """Keep this process's claims alive while it works on them."""
        services = self._services
        async with services.database.unit_of_work() as uow:
            until = services.lease_until()
            touched = await uow.inbox.renew(by=services.worker, until=until)
            touched += await uow.outbox.renew(by=services.worker, until=until)
            if touched:
                await uow.commit()


async def keep_up(
    inbox: Inbox, is_leader: Callable[[], bool], every: timedelta = RENEW_EVERY
) -> None:
    """Until cancelled: renew this process's claims; on the leader, recover others' work."""
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
        "actor": [*request.actor.user, request.actor.display_name],
        "conversation": list(request.conversation),
        "key": request.request_id,
    }
    match request:
        case ChatMessage():
            return "message", {**common, "text": request.text}
        case ActionRequest():
            return "action", {**common, "action": request.action, "value": request.value}
        case CommandRequest():
            mentions = [[*m.user, m.display_name] for m in request.mentions]
            return "command", {**common, "words": list(request.words), "mentions": mentions}


def from_json(kind: str, body: dict[str, Any]) -> Deferrable:
    actor = _actor(body["actor"])
    conversation = ConversationRef(*body["conversation"])
    key = body.get("key")
    if kind == "message":
        return ChatMessage(actor, conversation, body["text"], request_id=key)
    if kind == "action":
        return ActionRequest(actor, conversation, body["action"], body["value"], request_id=key)
    if kind == "command":
        mentions = tuple(_actor(m) for m in body["mentions"])
        return CommandRequest(actor, conversation, tuple(body["words"]), mentions, request_id=key)
    raise ValueError(f"unknown inbox kind {kind!r}")


def _actor(parts: list[str]) -> Actor:
    platform, tenant, user_id, name = parts
    return Actor(UserRef(platform, tenant, user_id), name)
