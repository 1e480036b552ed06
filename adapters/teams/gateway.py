"""The Teams chat gateway: every message is proactive, addressed with a stored conversation
reference, so any replica can send it (docs/teams.md, "Inside adapters/teams")."""

from __future__ import annotations

import base64
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar

from adapters.teams.cards import Renderer
from adapters.teams.connector import BotConnector, ConnectorError
from adapters.teams.translate import CHANNEL, PERSONAL, TEAMS, THREAD_MARK, Origin, is_person
from bot.messages import Chart, Form, Message
from bot.ports import AddressBook
from bot.profiles import (
    FAILED,
    RATE_LIMITED,
    Profile,
    ProfileCache,
    ProfileUnavailable,
)
from bot.requests import Actor
from bot.views.chart_image import render_chart
from rituals.refs import ConversationRef, UserRef

log = logging.getLogger("compact.teams")
T = TypeVar("T")

MEMBERS_PAGE: Final = 100
MEMBERS_MAX: Final = 60  # a round is a meeting's people; also the most a card refresh names
CACHE_SIZE: Final = 50_000


class _Lru(OrderedDict[str, T]):
    """A small bounded map (what this process already stored or recalled)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        super().__init__()
        self._size = size

    def put(self, key: str, value: T) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self._size:
            self.popitem(last=False)


class TeamsGateway:
    """`ChatGateway` for Teams, plus what the Teams listener needs: storing references,
    sending forms privately, replacing a form card, listing a conversation's people."""

    platform = TEAMS

    def __init__(
        self, *, connector: BotConnector, addresses: AddressBook, renderer: Renderer
    ) -> None:
        self._connector = connector
        self._addresses = addresses
        self._renderer = renderer
        self._recalled: _Lru[dict[str, Any]] = _Lru()
        self._profiles = ProfileCache()

    # --- addresses ------------------------------------------------------------------------
    async def note(self, origin: Origin, people: Sequence[Actor] = ()) -> None:
        """Keep how to reach this conversation and these people later (written only when it
        changed, so a busy conversation costs no write per message). A service URL off the
        allow-list is never stored (`ServiceUrlRefused`)."""
        self._connector.allowed.check(origin.service_url)
        tenant = origin.conversation.tenant
        base = {"serviceUrl": origin.service_url, "tenantId": tenant, "bot": dict(origin.bot)}
        await self._remember(
            _conversation_key(origin.channel),
            {**base, "conversationId": origin.channel.channel, "conversationType": origin.kind},
        )
        for person in (origin.actor, *people):
            await self._remember(
                _user_key(person.user),
                {**base, "id": person.user.user_id, "name": person.display_name},
            )
        if origin.kind == PERSONAL:
            await self._remember(
                _personal_key(origin.actor.user),
                {**base, "conversationId": origin.channel.channel, "conversationType": PERSONAL},
            )

    async def _remember(self, key: str, address: Mapping[str, Any]) -> None:
        if self._recalled.get(key) == address:
            return
        await self._addresses.remember(TEAMS, key, address)
        self._recalled.put(key, dict(address))

    async def _recall(self, key: str) -> dict[str, Any] | None:
        known = self._recalled.get(key)
        if known is None:
            known = await self._addresses.recall(TEAMS, key)
            if known is not None:
                self._recalled.put(key, known)
        return known

    async def _conversation(self, conversation: ConversationRef) -> dict[str, Any]:
        address = await self._recall(_conversation_key(conversation))
        if address is None:
            raise LookupError(
                f"no stored Teams conversation reference for {conversation.channel!r}: the bot "
                "must be installed there (or spoken to) before it can post"
            )
        return address

    # --- ChatGateway --------------------------------------------------------------------
    async def post(self, conversation: ConversationRef, message: Message) -> str:
        address = await self._conversation(conversation)
        ids = [
            await self._send(address, conversation.thread, payload)
            for payload in self._renderer.activities(message)
        ]
        for chart in (block for block in message.blocks if isinstance(block, Chart)):
            await self._send_chart(address, conversation.thread, chart)
        return ids[0]

    async def _send_chart(
        self, address: Mapping[str, Any], thread: str | None, chart: Chart
    ) -> None:
        """The chart as a picture attached after the card (the card has its numbers, so a
        failure is logged and the message stands). Base64 images are outside Teams' message
        size limit."""
        try:
            png = await render_chart(chart)
            image = {
                "contentType": "image/png",
                "contentUrl": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                "name": "compact-digest-chart.png",
            }
            await self._send(address, thread, {"type": "message", "attachments": [image]})
        except Exception:
            log.exception("could not attach a chart in Teams")

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None:
        address = await self._conversation(conversation)
        payload = self._renderer.activity(message)
        await self._replace(address, conversation.thread, message_id, payload)

    async def send_private(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        """Teams has no ephemeral messages: private means the person's chat with the bot."""
        chat = await self._personal_chat(user, near)
        for payload in self._renderer.activities(message):
            await self._send(chat, None, payload)

    # --- for the listener ------------------------------------------------------------------
    async def send_form(self, user: UserRef, form: Form, *, near: ConversationRef | None) -> str:
        """A form as a card in the person's personal chat (typed commands cannot open a
        dialog: Teams opens one only in answer to a button)."""
        chat = await self._personal_chat(user, near)
        return await self._send(chat, None, self._renderer.form_activity(form))

    async def replace_card(
        self, conversation: ConversationRef, card_id: str, payload: Mapping[str, Any]
    ) -> None:
        """Replace a card we posted (a submitted form becomes "sent", or shows its problems)."""
        address = await self._conversation(conversation)
        await self._replace(address, conversation.thread, card_id, payload)

    async def members(self, conversation: ConversationRef) -> list[Actor]:
        """The people of the team (for a channel) or the chat, bots left out, at most 60
        (`Directory`); how to reach each of them privately is kept, as for anyone met."""
        address = await self._conversation(conversation)
        people = await self._list_members(conversation, address)
        base = {
            "serviceUrl": address["serviceUrl"],
            "tenantId": conversation.tenant,
            "bot": dict(address.get("bot", {})),
        }
        for person in people:
            await self._remember(
                _user_key(person.user),
                {**base, "id": person.user.user_id, "name": person.display_name},
            )
        return people

    async def _list_members(
        self, conversation: ConversationRef, address: Mapping[str, Any]
    ) -> list[Actor]:
        bot_id = address.get("bot", {}).get("id")
        people: list[Actor] = []
        token: str | None = None
        while len(people) < MEMBERS_MAX:
            page = await self._connector.members_page(
                address["serviceUrl"], address["conversationId"], MEMBERS_PAGE, token
            )
            for member in page.get("members") or []:
                member_id = str(member.get("id") or "")
                if member_id and member_id != bot_id and is_person(member_id):
                    user = UserRef(TEAMS, conversation.tenant, member_id)
                    people.append(Actor(user, str(member.get("name") or member_id)))
            token = page.get("continuationToken")
            if not token:
                break
        return people[:MEMBERS_MAX]

    # --- the Profiles port ----------------------------------------------------------------
    async def profile(self, user: UserRef, near: ConversationRef) -> Profile:
        """The member look-up in the conversation `near` (no Graph permission needed): their
        email, else their user principal name (a guest's `#EXT#` one is not an address)."""
        known = self._profiles.get(user)
        if known is not None:
            return known
        try:
            address = await self._conversation(near.in_thread(None))
            member = await self._connector.member(
                address["serviceUrl"], address["conversationId"], user.user_id
            )
        except ConnectorError as problem:
            raise ProfileUnavailable(RATE_LIMITED if problem.status == 429 else FAILED) from None
        except LookupError:
            raise ProfileUnavailable(FAILED) from None
        principal = str(member.get("userPrincipalName") or "")
        email = str(member.get("email") or "") or ("" if "#EXT#" in principal else principal)
        profile = Profile(email or None, str(member.get("tenantId") or user.tenant))
        self._profiles.put(user, profile)
        return profile

    # --- the wire ----------------------------------------------------------------------------
    async def _personal_chat(self, user: UserRef, near: ConversationRef | None) -> dict[str, Any]:
        chat = await self._recall(_personal_key(user))
        if chat is not None:
            return chat
        base = await self._recall(_user_key(user))
        if base is None and near is not None:
            base = await self._recall(_conversation_key(near))
        if base is None:
            raise LookupError(
                "no stored Teams reference for this person: the bot has not met them yet"
            )
        bot = base.get("bot", {})
        conversation_id = await self._connector.create_conversation(
            base["serviceUrl"],
            {
                "isGroup": False,
                "bot": bot,
                "members": [{"id": user.user_id}],
                "tenantId": user.tenant,
                "channelData": {"tenant": {"id": user.tenant}},
            },
        )
        chat = {
            "serviceUrl": base["serviceUrl"],
            "tenantId": user.tenant,
            "bot": bot,
            "conversationId": conversation_id,
            "conversationType": PERSONAL,
        }
        await self._remember(_personal_key(user), chat)
        return chat

    async def _send(
        self, address: Mapping[str, Any], thread: str | None, payload: Mapping[str, Any]
    ) -> str:
        conversation_id = address["conversationId"]
        reply_to: str | None = None
        if thread is not None:
            if address.get("conversationType") == CHANNEL:
                # A channel's reply chain is a conversation of its own.
                conversation_id = f"{conversation_id}{THREAD_MARK}{thread}"
            else:
                reply_to = thread  # chats have no reply chains: a reply to the message
        activity = _addressed(address, conversation_id, payload)
        if reply_to is not None:
            activity["replyToId"] = reply_to
        return await self._connector.send(
            address["serviceUrl"], conversation_id, activity, reply_to=reply_to
        )

    async def _replace(
        self,
        address: Mapping[str, Any],
        thread: str | None,
        message_id: str,
        payload: Mapping[str, Any],
    ) -> None:
        conversation_id = address["conversationId"]
        if thread is not None and address.get("conversationType") == CHANNEL:
            conversation_id = f"{conversation_id}{THREAD_MARK}{thread}"
        activity = {**_addressed(address, conversation_id, payload), "id": message_id}
        await self._connector.update(address["serviceUrl"], conversation_id, message_id, activity)


def _addressed(
    address: Mapping[str, Any], conversation_id: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The activity as the Bot Connector expects it: from the bot, in the conversation."""
    return {
        **payload,
        "channelId": "msteams",
        "from": dict(address.get("bot", {})),
        "conversation": {"id": conversation_id},
    }


def _conversation_key(conversation: ConversationRef) -> str:
    return f"conversation:{conversation.channel}"


def _user_key(user: UserRef) -> str:
    return f"user:{user.tenant}:{user.user_id}"


def _personal_key(user: UserRef) -> str:
    return f"personal:{user.tenant}:{user.user_id}"
