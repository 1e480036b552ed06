"""The one inbound port: what every adapter (Slack, Teams, the console) calls.

Adapters translate a platform's request into one of `bot.requests`' neutral requests and
hand it here; they hold no state about rounds and make no decisions of the ritual's. The
application behind it is `bot.app.CompactApp`, which adapters never import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.messages import Form, Message
from bot.requests import (
    ActionRequest,
    Actor,
    ChatMessage,
    CommandRequest,
    Deferrable,
    FormResult,
    FormSubmission,
    Installation,
)

Handling = Callable[[], Awaitable[Form | None]]
"""A request's handling, to run after the platform has its acknowledgement."""


class Inbound(Protocol):
    async def command(self, request: CommandRequest) -> Form | None:
        """`/compact <words>`; returns a form when the platform should open one."""
        ...

    async def action(self, request: ActionRequest) -> Form | None:
        """A button press; returns a form when the button opens one."""
        ...

    async def submit(
        self, submission: FormSubmission, *, defer_effects: bool = False
    ) -> FormResult:
        """A filled form; problems come back beside the fields (the form stays open). With
        `defer_effects`, an accepted form's messages are left to `result.then`, for the
        adapter to run once it has acknowledged the (already committed) submission."""
        ...

    async def accept(self, request: Deferrable) -> Handling | None:
        """Before acknowledging `request` (a command, a button, a message): record it durably
        and return its handling, to run after the acknowledgement (it returns the form to
        show, if any); what is never deferred (call-outs) is handled here, and its handling
        only returns its form. None: a repeat, nothing to do. docs/durability.md."""
        ...

    async def message(self, message: ChatMessage) -> Form | None:
        """Plain chat (a reply to a round, or words addressed to the bot); returns a form
        when the message opens one (a command, or the console's answer form)."""
        ...

    async def home(self, actor: Actor) -> Message:
        """The person's own page (Slack's App Home tab)."""
        ...

    async def installed(self, installation: Installation) -> None:
        """The bot was added to a conversation: it introduces itself there."""
        ...
