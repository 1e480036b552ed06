"""Teams Activity JSON -> neutral requests: pure functions over the JSON as Teams sent it, not
SDK objects (how people and places are named, in docs/teams.md)."""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from adapters.teams.cards import FIELD_PREFIX, KIND, KIND_ACTION, KIND_FORM
from bot.request_keys import request_key
from bot.requests import (
    ActionRequest,
    Actor,
    Chat,
    ChatMessage,
    CommandRequest,
    FormSubmission,
    Installation,
)
from rituals.refs import ConversationRef, UserRef

TEAMS: Final = "teams"
PERSONAL: Final = "personal"
CHANNEL: Final = "channel"
GROUP_CHAT: Final = "groupChat"
THREAD_MARK: Final = ";messageid="
# Words that address the bot itself, dropped before the command word ("compact reflect" in a
# personal chat, or the Slack habit "/compact reflect").
SELF_WORDS: Final = frozenset({"compact", "/compact", "@compact"})
# "@Compact reflect everyone": the people of the team or chat, looked up by the adapter.
EVERYONE_WORDS: Final = frozenset({"everyone", "all", "@everyone", "@all"})
MAX_TEXT: Final = 20_000
# Mention entities read from one activity (a round has a handful of people; an activity may
# carry thousands of entities, each costing work on the event loop).
MAX_MENTIONS: Final = 200
MAX_ENTITIES: Final = 1_000  # of any type (Teams adds a few others: client info, places)

_BREAKS: Final = frozenset({"br", "/p", "/div"})  # tags read as a line break


class Malformed(ValueError):
    """An activity we cannot act on; the endpoint answers 400 and stores nothing."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an activity came from and who sent it."""

    conversation: ConversationRef
    actor: Actor
    kind: str  # personal | channel | groupChat
    activity_id: str
    service_url: str
    bot: Mapping[str, str]

    @property
    def key(self) -> str:
        """The idempotency key: Teams redelivers an activity with the same id."""
        return request_key(TEAMS, "activity", self.conversation.channel, self.activity_id)

    @property
    def channel(self) -> ConversationRef:
        return self.conversation.in_thread(None)

    @property
    def private_chat(self) -> bool:
        return self.kind == PERSONAL

    @property
    def in_existing_thread(self) -> bool:
        """A reply under someone else's post (a new post is its own thread's first message)."""
        thread = self.conversation.thread
        return thread is not None and thread != self.activity_id


@dataclass(frozen=True, slots=True)
class Command:
    """Words addressed to the bot, the people mentioned, and whether "everyone" was meant."""

    origin: Origin
    words: tuple[str, ...]
    mentions: tuple[Actor, ...] = ()
    everyone: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """Plain text in a conversation (perhaps a reply to a round). `thread_unknown`: a chat
    without threads; `otherwise`: the text read as a command, when it mentioned the bot
    (the application decides which it is)."""

    origin: Origin
    text: str
    thread_unknown: bool = False
    otherwise: Command | None = None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    origin: Origin
    action: str
    value: str


@dataclass(frozen=True, slots=True)
class Submission:
    """A filled form; `card_id` is the form card's message (None when sent from a dialog)."""

    origin: Origin
    form_id: str
    values: dict[str, str | tuple[str, ...]]
    context: dict[str, str] = field(default_factory=dict)
    card_id: str | None = None
    spec: Any = None  # the form's own description, to show it again (see cards.form_spec)


@dataclass(frozen=True, slots=True)
class Installed:
    """The bot was added to a team, a chat or someone's personal scope."""

    origin: Origin


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Inbound = Command | Reply | ButtonPress | Submission | Installed | Ignored


