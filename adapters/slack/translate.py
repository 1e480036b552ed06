"""Slack payloads in, neutral requests out: pure functions, no I/O.

Slash commands arrive with `should_escape` on (see the manifest), so a mention is
`<@U0123|name>`; everything else in the text is a word. Modals carry no channel, so the
channel (and thread) the form was opened from rides in `private_metadata` beside the form's
own context, under keys no form uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

from bot.request_keys import request_key
from bot.requests import ActionRequest, Actor, ChatMessage, CommandRequest, FormSubmission
from rituals.refs import ConversationRef, UserRef

PLATFORM: Final = "slack"
CHANNEL_KEY: Final = "_slack_channel"
THREAD_KEY: Final = "_slack_thread"
# What is inside a mention's `<…>`: `@U0123` or `@U0123|name` (Slack escapes `<` and `>`).
MENTION_BODY: Final = re.compile(r"@([UW][A-Z0-9]+)(?:\|([^<>]*))?")

Payload = dict[str, Any]


def user(team_id: str, user_id: str) -> UserRef:
    return UserRef(PLATFORM, team_id, user_id)


def conversation(team_id: str, channel_id: str, thread_ts: str | None = None) -> ConversationRef:
    return ConversationRef(PLATFORM, team_id, channel_id, thread_ts)


def command_request(body: Payload) -> CommandRequest:
    """`/compact reflect <@U1|alice> <@U2|bob>` → words ("reflect",) and two mentions."""
    team = str(body.get("team_id", ""))
    text = str(body.get("text", ""))
    spans = list(mention_spans(text))
    mentions = tuple(Actor(user(team, found), name or found) for _, _, found, name in spans)
    words = tuple(_without(text, spans).split())
    name = str(body.get("user_name") or body.get("user_id", ""))
    return CommandRequest(
        actor=Actor(user(team, str(body.get("user_id", ""))), name),
        conversation=conversation(team, str(body.get("channel_id", ""))),
        words=words,
        mentions=tuple(dict.fromkeys(mentions)),
        request_id=(
            request_key(PLATFORM, "command", str(body["trigger_id"]))
            if body.get("trigger_id")
            else None
        ),
    )


def mention_spans(text: str) -> Iterator[tuple[int, int, str, str | None]]:
    """(start, end, user id, name or None) of each `<@U…>` / `<@U…|name>` in `text`.

    Linear in the text: each search starts where the last one ended, and the `>` found for
    one candidate serves the next while it lies ahead (a pattern such as
    `<@U…(\\|[^>]*)?>` retries from every `<@` and is quadratic on `<@U1|<@U1|…`)."""
    at, close = 0, -1
    while (start := text.find("<@", at)) >= 0:
        if close < start:
            close = text.find(">", start + 2)
            if close < 0:
                return
        opener = text.find("<", start + 2, close)
        if opener >= 0:  # another `<` before the `>`: this one was no mention
            at = opener
            continue
        body = MENTION_BODY.fullmatch(text, start + 1, close)
        if body is not None:
            yield start, close + 1, body.group(1), body.group(2)
        at = close + 1


def _without(text: str, spans: list[tuple[int, int, str, str | None]]) -> str:
    """`text` with each mention replaced by a space."""
    pieces: list[str] = []
    at = 0
    for start, end, _, _ in spans:
        pieces += [text[at:start], " "]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def team_of(body: Payload) -> str:
    """The workspace a payload comes from, wherever this kind of payload keeps it."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user_part = body.get("user")
    if isinstance(user_part, dict) and user_part.get("team_id"):
        return str(user_part["team_id"])
    return ""


def actor_of(body: Payload) -> Actor:
    """The person who clicked or submitted (interactivity payloads)."""
    who = body.get("user") or {}
    name = who.get("name") or who.get("username") or who.get("id", "")
    return Actor(user(team_of(body), str(who.get("id", ""))), str(name))


def action_request(body: Payload, action: Payload) -> ActionRequest:
    """A button press on a message (in a channel, a thread or an ephemeral message)."""
    team = team_of(body)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    message = body.get("message") or {}
    container = body.get("container") or {}
    thread = message.get("thread_ts") or container.get("thread_ts")
    return ActionRequest(
        actor=actor_of(body),
        conversation=conversation(team, str(channel), thread),
        action=str(action.get("action_id", "")),
        value=str(action.get("value", "")),
        request_id=action_key(body, action),
    )


def action_key(body: Payload, action: Payload) -> str | None:
    """The idempotency key of a button press: message, button, value and person. A
    double-click repeats all four; a different person pressing "I'm here" does not."""
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if not message_ts:
        return None
    who = (body.get("user") or {}).get("id", "")
    parts = (container.get("channel_id", ""), message_ts, action.get("action_id", ""))
    return request_key(
        PLATFORM, "action", team_of(body), *map(str, parts), str(action.get("value", "")), who
    )


def form_context(context: dict[str, str], where: ConversationRef) -> dict[str, str]:
    """The form's context plus the conversation it was opened from."""
    extra = {CHANNEL_KEY: where.channel}
    if where.thread:
        extra[THREAD_KEY] = where.thread
    return {**context, **extra}


def form_submission(body: Payload) -> FormSubmission:
    """A submitted modal: each input's value by block id (= the form field's name)."""
    view = body.get("view") or {}
    team = team_of(body)
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        metadata = {}
    context = {str(k): str(v) for k, v in metadata.items() if isinstance(v, str)}
    channel = context.pop(CHANNEL_KEY, "")
    thread = context.pop(THREAD_KEY, None)
    values: dict[str, str | tuple[str, ...]] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        for element in elements.values():
            values[str(block_id)] = _input_value(element)
    return FormSubmission(
        actor=actor_of(body),
        conversation=conversation(team, channel, thread),
        form_id=str(view.get("callback_id", "")),
        values=values,
        context=context,
        request_id=request_key(
            PLATFORM, "view", str(view.get("id", "")), str(view.get("hash", ""))
        ),
    )


def _input_value(element: Payload) -> str | tuple[str, ...]:
    kind = element.get("type")
    if kind == "multi_static_select":
        return tuple(str(o["value"]) for o in element.get("selected_options") or ())
    if kind in ("static_select", "radio_buttons"):
        chosen = element.get("selected_option") or {}
        return str(chosen.get("value", ""))
    return str(element.get("value") or "")


def chat_message(
    team_id: str, event: Payload, *, event_id: str | None = None
) -> ChatMessage | None:
    """A person's reply in a thread; anything else (bots, edits, joins, top-level chat) is
    not for us."""
    if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
        return None
    if not event.get("user") or not event.get("channel"):
        return None
    who = user(team_id, str(event["user"]))
    return ChatMessage(
        actor=Actor(who, who.user_id),
        conversation=conversation(team_id, str(event["channel"]), str(event["thread_ts"])),
        text=unescape(str(event.get("text", ""))),
        request_id=request_key(PLATFORM, "event", event_id) if event_id else None,
    )


def unescape(text: str) -> str:
    """Slack sends `&`, `<` and `>` escaped; store what the person typed (it is escaped
    again whenever it is shown)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
