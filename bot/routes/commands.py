"""`/compact <word> ...`: one handler per command word, found in `COMMANDS`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from bot import words
from bot.messages import Form
from bot.requests import Actor, CommandRequest, FormResult
from bot.routes.base import UseCases
from bot.usecases.compacts import link_channel, show_compact
from bot.usecases.dashboard import send_page_link
from bot.usecases.digests import preview_digest
from bot.usecases.health import mark_review, show_health
from bot.usecases.round_status import show_status
from bot.usecases.rounds import EventFor
from bot.usecases.settings import settings
from bot.views.rounds import said
from rituals.callout_thread import MAX_THREAD_CHARS
from rituals.compact import OrderPolicy
from rituals.round import events as ev

CommandHandler = Callable[[UseCases, CommandRequest], Awaitable[Form | None]]
CalloutStep = Callable[..., Awaitable[FormResult]]


async def reflect(uc: UseCases, request: CommandRequest) -> None:
    """`/compact reflect [shuffled|alternating|as-gathered] [@people]`."""
    orders = {policy.value.replace("_", "-"): policy for policy in OrderPolicy}
    chosen = [orders.get(word.lower().replace("_", "-")) for word in request.words[1:]]
    if None in chosen:
        await uc.tell(
            request.actor, request.conversation, words.REFLECT_HOW.format(orders=", ".join(orders))
        )
        return
    await uc.rounds.start(
        request.actor,
        request.conversation,
        request.mentions,
        order=chosen[-1] if chosen else None,
        request_key=request.request_id,
    )


async def here(uc: UseCases, request: CommandRequest) -> None:
    event = join(request.actor, request.actor)
    await _on_round(uc, request, event, meet=(request.actor,))


async def add(uc: UseCases, request: CommandRequest) -> None:
    if not request.mentions:
        await uc.tell(request.actor, request.conversation, words.ADD_WHO)
        return
    for someone in request.mentions:
        await uc.rounds.act_here(
            request.actor, request.conversation, join(request.actor, someone), meet=(someone,)
        )


def round_event(event_of: Callable[[CommandRequest], ev.RoundEvent]) -> CommandHandler:
    """A command that applies one event to the round open here."""

    async def handle(uc: UseCases, request: CommandRequest) -> None:
        await _on_round(uc, request, simple(event_of(request)))

    return handle


async def _on_round(
    uc: UseCases,
    request: CommandRequest,
    event_for: EventFor,
    *,
    meet: tuple[Actor, ...] = (),
    closed_too: bool = False,
) -> None:
    await uc.rounds.act_here(
        request.actor,
        request.conversation,
        event_for,
        meet=meet,
        mentioned=request.mentions,
        request_key=request.request_id,
        closed_too=closed_too,
    )


async def reflection(uc: UseCases, request: CommandRequest) -> None:
    """`/compact reflection withdraw` (your own, in the last round here) or
    `/compact reflection hide|unhide @name` (facilitators)."""
    step = request.words[1].lower() if len(request.words) > 1 else ""
    by = request.actor.user
    event: ev.RoundEvent
    if step == "withdraw" and not request.mentions:
        event = ev.ReflectionWithdrawn(by)
    elif step in ("hide", "unhide") and len(request.mentions) == 1:
        event = ev.ReflectionHidden(by, request.mentions[0].user, hidden=step == "hide")
    else:
        await uc.tell(request.actor, request.conversation, words.REFLECTION_HOW)
        return
    await _on_round(uc, request, simple(event), closed_too=True)


def answer_form(*, edit: bool) -> CommandHandler:
    async def handle(uc: UseCases, request: CommandRequest) -> Form | None:
        return await uc.rounds.answer_form(request.actor, request.conversation, None, edit=edit)

    return handle


async def callout(uc: UseCases, request: CommandRequest) -> Form:
    return await uc.callouts.form(request.actor, request.conversation)


async def agenda(uc: UseCases, request: CommandRequest) -> None:
    await uc.callouts.agenda(request.actor, request.conversation)


def callout_step(word: str, step_of: Callable[[UseCases], CalloutStep]) -> CommandHandler:
    """`/compact <word> <ref> [note]`: move a call-out along its lifecycle."""

    async def handle(uc: UseCases, request: CommandRequest) -> Form | None:
        rest = request.words[1:]
        if not rest:
            await uc.tell(
                request.actor, request.conversation, words.NEEDS_REFERENCE.format(word=word)
            )
            return None
        if word == "discussed" and len(rest) == 1:
            # No note typed: the form asks for it, with the optional follow-up.
            return await uc.callouts.note_form(
                request.actor, request.conversation, rest[0], resolving=False
            )
        await _step_with_text(uc, request, step_of(uc))
        return None

    return handle


async def _step_with_text(uc: UseCases, request: CommandRequest, step: CalloutStep) -> None:
    """`<word> <ref> <text...>`: apply the step, and report its problems privately."""
    rest = request.words[1:]
    result = await step(
        request.actor,
        request.conversation,
        rest[0],
        " ".join(rest[1:]),
        request_key=request.request_id,
    )
    await uc.report(request.actor, request.conversation, result)


def thread_step(word: str) -> CommandHandler:
    """`/compact ask|reply <ref> [text]`: with the text, send it; with the reference alone,
    the form (which states the limit and refuses longer text before it is sent)."""

    async def handle(uc: UseCases, request: CommandRequest) -> Form | None:
        rest = request.words[1:]
        if not rest:
            how = words.THREAD_HOW.format(word=word, limit=MAX_THREAD_CHARS)
            await uc.tell(request.actor, request.conversation, how)
            return None
        threads = uc.threads
        if len(rest) == 1:
            opener = threads.ask_form if word == "ask" else threads.reply_form
            return await opener(request.actor, request.conversation, rest[0])
        await _step_with_text(uc, request, threads.ask if word == "ask" else threads.reply)
        return None

    return handle


async def mine(uc: UseCases, request: CommandRequest) -> None:
    await uc.callouts.mine(request.actor, request.conversation)


async def show(uc: UseCases, request: CommandRequest) -> None:
    query = " ".join(request.words[1:])
    await show_compact(uc.services, request.actor, request.conversation, query)


async def digest(uc: UseCases, request: CommandRequest) -> None:
    if len(request.words) > 1 and request.words[1].lower() == "preview":
        await preview_digest(uc.services, request.actor, request.conversation)
        return
    await uc.tell(request.actor, request.conversation, words.DIGEST_HOW)


async def health(uc: UseCases, request: CommandRequest) -> None:
    """`/compact health [heading|clause-id] [--quarter 2026-Q4]`, privately."""
    await show_health(uc.services, request.actor, request.conversation, request.words[1:])


async def review(uc: UseCases, request: CommandRequest) -> None:
    """`/compact review <clause-id> discussed|revised [--quarter 2026-Q4]` (facilitators)."""
    await mark_review(
        uc.services,
        request.actor,
        request.conversation,
        request.words[1:],
        request_key=request.request_id,
    )


async def iam(uc: UseCases, request: CommandRequest) -> None:
    """`/compact iam <organisation> [partnership]` (the partnership rides on the buttons)."""
    if len(request.words) < 2:
        await uc.tell(request.actor, request.conversation, words.IAM_HOW)
        return
    await uc.people.set_organisation(
        request.actor,
        request.conversation,
        request.words[1],
        partnership=" ".join(request.words[2:3]),
        request_key=request.request_id,
    )


async def people(uc: UseCases, request: CommandRequest) -> None:
    await uc.people.list_people(request.actor, request.conversation)


def claim_decision(*, approve: bool) -> CommandHandler:
    """`/compact approve|decline <claim>`: the typed twin of a claim's buttons."""

    async def handle(uc: UseCases, request: CommandRequest) -> None:
        await uc.people.decide_claim(
            request.actor,
            request.conversation,
            " ".join(request.words[1:2]),
            approve=approve,
            request_key=request.request_id,
        )

    return handle


