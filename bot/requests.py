"""What adapters hand the application: neutral requests, already translated from the platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum

from rituals.refs import ConversationRef, UserRef


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a request, with the name the platform shows for them."""

    user: UserRef
    display_name: str


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """`/compact <words>`; `mentions` are the people named, resolved by the adapter."""

    actor: Actor
    conversation: ConversationRef
    words: tuple[str, ...]
    mentions: tuple[Actor, ...] = ()
    request_id: str | None = None
    """The platform's key for this delivery (a Slack `trigger_id`, a Teams activity), so a
    redelivery applies once (and, deferred, the key of its inbox row)."""
    everyone: bool = False
    """"Everyone" was named: the conversation's people join `mentions` (looked up by the
    application through the platform's `Directory`)."""
    private_chat: bool = False
    """Typed in the person's one-to-one chat with the bot (Teams: linked to their
    partnership on first contact)."""
    forms_go_private: bool = False
    """The platform cannot open a form where a command was typed, and sends it to the
    person's private chat (Teams); the application says so where the command was typed."""

    @property
    def word(self) -> str:
        """The command word (`reflect`, `callout`…), lower-case; empty for a bare command."""
        return self.words[0].lower() if self.words else ""


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """A button press: the neutral action id and its value, as the message carried them."""

    actor: Actor
    conversation: ConversationRef
    action: str
    value: str = ""
    request_id: str | None = None
    """The platform's key for this press (Slack: message, button, value, person), so a
    double-click is applied once."""
    private_chat: bool = False


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """A filled form; `request_id` is the platform's key for this submission (a Slack view
    id and hash, a Teams activity id), so a retried or double-clicked submit applies once."""

    actor: Actor
    conversation: ConversationRef
    form_id: str
    values: dict[str, str | tuple[str, ...]]
    context: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None
    private_chat: bool = False


class Chat(Enum):
    """What a plain message in a conversation can answer, by how the platform shows rounds."""

    THREADS = "threads"
    """A reply in the round's thread answers it (Slack, Teams channels)."""
    NO_THREADS = "no-threads"
    """No threads: a plain message answers the conversation's open round (Teams group and
    meeting chats)."""
    LINES = "lines"
    """No threads, forms filled line by line: a plain line from the person asked opens
    their answer form, the line its first field (the console)."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """Plain text said in a conversation (e.g. a reply in a round's thread)."""

    actor: Actor
    conversation: ConversationRef
    text: str
    request_id: str | None = None
    """The platform's key for this delivery (Slack's `event_id`), so a redelivery is
    applied once."""
    chat: Chat = Chat.THREADS
    command: CommandRequest | None = None
    """The message read as a command, when it was addressed to the bot (a Teams mention):
    it is one if its first word is a command, or if no round takes the message."""


@dataclass(frozen=True, slots=True)
class Installation:
    """The bot was added to a conversation (a Teams team, chat or personal scope)."""

    actor: Actor
    conversation: ConversationRef
    request_id: str | None = None
    private_chat: bool = False


@dataclass(frozen=True, slots=True)
class FormResult:
    """Empty `errors` means accepted; otherwise the form stays open with errors by its fields."""

    errors: dict[str, str] = field(default_factory=dict)
    then: Callable[[], Awaitable[None]] | None = field(default=None, compare=False, repr=False)
    """What the accepted form still has to tell people (its commit is done): an adapter that
    asked for it runs it after acknowledging the submission."""

    @property
    def ok(self) -> bool:
        return not self.errors


Deferrable = ChatMessage | ActionRequest | CommandRequest
"""A request an adapter may acknowledge before it is handled (after `Inbound.accept`)."""
