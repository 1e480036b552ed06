"""The console chat: read `@name: text` lines, translate them into neutral requests.

Platform buttons are commands here, and a form (a Slack modal, a Teams card) is answered one
`@name:` line per field (the form in progress is the only state kept here). Everything else,
such as whether a plain line is someone's answer, is the application's business.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from adapters.console.fields import check, field_hint
from adapters.console.gateway import Print
from adapters.console.renderer import render_form_intro, safe
from bot import actions
from bot.inbound import Inbound
from bot.messages import FieldKind, Form, FormField
from bot.requests import Actor, Chat, ChatMessage, CommandRequest, FormSubmission
from rituals.refs import ConversationRef, UserRef

PLATFORM = "console"
TENANT = "local"
LINE = re.compile(r"^@(?P<name>[A-Za-z0-9_.-]+):[ \t]?(?P<text>.*)$")
MENTION = re.compile(r"^@(?P<name>[A-Za-z0-9_.-]+)$")
WAIT = re.compile(r"^:wait\s+(?P<amount>\d+)\s*(?P<unit>[smh])$")
SLASH_WORD = re.compile(r"^/[A-Za-z]+(\s|$)")  # "/compat reflect": a mistyped command
UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}
Tick = Callable[[], Awaitable[object]]


def console_user(name: str) -> UserRef:
    return UserRef(PLATFORM, TENANT, name.lower())


def console_channel(name: str = "partnership") -> ConversationRef:
    return ConversationRef(PLATFORM, TENANT, name)


@dataclass
class FormInProgress:
    """A form being answered line by line; `remaining` are the fields still to fill."""

    form: Form
    remaining: list[FormField]
    values: dict[str, str | tuple[str, ...]] = field(default_factory=dict)


class ConsoleSession:
    def __init__(
        self,
        app: Inbound,
        write: Print,
        *,
        tick: Tick,
        advance_clock: Callable[[timedelta], None],
        channel: ConversationRef | None = None,
    ) -> None:
        self._app = app
        self._tick = tick
        self._write = write
        self._advance = advance_clock
        self.channel = channel or console_channel()
        self._forms: dict[UserRef, FormInProgress] = {}

    async def handle(self, raw: str) -> None:
        """One line of input."""
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("#"):
            return
        if stripped.startswith(":"):
            await self._meta(stripped)
            return
        match = LINE.match(line)
        if match is None:
            if stripped:
                self._write(
                    "(console) Speak as someone: `@name: message`, e.g. "
                    "`@alice: /compact reflect @alice @bob @carol`. `:help` for more."
                )
            return
        await self.say(match["name"], match["text"])
        await self._tick()

    async def say(self, name: str, text: str) -> None:
        """`name` says `text` in the channel."""
        actor = self._actor(name)
        text = text.strip()
        pending = self._forms.get(actor.user)
        if is_command(text):
            if pending is not None:
                del self._forms[actor.user]
                self._private(actor.user, f"(your unfinished {pending.form.title} was put away)")
            await self._command(actor, text)
            return
        if pending is not None:
            if text.lower() == "pass" and pending.form.form_id == actions.FORM_REFLECTION:
                del self._forms[actor.user]
                await self._command(actor, "/compact pass")
                return
            await self._fill(actor, pending, text)
            return
        if text.lower() == "pass":
            await self._command(actor, "/compact pass")
            return
        # From the person asked, the line starts their answer (the form comes back, the line
        # is its first field); from anyone else it is chat, and the application says what
        # to type instead while a round is open. A line may start with "/" ("/24 of us").
        form = await self._app.message(ChatMessage(actor, self.channel, text, chat=Chat.LINES))
        if form is not None:
            progress = self._open(actor.user, form, announce=False)
            # Say which question the line answered, so the next prompt is not a non sequitur.
            self._private(actor.user, f"{form.fields[0].label} — your line is that answer.")
            await self._fill(actor, progress, text)
        elif SLASH_WORD.match(text):
            self._private(actor.user, "Commands start with /compact — try /compact help.")

    async def _command(self, actor: Actor, text: str) -> None:
        tokens = text.split()
        words_: list[str] = []
        mentions: list[Actor] = []
        for token in tokens[1:]:
            found = MENTION.match(token.rstrip(",;"))
            if found:
                mentions.append(self._actor(found["name"]))
            else:
                words_.append(token)
        form = await self._app.command(
            CommandRequest(actor, self.channel, tuple(words_), tuple(mentions))
        )
        if form is not None:
            self._open(actor.user, form, announce=True)

    def _open(self, user: UserRef, form: Form, *, announce: bool) -> FormInProgress:
        progress = FormInProgress(form, list(form.fields))
        self._forms[user] = progress
        if announce:
            for line in render_form_intro(form):
                self._private(user, line)
            self._ask(user, progress)
        return progress

    def _ask(self, user: UserRef, progress: FormInProgress) -> None:
        next_field = progress.remaining[0]
        optional = "" if next_field.required else " (optional)"
        self._private(user, f"{next_field.label}{optional}{field_hint(next_field)}")
        if next_field.initial:
            shown = (
                next_field.initial
                if isinstance(next_field.initial, str)
                else " ".join(next_field.initial)
            )
            self._private(user, f"  (now: {shown} — an empty line keeps it)")
        if next_field.hint and next_field.kind is not FieldKind.MULTI_CHOICE:
            self._private(user, f"  ({next_field.hint})")

    async def _fill(self, actor: Actor, progress: FormInProgress, text: str) -> None:
        current = progress.remaining[0]
        checked = check(current, text)
        if checked.problem:
            self._private(actor.user, f"{current.label}: {checked.problem}")
            self._ask(actor.user, progress)
            return
        progress.remaining.pop(0)
        if checked.value is not None:
            progress.values[current.name] = checked.value
        if progress.remaining:
            self._ask(actor.user, progress)
            return
        del self._forms[actor.user]
        result = await self._app.submit(
            FormSubmission(
                actor, self.channel, progress.form.form_id, progress.values, progress.form.context
            )
        )
        if result.ok:
            return
        retry = [f for f in progress.form.fields if f.name in result.errors]
        for name, problem in result.errors.items():
            label = next((f.label for f in progress.form.fields if f.name == name), "")
            self._private(actor.user, f"{label + ': ' if label else ''}{problem}")
        if retry:
            progress.remaining = retry
            self._forms[actor.user] = progress
            self._ask(actor.user, progress)

    async def _meta(self, line: str) -> None:
        wait = WAIT.match(line)
        if wait:
            amount = timedelta(**{UNITS[wait["unit"]]: int(wait["amount"])})
            self._advance(amount)
            self._write(f"(console) … {wait['amount']}{wait['unit']} later")
            await self._tick()
            return
        self._write(
            "(console) `@name: text` speaks as name; `/compact help` lists commands; "
            "`:wait 6m` moves the clock on (to see a turn time out); `# ...` is a comment."
        )

    def _actor(self, name: str) -> Actor:
        return Actor(console_user(name), name)

    def _private(self, user: UserRef, text: str) -> None:
        self._write(f"[private to @{user.user_id}] compact: {safe(text)}")


def is_command(text: str) -> bool:
    """Only `/compact ...` is a command; any other line, "/24 of us turned up" too, is text."""
    first = text.split(maxsplit=1)[0] if text else ""
    return first.lower() == "/compact"