async def open_settings(uc: UseCases, request: CommandRequest) -> Form | None:
    return await settings(uc.services, request.actor, request.conversation)


async def link(uc: UseCases, request: CommandRequest) -> None:
    slug = request.words[1] if len(request.words) > 1 else ""
    await link_channel(
        uc.services, request.actor, request.conversation, slug, request_key=request.request_id
    )


async def dashboard(uc: UseCases, request: CommandRequest) -> None:
    """`/compact dashboard`: a private, signed link to the partnership's page."""
    await send_page_link(uc.services, request.actor, request.conversation, None)


async def minutes(uc: UseCases, request: CommandRequest) -> None:
    """`/compact minutes [YYYY-MM-DD]`: a private link to a meeting's papers (today's)."""
    day = request.words[1] if len(request.words) > 1 else ""
    await send_page_link(uc.services, request.actor, request.conversation, day)


async def status(uc: UseCases, request: CommandRequest) -> None:
    """`/compact status`: where the round open here stands, privately."""
    await show_status(uc.services, request.actor, request.conversation)


async def show_help(uc: UseCases, request: CommandRequest) -> None:
    await uc.tell(request.actor, request.conversation, help_text())


async def unknown(uc: UseCases, request: CommandRequest) -> None:
    text = said(words.UNKNOWN_SUBCOMMAND, word=request.word, help=help_text())
    await uc.services.tell(request.actor.user, text, near=request.conversation)


