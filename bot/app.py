"""The application's front door: every adapter hands it neutral requests, nothing else.

Commands (`/compact <word>`), button actions and form submissions are routed through small
tables keyed by word or action id, and every failure ends in one place: a clear private
message for the person, the detail in the log.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Final, TypeVar

from bot import actions, words
from bot.inbox import Inbox
from bot.messages import Form, Message
from bot.requests import (
    ActionRequest,
    Actor,
    ChatMessage,
    CommandRequest,
    FormResult,
    FormSubmission,
)
from bot.services import Services
from bot.usecases.callouts import CalloutService
from bot.usecases.compacts import link_channel, show_compact
from bot.usecases.digest_send import (
    DIGESTS_AT_ONCE,
    SendResult,
    catch_up,
    resend_unfinished,
    scheduled_period,
    send_all,
    send_digest,
)
from bot.usecases.digests import period_named, preview_digest, week_containing
from bot.usecases.home import home
from bot.usecases.people import PeopleService
from bot.usecases.personal import adopt_personal_chat
from bot.usecases.rounds import EventFor, RoundService
from bot.usecases.settings import save_settings, settings
from bot.views.callouts import note_form
from bot.views.rounds import escaped, notice, parse_turn_value, said
from rituals.compact import OrderPolicy
from rituals.errors import RitualError
from rituals.refs import ConversationRef, UserRef
from rituals.round import events as ev
from rituals.schedule import DigestSchedule, latest_due

log = logging.getLogger("compact.app")
T = TypeVar("T")

# Round buttons: their idempotency key is recorded with the round's change.
ROUND_ACTIONS: Final = frozenset(
    {
        actions.ROUND_JOIN,
        actions.ROUND_BEGIN,
        actions.ROUND_PASS,
        actions.ROUND_SKIP,
        actions.ROUND_NEXT,
        actions.ROUND_END,
    }
)
# Platforms stop retrying within minutes (Slack: 5, Teams: about 15 s); a day is ample.
REQUEST_KEYS_KEPT: Final = timedelta(days=1)

CommandHandler = Callable[[CommandRequest], Awaitable[Form | None]]
ActionHandler = Callable[[ActionRequest], Awaitable[Form | None]]
TurnEvent = Callable[[UserRef, int | None], ev.RoundEvent]
CalloutStep = Callable[[Actor, ConversationRef, str, str], Awaitable[FormResult]]


class CompactApp:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.people = PeopleService(services)
        self.rounds = RoundService(services, self.people.greet)
        self.callouts = CalloutService(services)
        self.inbox = Inbox(services, self, self.rounds.redeliver)
        self._digests_at_once = asyncio.Semaphore(DIGESTS_AT_ONCE)
        self._commands: dict[str, CommandHandler] = {
            "reflect": self._reflect,
            "here": self._here,
            "join": self._here,
            "add": self._add,
            "start": self._begin,
            "answer": self._answer,
            "edit": self._edit,
            "pass": self._pass,
            "skip": self._skip,
            "next": self._next,
            "order": self._order,
            "end": self._end,
            "callout": self._callout,
            "agenda": self._agenda,
            "discussed": self._callout_step("discussed", self.callouts.discussed),
            "resolve": self._callout_step("resolve", self.callouts.resolve),
            "withdraw": self._callout_step("withdraw", self.callouts.withdraw),
            "mine": self._mine,
            "show": self._show,
            "digest": self._digest,
            "iam": self._iam,
            "link": self._link,
            "settings": self._settings,
            "help": self._help,
        }
        self._actions: dict[str, ActionHandler] = {
            actions.ROUND_JOIN: self._on_join,
            actions.ROUND_BEGIN: self._on_round(lambda by, _turn: ev.RoundBegun(by)),
            actions.ROUND_ANSWER: self._on_answer,
            actions.ROUND_EDIT: self._on_edit,
            actions.ROUND_PASS: self._on_round(lambda by, turn: ev.TurnPassed(by, turn)),
            actions.ROUND_SKIP: self._on_round(lambda by, turn: ev.TurnSkipped(by, None, turn)),
            actions.ROUND_NEXT: self._on_round(lambda by, turn: ev.NextTurnRequested(by, turn)),
            actions.ROUND_END: self._on_round(lambda by, _turn: ev.RoundEnded(by)),
            actions.CALLOUT_DISCUSSED: self._on_note(resolving=False),
            actions.CALLOUT_RESOLVE: self._on_note(resolving=True),
            actions.CALLOUT_WITHDRAW: self._on_withdraw,
            actions.CHOOSE_ORGANISATION: self._on_organisation,
        }

    # --- the front door ----------------------------------------------------------------------
    async def command(self, request: CommandRequest) -> Form | None:
        """`/compact <words>`; returns a form when the platform should open one."""
        word = request.word or "help"
        handler = self._commands.get(word)
        if handler is None:
            text = said(words.UNKNOWN_SUBCOMMAND, word=word, help=words.HELP)
            await self.services.tell(request.actor.user, text, near=request.conversation)
            return None
        return await self._guard(request.actor.user, request.conversation, handler(request))

    async def action(self, request: ActionRequest) -> Form | None:
        """A button press. Round buttons record their `request_id` in the round's own
        transaction; the others here, first, so a double-click is applied once either way
        (buttons that only open a form may be pressed again)."""
        handler = self._actions.get(request.action)
        if handler is None:
            log.warning("unknown action id %r", request.action)
            return None
        keyed_elsewhere = request.action in ROUND_ACTIONS or request.action in actions.OPENS_FORM
        if (
            request.request_id
            and not keyed_elsewhere
            and not await self.first_time(request.request_id)
        ):
            log.info("repeated button press ignored (%s)", request.action)
            return None
        return await self._guard(request.actor.user, request.conversation, handler(request))

    async def submit(
        self, submission: FormSubmission, *, defer_effects: bool = False
    ) -> FormResult:
        """A filled form; problems come back beside the fields (the form stays open).
        With `defer_effects`, an accepted form's messages are left to the caller to send
        (`result.then`) once it has acknowledged the submission."""
        try:
            result = await self._submit(submission)
        except Exception as problem:
            return FormResult({"": _failure(problem)})
        if result.then is not None and not defer_effects:
            await result.then()
            return FormResult(result.errors)
        return result

    async def message(self, message: ChatMessage) -> None:
        """Plain chat: a reply in a round's thread by the person asked is their answer."""
        await self._guard(
            message.actor.user,
            message.conversation,
            self.rounds.reply_in_thread(
                message.actor,
                message.conversation,
                message.text,
                request_key=message.request_id,
            ),
        )

    async def round_is_open(self, round_id: str) -> bool:
        """Whether a round still takes answers (the console asks before treating a line
        from someone once prompted as their answer)."""
        async with self.services.database.unit_of_work() as uow:
            stored = await uow.rounds.get(round_id)
        return stored is not None and not stored.round.is_closed

    async def tick(self) -> int:
        """Time out due turns, remind people whose turn is about to move on, and forget old
        request keys; called every few seconds by every replica."""
        timed_out = await self.rounds.time_out_due_turns()
        await self.rounds.remind_turns_ending()
        async with self.services.database.unit_of_work() as uow:
            await uow.requests.forget_before(self.services.clock.now() - REQUEST_KEYS_KEPT)
            await uow.commit()
        return timed_out

    # --- the weekly digest (run by the scheduler and `compact-bot digest send`) ----------------
    async def digest_schedules(self) -> dict[int, DigestSchedule]:
        """Every partnership's digest schedule, by partnership id."""
        async with self.services.database.unit_of_work() as uow:
            ids = await uow.compacts.partnership_ids()
            return await uow.schedules.all(ids)

    async def send_scheduled_digest(self, partnership_id: int) -> SendResult:
        """The scheduler's job: the period follows from the time it runs. Thousands of
        partnerships due at the same minute go out `DIGESTS_AT_ONCE` at a time."""
        async with self._digests_at_once:
            async with self.services.database.unit_of_work() as uow:
                schedule = await uow.schedules.get(partnership_id)
            due = latest_due(schedule, self.services.clock.now())
            period = scheduled_period(due, schedule.zone)
            return await send_digest(self.services, partnership_id, period, scheduled=True)

    async def send_digests(self, slug: str | None, period_label: str | None) -> list[SendResult]:
        """`compact-bot digest send`: one partnership (by slug) or all; the current ISO week
        unless a period is named. Idempotent: a period already sent is not sent again."""
        async with self.services.database.unit_of_work() as uow:
            stored_all = await uow.compacts.latest_all()
            chosen = [s for s in stored_all if slug is None or s.partnership_slug == slug]
            if not chosen:
                raise LookupError(
                    f"no partnership {slug!r}; there are: "
                    + ", ".join(sorted(s.partnership_slug for s in stored_all))
                )
            schedules = await uow.schedules.all([s.partnership_id for s in chosen])
        now = self.services.clock.now()
        periods = {
            s.partnership_id: period_named(label, schedules[s.partnership_id].tzinfo)
            if (label := period_label)
            else week_containing(now, schedules[s.partnership_id].tzinfo)
            for s in chosen
        }
        return await send_all(self.services, periods, self._digests_at_once)

    async def resend_unfinished_digests(self) -> list[SendResult]:
        return await resend_unfinished(self.services)

    async def catch_up_digests(
        self, schedules: Mapping[int, DigestSchedule], grace: timedelta
    ) -> list[SendResult]:
        """Digests due within `grace` under `schedules` (as `digest_schedules` read them)
        that nobody claimed (see `digest_send.catch_up`)."""
        return await catch_up(self.services, schedules, grace, self._digests_at_once)

    async def first_time(self, key: str) -> bool:
        """Record an inbound request's idempotency key (a Slack `event_id`, a button press's
        message and action, a Teams activity id); False when it was seen before, so a retry
        or a double-click is applied once."""
        async with self.services.database.unit_of_work() as uow:
            fresh = await uow.requests.first_time(key, self.services.clock.now())
            await uow.commit()
        return fresh

    async def ping(self) -> None:
        """Raise unless the database answers (the health check)."""
        await self.services.database.ping()

    def understands(self, word: str) -> bool:
        """Whether `word` is a command (Teams tells a command after an @mention from a reply
        to a round that happens to mention the bot)."""
        return word.lower() in self._commands

    async def adopt_personal_chat(self, actor: Actor, conversation: ConversationRef) -> bool:
        """Link a person's one-to-one chat with the bot to their partnership when that is
        unambiguous (Teams: call-outs are raised there); True if it belongs to one."""
        return await adopt_personal_chat(self.services, actor, conversation)

    async def round_thread(self, conversation: ConversationRef) -> str | None:
        """The thread of the round open in `conversation`'s channel, if any: chats without
        threads (Teams group and meeting chats) answer the open round with a plain message."""
        async with self.services.database.unit_of_work() as uow:
            stored = await uow.rounds.open_in(conversation.in_thread(None))
        return stored.round.conversation.thread if stored is not None else None

    async def _guard(
        self, user: UserRef, conversation: ConversationRef, work: Awaitable[T]
    ) -> T | None:
        """The one catch-all: the person gets a clear private message, the log the detail."""
        try:
            return await work
        except Exception as problem:
            await self.services.tell(user, escaped(_failure(problem)), near=conversation)
        return None

    # --- commands ------------------------------------------------------------------------
    async def _reflect(self, request: CommandRequest) -> None:
        """`/compact reflect [shuffled|alternating|as-gathered] [@people]`."""
        orders = {policy.value.replace("_", "-"): policy for policy in OrderPolicy}
        chosen = [orders.get(word.lower().replace("_", "-")) for word in request.words[1:]]
        if None in chosen:
            await self._tell(request, words.REFLECT_HOW.format(orders=", ".join(orders)))
            return
        order = chosen[-1] if chosen else None
        await self.rounds.start(request.actor, request.conversation, request.mentions, order=order)

    async def _here(self, request: CommandRequest) -> None:
        await self.rounds.act_here(
            request.actor,
            request.conversation,
            _join(request.actor, request.actor),
            meet=(request.actor,),
        )

    async def _add(self, request: CommandRequest) -> None:
        if not request.mentions:
            await self._tell(request, words.ADD_WHO)
            return
        for someone in request.mentions:
            await self.rounds.act_here(
                request.actor, request.conversation, _join(request.actor, someone), meet=(someone,)
            )

    async def _begin(self, request: CommandRequest) -> None:
        await self.rounds.act_here(
            request.actor, request.conversation, _simple(ev.RoundBegun(request.actor.user))
        )

    async def _answer(self, request: CommandRequest) -> Form | None:
        return await self.rounds.answer_form(request.actor, request.conversation, None, edit=False)

    async def _edit(self, request: CommandRequest) -> Form | None:
        return await self.rounds.answer_form(request.actor, request.conversation, None, edit=True)

    async def _pass(self, request: CommandRequest) -> None:
        event = ev.TurnPassed(request.actor.user)
        await self.rounds.act_here(request.actor, request.conversation, _simple(event))

    async def _skip(self, request: CommandRequest) -> None:
        person = request.mentions[0].user if request.mentions else None
        event = ev.TurnSkipped(request.actor.user, person)
        await self.rounds.act_here(request.actor, request.conversation, _simple(event))

    async def _next(self, request: CommandRequest) -> None:
        event = ev.NextTurnRequested(request.actor.user)
        await self.rounds.act_here(request.actor, request.conversation, _simple(event))

    async def _order(self, request: CommandRequest) -> None:
        event = ev.QueueReordered(request.actor.user, tuple(m.user for m in request.mentions))
        await self.rounds.act_here(request.actor, request.conversation, _simple(event))

    async def _end(self, request: CommandRequest) -> None:
        event = ev.RoundEnded(request.actor.user)
        await self.rounds.act_here(request.actor, request.conversation, _simple(event))

    async def _callout(self, request: CommandRequest) -> Form:
        return await self.callouts.form(request.actor, request.conversation)

    async def _agenda(self, request: CommandRequest) -> None:
        await self.callouts.agenda(request.actor, request.conversation)

    def _callout_step(self, word: str, step: CalloutStep) -> CommandHandler:
        """`/compact <word> <ref> [note]`: move a call-out along its lifecycle."""

        async def handle(request: CommandRequest) -> None:
            ref, note = _ref_and_rest(request.words)
            if not ref:
                await self._tell(request, words.NEEDS_REFERENCE.format(word=word))
                return
            result = await step(request.actor, request.conversation, ref, note)
            await self._report(request.actor, request.conversation, result)

        return handle

    async def _mine(self, request: CommandRequest) -> None:
        await self.callouts.mine(request.actor, request.conversation)

    async def _show(self, request: CommandRequest) -> None:
        query = " ".join(request.words[1:])
        await show_compact(self.services, request.actor, request.conversation, query)

    async def _digest(self, request: CommandRequest) -> None:
        if len(request.words) > 1 and request.words[1].lower() == "preview":
            await preview_digest(self.services, request.actor, request.conversation)
            return
        await self._tell(request, words.DIGEST_HOW)

    async def _iam(self, request: CommandRequest) -> None:
        if len(request.words) < 2:
            await self._tell(request, words.IAM_HOW)
            return
        await self.people.set_organisation(
            request.actor, request.conversation, " ".join(request.words[1:])
        )

    async def _settings(self, request: CommandRequest) -> Form | None:
        return await settings(self.services, request.actor, request.conversation)

    async def _link(self, request: CommandRequest) -> None:
        slug = request.words[1] if len(request.words) > 1 else ""
        await link_channel(self.services, request.actor, request.conversation, slug)

    async def home(self, actor: Actor) -> Message:
        """The person's own page (Slack's App Home tab)."""
        return await home(self.services, actor)

    async def _help(self, request: CommandRequest) -> None:
        await self._tell(request, words.HELP)

    async def _tell(self, request: CommandRequest, text: str) -> None:
        await self.services.tell(request.actor.user, notice(text), near=request.conversation)

    async def _report(
        self, actor: Actor, conversation: ConversationRef, result: FormResult
    ) -> None:
        for problem in result.errors.values():
            await self.services.tell(actor.user, escaped(problem), near=conversation)

    # --- button actions ----------------------------------------------------------------------
    def _on_round(self, event_for: TurnEvent) -> ActionHandler:
        """A round button: its value names the round (and the turn it was pressed for)."""

        async def handle(request: ActionRequest) -> None:
            round_id, turn_no = parse_turn_value(request.value)
            await self._press(request, round_id, _simple(event_for(request.actor.user, turn_no)))

        return handle

    async def _on_join(self, request: ActionRequest) -> None:
        await self._press(
            request, request.value, _join(request.actor, request.actor), meet=(request.actor,)
        )

    async def _press(
        self,
        request: ActionRequest,
        round_id: str,
        event_for: EventFor,
        *,
        meet: tuple[Actor, ...] = (),
    ) -> None:
        """Apply a button's event to its round, recording the press's key with the change."""
        await self.rounds.act_on(
            request.actor,
            round_id,
            event_for,
            meet=meet,
            near=request.conversation,
            request_key=request.request_id,
        )

    async def _on_answer(self, request: ActionRequest) -> Form | None:
        round_id, _ = parse_turn_value(request.value)
        return await self.rounds.answer_form(
            request.actor, request.conversation, round_id, edit=False
        )

    async def _on_edit(self, request: ActionRequest) -> Form | None:
        round_id, _ = parse_turn_value(request.value)
        return await self.rounds.answer_form(
            request.actor, request.conversation, round_id, edit=True
        )

    def _on_note(self, *, resolving: bool) -> ActionHandler:
        async def open_note_form(request: ActionRequest) -> Form:
            return note_form(request.value, resolving=resolving)

        return open_note_form

    async def _on_withdraw(self, request: ActionRequest) -> None:
        result = await self.callouts.withdraw(request.actor, request.conversation, request.value)
        await self._report(request.actor, request.conversation, result)

    async def _on_organisation(self, request: ActionRequest) -> None:
        await self.people.set_organisation(request.actor, request.conversation, request.value)

    # --- forms -------------------------------------------------------------------------
    async def _submit(self, submission: FormSubmission) -> FormResult:
        values = submission.values
        if submission.form_id in (actions.FORM_REFLECTION, actions.FORM_REFLECTION_EDIT):
            round_id = submission.context.get("round_id", "")
            return await self.rounds.submit_form(
                submission.actor,
                round_id,
                learned=_text(values.get("learned")),
                valued=_text(values.get("valued")),
                clause_ids=_choices(values.get("clauses")),
                edit=submission.form_id == actions.FORM_REFLECTION_EDIT,
            )
        if submission.form_id == actions.FORM_CALLOUT:
            flat = {name: _text(value) for name, value in values.items()}
            return await self.callouts.submit(
                submission.actor, submission.conversation, flat, request_id=submission.request_id
            )
        if submission.form_id == actions.FORM_SETTINGS:
            flat = {name: _text(value) for name, value in values.items()}
            return await save_settings(
                self.services,
                submission.actor,
                submission.conversation,
                flat,
                dict(submission.context),
            )
        if submission.form_id == actions.FORM_LEARNING_NOTE:
            ref = submission.context.get("callout_id", "")
            note = _text(values.get("note"))
            if submission.context.get("resolving") == "yes":
                return await self.callouts.resolve(
                    submission.actor, submission.conversation, ref, note
                )
            return await self.callouts.discussed(
                submission.actor, submission.conversation, ref, note
            )
        raise LookupError(f"unknown form id {submission.form_id!r}")


def _failure(problem: Exception) -> str:
    """What to tell the person about `problem`; unexpected ones are logged with a reference."""
    if isinstance(problem, RitualError):
        return str(problem)
    ref = secrets.token_hex(4)
    log.error("request failed (ref %s)", ref, exc_info=problem)
    return words.SOMETHING_WENT_WRONG.format(ref=ref)


def _simple(event: ev.RoundEvent) -> EventFor:
    return lambda _round, _members: event


def _join(by: Actor, someone: Actor) -> EventFor:
    """`someone` joining, with the organisation they represent (looked up in the transaction)."""
    return lambda _round, joining: ev.AttendeeJoined(by.user, joining[someone.user])


def _ref_and_rest(all_words: tuple[str, ...]) -> tuple[str, str]:
    rest = all_words[1:]
    return (rest[0], " ".join(rest[1:])) if rest else ("", "")


def _text(value: str | tuple[str, ...] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def _choices(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    return tuple(part for part in value.replace(",", " ").split() if part)