# --- the activity's envelope --------------------------------------------------------------
def origin_of(activity: Mapping[str, Any]) -> Origin:
    """Who and where; `Malformed` when the envelope lacks what every reply needs."""
    conversation = _mapping(activity.get("conversation"))
    sender = _mapping(activity.get("from"))
    recipient = _mapping(activity.get("recipient"))
    conversation_id = _string(conversation.get("id"))
    sender_id = _string(sender.get("id"))
    service_url = _string(activity.get("serviceUrl"))
    activity_id = _string(activity.get("id"))
    missing = [
        name
        for name, value in (
            ("type", _string(activity.get("type"))),
            ("id", activity_id),
            ("serviceUrl", service_url),
            ("conversation.id", conversation_id),
            ("from.id", sender_id),
            ("recipient.id", _string(recipient.get("id"))),
        )
        if not value
    ]
    if missing:
        raise Malformed(f"the activity has no {', '.join(missing)}")
    if not service_url.startswith(("https://", "http://")):
        raise Malformed("the activity's serviceUrl is not an HTTP URL")
    tenant = tenant_of(activity)
    channel, thread = split_conversation_id(conversation_id)
    kind = _string(conversation.get("conversationType")) or (
        GROUP_CHAT if conversation.get("isGroup") else PERSONAL
    )
    actor = Actor(UserRef(TEAMS, tenant, sender_id), _string(sender.get("name")) or sender_id)
    bot = {"id": _string(recipient.get("id")), "name": _string(recipient.get("name"))}
    return Origin(
        conversation=ConversationRef(TEAMS, tenant, channel, thread),
        actor=actor,
        kind=kind,
        activity_id=activity_id,
        service_url=service_url,
        bot=bot,
    )


def tenant_of(activity: Mapping[str, Any]) -> str:
    """The Microsoft Entra tenant: `conversation.tenantId`, else `channelData.tenant.id`."""
    tenant = _string(_mapping(activity.get("conversation")).get("tenantId"))
    if not tenant:
        tenant = _string(_mapping(_mapping(activity.get("channelData")).get("tenant")).get("id"))
    return tenant or "-"


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """`19:x@thread.tacv2;messageid=1700` -> (`19:x@thread.tacv2`, `1700`)."""
    channel, mark, thread = conversation_id.partition(THREAD_MARK)
    return channel, (thread or None) if mark else None


# --- messages ---------------------------------------------------------------------------
def read_message(activity: Mapping[str, Any]) -> Inbound:
    """A message activity: a card's button or form (it carries `value`), a command to the
    bot, or plain text in a conversation (which may still be a command: the application
    knows its command words)."""
    origin = origin_of(activity)
    value = activity.get("value")
    if isinstance(value, Mapping) and value.get(KIND):
        card = activity.get("replyToId")
        return read_card_data(origin, value, card_id=card if isinstance(card, str) else None)
    text = _string(activity.get("text"))[:MAX_TEXT]
    mentions = _mentions(activity, text)
    bot_id = _string(_mapping(activity.get("recipient")).get("id"))
    addressed = any(mention.id == bot_id for mention in mentions)
    command = _command(origin, text, mentions, bot_id)
    if origin.kind == PERSONAL:
        return command
    if addressed and not command.words:
        return command  # the bot's name alone: the help
    if addressed and origin.kind == CHANNEL and not origin.in_existing_thread:
        return command  # a new post to the bot: unknown words get the help
    reply = plain_text(text, mentions, bot_id)
    otherwise = command if addressed else None
    if not reply:
        return Ignored("an empty message")
    if origin.kind == CHANNEL:
        if origin.in_existing_thread:
            return Reply(origin, reply, otherwise=otherwise)
        return Ignored("a channel post not addressed to the bot")
    # Group and meeting chats have no threads: the text may answer the chat's open round.
    return Reply(origin, reply, thread_unknown=True, otherwise=otherwise)


