"""The anonymous two-way thread: a facilitator asks whoever raised a call-out, privately; the
reporter answers; the answer shows under the call-out on the agenda.

Neither side learns more than the call-out already shows: the reporter hears from "the
facilitators", and the facilitators see the reply the way the call-out was raised. A refusal
uses the words of the lifecycle's refusals, whether or not the call-out exists; the asker is
told the same thing whether or not the reporter could be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot import actions, words
from bot.messages import Form
from bot.repositories import UnitOfWork
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.place import Place, known_person, place_of
from bot.views import callouts as views
from bot.views.rounds import notice
from rituals import callout_thread as thread
from rituals.callout import Callout
from rituals.callout_thread import ThreadMessage, ThreadSide
from rituals.errors import InvalidInput, NotAllowed, NotFound
from rituals.refs import ConversationRef, UserRef
from rituals.stored import StoredCallout


class CalloutThreadService:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def ask_form(self, actor: Actor, conversation: ConversationRef, ref: str) -> Form | None:
        """The question form, for a facilitator and a call-out on the agenda; anyone else is
        refused at once, before typing anything."""
        wanted = _ref(ref)
        async with self._services.database.unit_of_work() as uow:
            place = await _place(uow, conversation, actor.user, wanted)
            facilitator = await _is_facilitator(uow, place, actor.user)
            stored = await uow.callouts.get_stored(place.partnership_id, wanted)
        if not facilitator or stored is None or not stored.callout.is_live:
            await self._tell(actor, conversation, _cannot_ask(wanted, facilitator))
            return None
        per_day = place.compact.privacy.questions_per_day
        return views.thread_form(
            actions.FORM_CALLOUT_ASK,
            wanted,
            title=words.ASK_TITLE,
            label=words.ASK_FIELD,
            submit=words.ASK_SUBMIT,
            intro=words.ASK_INTRO.format(ref=wanted, per_day=per_day),
        )

    async def reply_form(
        self, actor: Actor, conversation: ConversationRef, ref: str
    ) -> Form | None:
        """The answer form, for the reporter of a live call-out; anyone else is refused at once."""
        wanted = _ref(ref)
        keys = self._services.reporter_keys
        async with self._services.database.unit_of_work() as uow:
            place = await _place(uow, conversation, actor.user, wanted)
            stored = await uow.callouts.get_stored(place.partnership_id, wanted)
        callout = None if stored is None else stored.callout
        if (
            callout is None
            or not callout.is_live
            or not callout.raised_by(keys.claim(callout, actor.user))
        ):
            await self._tell(actor, conversation, words.CALLOUT_CANNOT_CHANGE.format(ref=wanted))
            return None
        return views.thread_form(
            actions.FORM_CALLOUT_REPLY,
            wanted,
            title=words.REPLY_TITLE,
            label=words.REPLY_FIELD,
            submit=words.REPLY_SUBMIT,
        )

    async def ask(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        question: str,
        *,
        request_key: str | None = None,
    ) -> FormResult:
        """Store a facilitator's question and send it privately to whoever raised the call-out."""

        def write(callout: Callout, at: _Moment) -> ThreadMessage:
            return thread.ask(
                callout,
                by_is_facilitator=at.facilitator,
                question=question,
                asked_today=at.written_today,
                per_day=at.per_day,
                now=at.now,
                tz=at.tz,
            )

        written = await self._write(
            actor, conversation, ref, ThreadSide.QUESTION, write, _cannot_ask, request_key
        )
        if isinstance(written, FormResult):
            return written
        if written.reporter is not None:
            question_for = views.question_to_reporter(
                written.callout, written.message.text, written.place.compact
            )
            await self._services.tell(written.reporter, question_for)
        await self._tell(actor, conversation, words.ASK_SENT.format(ref=written.callout.id))
        return FormResult()

    async def reply(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        answer: str,
        *,
        request_key: str | None = None,
    ) -> FormResult:
        """Store the reporter's answer under the call-out; the facilitators hear of it in their
        next daily summary, never now."""

        def write(callout: Callout, at: _Moment) -> ThreadMessage:
            return thread.reply(
                callout,
                reporter_key=at.reporter_key,
                answer=answer,
                replied_today=at.written_today,
                per_day=at.per_day,
                now=at.now,
                tz=at.tz,
            )

        written = await self._write(
            actor, conversation, ref, ThreadSide.REPLY, write, _cannot_reply, request_key
        )
        if isinstance(written, FormResult):
            return written
        how = views.how_raised(written.callout, written.place.compact)
        sent = words.REPLY_SENT.format(ref=written.callout.id, how=how)
        await self._tell(actor, conversation, sent)
        return FormResult()

    async def _write(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        side: ThreadSide,
        write: Callable[[Callout, _Moment], ThreadMessage],
        refusal: Callable[[str, bool], str],
        request_key: str | None,
    ) -> FormResult | _Written:
        """One transaction: load the call-out, let `write` decide (refused in `refusal`'s words
        if the person may not, or the call-out is gone or not there), store the message and,
        for a question, find whom to send it to."""
        services = self._services
        wanted = _ref(ref)
        now = services.clock.now()
        async with services.database.unit_of_work() as uow:
            if request_key and not await services.request_keys.first_time(uow, request_key, now):
                return FormResult()  # a repeat: the first one was written
            place = await _place(uow, conversation, actor.user, wanted)
            facilitator = await _is_facilitator(uow, place, actor.user)
            stored = await uow.callouts.get_stored(place.partnership_id, wanted)
            if stored is None:
                return _refused(refusal(wanted, facilitator))
            zone = await _zone(uow, place)
            moment = _Moment(
                facilitator=facilitator,
                reporter_key=services.reporter_keys.claim(stored.callout, actor.user),
                written_today=await uow.threads.count_on(
                    place.partnership_id, wanted, side, now.astimezone(zone).date()
                ),
                per_day=place.compact.privacy.questions_per_day,
                now=now,
                tz=zone,
            )
            try:
                message = write(stored.callout, moment)
            except (NotAllowed, NotFound):
                return _refused(refusal(wanted, facilitator))
            except InvalidInput as problem:
                return FormResult({"text": str(problem)})
            await uow.threads.add(place.partnership_id, message)
            asking = side is ThreadSide.QUESTION
            reporter = await self._reporter(uow, place, stored) if asking else None
            await uow.commit()
        return _Written(place, stored.callout, message, reporter)

    async def _reporter(
        self, uow: UnitOfWork, place: Place, stored: StoredCallout
    ) -> UserRef | None:
        """Whoever raised the call-out: named, or found through their key among the
        partnership's people (nobody is told whether they were found)."""
        callout: Callout = stored.callout
        if callout.reporter is not None:
            return callout.reporter
        candidates = await uow.people.identities(place.partnership_id)
        return self._services.reporter_keys.find(
            place.slug, callout.id, callout.reporter_key, candidates
        )

    async def _tell(self, actor: Actor, conversation: ConversationRef, text: str) -> None:
        await self._services.tell(actor.user, notice(text), near=conversation)


