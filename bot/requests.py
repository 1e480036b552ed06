"""What adapters hand the application: neutral requests, already translated from the platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

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
    """The platform's key for this command (Slack: its `trigger_id`), for the inbox."""

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


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """Plain text said in a conversation (e.g. a reply in a round's thread)."""

    actor: Actor
    conversation: ConversationRef
    text: str
    request_id: str | None = None
    """The platform's key for this delivery (Slack's `event_id`), so a redelivery is
    applied once."""


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