def read_card_data(
    origin: Origin, data: Mapping[str, Any], *, card_id: str | None = None
) -> ButtonPress | Submission | Ignored:
    """The data of one of our cards' buttons (`Action.Submit`, or a dialog's submit)."""
    kind = data.get(KIND)
    if kind == KIND_ACTION:
        action = data.get("action")
        if not isinstance(action, str) or not action:
            return Ignored("a button without an action")
        return ButtonPress(origin, action, _string(data.get("value")))
    if kind == KIND_FORM:
        form_id = data.get("form")
        if not isinstance(form_id, str) or not form_id:
            return Ignored("a form without an id")
        context = {
            str(k): _string(v) for k, v in _mapping(data.get("context")).items() if _is_scalar(v)
        }
        values: dict[str, str | tuple[str, ...]] = {}
        for key, raw in data.items():
            if isinstance(key, str) and key.startswith(FIELD_PREFIX):
                values[key[len(FIELD_PREFIX) :]] = _field_value(raw)
        return Submission(origin, form_id, values, context, card_id, data.get("spec"))
    return Ignored("card data that is not ours")


def read_installation(activity: Mapping[str, Any]) -> Installed | Ignored:
    """A conversationUpdate: only the bot's own arrival matters (a welcome is due)."""
    origin = origin_of(activity)
    bot_id = origin.bot["id"]
    added = activity.get("membersAdded")
    if isinstance(added, list) and any(_mapping(m).get("id") == bot_id for m in added):
        return Installed(origin)
    return Ignored("members other than the bot changed")


# --- as the application's neutral requests --------------------------------------------------
def command_request(command: Command) -> CommandRequest:
    """Typed commands cannot open a dialog in Teams, so their forms go to the personal chat."""
    origin = command.origin
    return CommandRequest(
        origin.actor,
        origin.conversation,
        command.words,
        command.mentions,
        request_id=origin.key,
        everyone=command.everyone,
        private_chat=origin.private_chat,
        forms_go_private=True,
    )


def chat_message(reply: Reply) -> ChatMessage:
    origin = reply.origin
    return ChatMessage(
        origin.actor,
        origin.conversation,
        reply.text,
        request_id=origin.key,
        chat=Chat.NO_THREADS if reply.thread_unknown else Chat.THREADS,
        command=command_request(reply.otherwise) if reply.otherwise is not None else None,
    )


def action_request(press: ButtonPress, *, keyed: bool = True) -> ActionRequest:
    """`keyed`: a press sent as a message (Teams redelivers it); a dialog's fetch is not."""
    origin = press.origin
    return ActionRequest(
        origin.actor,
        origin.conversation,
        press.action,
        press.value,
        request_id=origin.key if keyed else None,
        private_chat=origin.private_chat,
    )


def form_submission(submission: Submission) -> FormSubmission:
    """The submission keyed on its form card and person when it came from a card: a double
    click sends two activities (two ids) from one card, and must table one call-out. (The
    key is stored only with what the form changes, so correcting a refused form works.)"""
    origin = submission.origin
    key = (
        request_key(
            TEAMS, "card", submission.card_id, submission.form_id, origin.actor.user.user_id
        )
        if submission.card_id
        else origin.key
    )
    return FormSubmission(
        actor=origin.actor,
        conversation=origin.conversation,
        form_id=submission.form_id,
        values=submission.values,
        context=submission.context,
        request_id=key,
        private_chat=origin.private_chat,
    )


def installation(installed: Installed) -> Installation:
    origin = installed.origin
    return Installation(
        origin.actor, origin.conversation, request_id=origin.key, private_chat=origin.private_chat
    )


def _command(origin: Origin, text: str, mentions: list[Mention], bot_id: str) -> Command:
    """Words after the bot's own mention; other people's mentions, in the order written."""
    people: dict[UserRef, Actor] = {}
    everyone = False
    for mention in mentions:
        if mention.id == bot_id:
            continue
        if is_person(mention.id):
            actor = Actor(UserRef(TEAMS, origin.conversation.tenant, mention.id), mention.name)
            people.setdefault(actor.user, actor)
        elif not mention.id.startswith("28:"):
            everyone = True  # the channel, the team or a tag: its people are meant
    words = _clean(_substituted(text, mentions, lambda _: " ")).split()
    while words and words[0].lower() in SELF_WORDS:
        words.pop(0)
    if any(word.lower() in EVERYONE_WORDS for word in words[1:]):
        everyone = True
        words = [words[0], *(w for w in words[1:] if w.lower() not in EVERYONE_WORDS)]
    return Command(origin, tuple(words), tuple(people.values()), everyone)