async def _place(uow: UnitOfWork, conversation: ConversationRef, user: UserRef, ref: str) -> Place:
    """Where the request is; from a direct message no partnership is bound to (a question's
    Reply button in Slack), the partnership of `user`'s that holds call-out `ref`, or else
    their first, so that a refusal reads the same whether or not `ref` exists."""
    try:
        return await place_of(uow, conversation)
    except NotFound:
        theirs = sorted(await uow.people.partnerships_knowing(user))
        holding = [pid for pid in theirs if await uow.callouts.get_stored(pid, ref) is not None]
        for chosen in (*holding, *theirs)[:1]:
            stored = await uow.compacts.latest_for(chosen)
            if stored is not None:
                return Place(chosen, stored)
        raise


async def _is_facilitator(uow: UnitOfWork, place: Place, user: UserRef) -> bool:
    person = await known_person(uow, place, user)
    return person is not None and place.is_facilitator(person)


async def _zone(uow: UnitOfWork, place: Place) -> tzinfo:
    """The partnership's time zone (its digest's), in which "a day" is counted."""
    return (await uow.schedules.get(place.partnership_id)).tzinfo


@dataclass(frozen=True, slots=True)
class _Moment:
    """What a thread step is decided with: who is writing, and how much was written today."""

    facilitator: bool
    reporter_key: str = field(repr=False)
    written_today: int
    per_day: int
    now: datetime
    tz: tzinfo


@dataclass(frozen=True, slots=True)
class _Written:
    place: Place
    callout: Callout
    message: ThreadMessage
    reporter: UserRef | None


def _cannot_reply(ref: str, _facilitator: bool) -> str:
    return words.CALLOUT_CANNOT_CHANGE.format(ref=ref)


def _cannot_ask(ref: str, facilitator: bool) -> str:
    """A facilitator sees the agenda anyway, so naming the slip costs nothing; anyone else
    gets the lifecycle's refusal, whether or not the call-out exists."""
    if facilitator:
        return words.CALLOUT_NOT_ON_AGENDA.format(ref=ref)
    return words.CALLOUT_CANNOT_CHANGE.format(ref=ref)


def _ref(ref: str) -> str:
    return ref.strip().upper()


def _refused(text: str) -> FormResult:
    return FormResult({"": text})