def simple(event: ev.RoundEvent) -> EventFor:
    return lambda _round, _members: event


def join(by: Actor, someone: Actor) -> EventFor:
    """`someone` joining, with the organisation they represent (looked up in the transaction)."""
    return lambda _round, joining: ev.AttendeeJoined(by.user, joining[someone.user])


def _skipped(request: CommandRequest) -> ev.RoundEvent:
    person = request.mentions[0].user if request.mentions else None
    return ev.TurnSkipped(request.actor.user, person)


def _reordered(request: CommandRequest) -> ev.RoundEvent:
    return ev.QueueReordered(request.actor.user, tuple(m.user for m in request.mentions))


COMMANDS: Final[Mapping[str, CommandHandler]] = {
    "reflect": reflect,
    "here": here,
    "join": here,
    "add": add,
    "start": round_event(lambda r: ev.RoundBegun(r.actor.user)),
    "answer": answer_form(edit=False),
    "edit": answer_form(edit=True),
    "pass": round_event(lambda r: ev.TurnPassed(r.actor.user)),
    "skip": round_event(_skipped),
    "next": round_event(lambda r: ev.NextTurnRequested(r.actor.user)),
    "order": round_event(_reordered),
    "end": round_event(lambda r: ev.RoundEnded(r.actor.user)),
    "status": status,
    "reflection": reflection,
    "cancel": round_event(lambda r: ev.RoundCancelled(r.actor.user)),
    "callout": callout,
    "agenda": agenda,
    "discussed": callout_step("discussed", lambda uc: uc.callouts.discussed),
    "resolve": callout_step("resolve", lambda uc: uc.callouts.resolve),
    "withdraw": callout_step("withdraw", lambda uc: uc.callouts.withdraw),
    "ask": thread_step("ask"),
    "reply": thread_step("reply"),
    "mine": mine,
    "show": show,
    "digest": digest,
    "health": health,
    "review": review,
    "iam": iam,
    "people": people,
    "approve": claim_decision(approve=True),
    "decline": claim_decision(approve=False),
    "link": link,
    "settings": open_settings,
    "dashboard": dashboard,
    "minutes": minutes,
    "help": show_help,
}
# Commands whose use case records the request's key in its own transaction; any other
# command's key is recorded just before it runs (it reads, or changes several things).
KEYED_IN_USE_CASE: Final = frozenset(
    {
        "reflect", "here", "join", "start", "pass", "skip", "next", "order", "end", "cancel",
        "reflection", "ask", "reply",
        "discussed", "resolve", "withdraw", "iam", "link", "review", "approve", "decline",
    }
)  # fmt: skip


# Words that are another word's second name, shown on that word's line.
ALIASES: Final = {"join": "here"}


def help_text() -> str:
    """`/compact help`, built from `COMMANDS`: every command word has a line (its words from
    `bot.words.COMMAND_HELP`, or at least its name), so the list cannot fall behind."""
    lines = [words.HELP_INTRO]
    for word in COMMANDS:
        if word not in ALIASES:
            lines.append(f"• {words.COMMAND_HELP.get(word, f'`/compact {word}`')}")
    return "\n".join(lines)


def command_for(word: str) -> CommandHandler:
    """The handler for a command word (`help` for none, `unknown` for a word we lack)."""
    return COMMANDS.get(word or "help", unknown)


def is_command(word: str) -> bool:
    return word.lower() in COMMANDS


def conversation_hint(request: CommandRequest) -> str:
    """Where a form typed for in a shared conversation went (its private chat); never said
    of a call-out's form (`CompactApp` tells that person privately)."""
    return words.TEAMS_FORM_IN_PRIVATE