def plain_text(text: str, mentions: list[Mention], bot_id: str) -> str:
    """What someone wrote, as text: the bot's mention dropped, other mentions as names."""
    named = _substituted(text, mentions, lambda m: "" if m.id == bot_id else m.name)
    return _clean(named, keep_lines=True)


def is_person(teams_id: str) -> bool:
    """User ids (`29:…`, and `8:orgid:…` for some clients); bots are `28:…`; channels,
    teams and tags have other ids."""
    return teams_id.startswith(("29:", "8:"))


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention entity: who, their name, the tag written for it, and where that tag is in
    the text (`start`, or -1 when the text does not have it)."""

    id: str
    name: str
    tag: str
    start: int


def _mentions(activity: Mapping[str, Any], text: str) -> list[Mention]:
    """The mention entities, in the order their tags appear in `text`. Each tag's place comes
    from one pass over the text (`_mention_tags`), not a search per entity: an activity may
    carry thousands of entities."""
    places = _mention_tags(text)
    found: list[Mention] = []
    entities = activity.get("entities")
    for entity in entities[:MAX_ENTITIES] if isinstance(entities, list) else []:
        entity = _mapping(entity)
        if entity.get("type") != "mention":
            continue
        mentioned = _mapping(entity.get("mentioned"))
        mentioned_id = _string(mentioned.get("id"))
        if not mentioned_id:
            continue
        tag = _string(entity.get("text"))
        name = _clean(_string(mentioned.get("name")) or tag) or mentioned_id
        waiting = places.get(tag)
        start = waiting.popleft() if waiting else -1  # the same tag twice: in the order written
        found.append(Mention(mentioned_id, name, tag, start))
        if len(found) == MAX_MENTIONS:
            break
    found.sort(key=lambda m: m.start if m.start >= 0 else len(text))
    return found


def _mention_tags(text: str) -> dict[str, deque[int]]:
    """Where each `<at>…</at>` is in `text`, by its exact text, in the order written."""
    places: dict[str, deque[int]] = {}
    opened = -1
    for start, end in _tags(text):
        name = text[start + 1 : end - 1].strip().lower()
        if name == "at" or name.startswith("at "):
            opened = start
        elif name == "/at" and opened >= 0:
            places.setdefault(text[opened:end], deque()).append(opened)
            opened = -1
    return places


def _substituted(text: str, mentions: list[Mention], by: Callable[[Mention], str]) -> str:
    """`text` with each mention's tag replaced by `by(mention)`, in one pass."""
    pieces: list[str] = []
    at = 0
    for mention in mentions:  # in the order written
        if mention.start < at or not mention.tag:
            continue
        pieces += [text[at : mention.start], by(mention)]
        at = mention.start + len(mention.tag)
    pieces.append(text[at:])
    return "".join(pieces)


def _tags(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `<…>` in `text`, each running to the first `>` after its `<`.
    Linear: every search starts where the last one ended, and with no `>` left there can be
    no tag left either (a pattern such as `<[^>]*>` retries from every `<` instead: a text of
    many `<` and no `>` costs it quadratic time)."""
    at = 0
    while (start := text.find("<", at)) >= 0:
        end = text.find(">", start + 1)
        if end < 0:
            return
        yield start, end + 1
        at = end + 1


def _clean(text: str, *, keep_lines: bool = False) -> str:
    """Teams' HTML as plain text: line breaks kept where asked, tags dropped, entities read."""
    pieces: list[str] = []
    at = 0
    for start, end in _tags(text):
        inside = text[start + 1 : end - 1].strip().rstrip("/").strip().lower()
        pieces += [text[at:start], "\n" if inside in _BREAKS else ""]
        at = end
    pieces.append(text[at:])
    text = html.unescape("".join(pieces)).replace("\xa0", " ")
    if not keep_lines:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _field_value(raw: Any) -> str | tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(_string(item) for item in raw if _is_scalar(item))
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return _string(raw) if _is_scalar(raw) else ""


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
