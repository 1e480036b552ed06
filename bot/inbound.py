"""The one inbound port: what every adapter (Slack, Teams, the console) calls.

Adapters translate a platform's request into one of `bot.requests`' neutral requests and
hand it here; they hold no state about rounds and make no decisions of the ritual's. The
application behind it is `bot.app.CompactApp`, which adapters never import.
"""

from __future__ import annotations

from typing import Protocol

from bot.messages import Form, Message
from bot.requests import (
    ActionRequest,
    Actor,
    ChatMessage,
    CommandRequest,
    FormResult,
    FormSubmission,
    Installation,
)


class Inbound(Protocol):
    async def command(self, request: CommandRequest) -> Form | None:
        """`/compact <words>`; returns a form when the platform should open one."""
        ...

    async def action(self, request: ActionRequest) -> Form | None:
        """A button press; returns a form when the button opens one."""
        ...

    async def submit(self, submission: FormSubmission) -> FormResult:
        """A filled form; problems come back beside the fields (the form stays open)."""
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
