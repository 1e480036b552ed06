"""Reflection-round use cases: each loads the round, lets the engine decide, saves with
compare-and-swap, commits, and only then carries out the effects."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import words
from bot.messages import Form, Inline, Message
from bot.repositories import UnitOfWork
from bot.request_keys import request_key
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.place import (
    Member,
    Place,
    attendee_of,
    handle_identity,
    is_unknown_handle,
    known_person,
    member_of,
    place_of,
    unknown_handles,
    unknown_people_notice,
)
from bot.usecases.recognition import FirstContact, Unrecognised
from bot.usecases.reflection_changes import (
    carry_out_change,
    refusal_about_someone,
    remember_summary,
    share_late,
)
from bot.views import rounds as views
from bot.views.names import mention
from rituals.compact import Compact, OrderPolicy
from rituals.errors import RoundAlreadyOpen, StaleRound
from rituals.refs import ConversationRef, UserRef
from rituals.round import Attendee, Decision, Rejection, Round, change_refused, decide
from rituals.round import effects as fx
from rituals.round import events as ev
from rituals.stored import StoredRound

log = logging.getLogger("compact.rounds")

MAX_ATTEMPTS = 5
CLAUSE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b")

Locate = Callable[[UnitOfWork], Awaitable[StoredRound | None]]
EventFor = Callable[[Round, Mapping[UserRef, Attendee]], ev.RoundEvent | None]
"""Builds the event from the loaded round and, for people joining, who they are."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a round use case did: the decision plus what is needed to show it."""

    place: Place
    decision: Decision
    names: dict[UserRef, str]
    newcomers: tuple[Member, ...] = ()
    refusal: Message | None = None
    delivery: int | None = None
    """The outbox row that stands for this outcome's messages until they have gone out."""
    summary_id: str | None = None
    """The message the round's summary was posted as, if it was (to redraw it)."""


class RoundService:
    def __init__(self, services: Services, on_newcomer: NewcomerGreeter) -> None:
        self._services = services
        self._greet = on_newcomer

    # --- starting -------------------------------------------------------------------------
    async def start(
        self,
        actor: Actor,
        conversation: ConversationRef,
        mentioned: tuple[Actor, ...],
        *,
        order: OrderPolicy | None = None,
        request_key: str | None = None,
    ) -> None:
        """`/compact reflect [@people]`: open a round here, or gather attendees first.

        `order` overrides the compact's configured speaking order for this round."""
        now = self._services.clock.now()
        channel = conversation.in_thread(None)
        refusal: Message | None = None
        async with self._services.database.unit_of_work() as uow:
            if request_key and not await self._services.request_keys.first_time(
                uow, request_key, now
            ):
                return  # a redelivery: the round was started
            place = await place_of(uow, channel)
            unknown = await unknown_handles(uow, place, mentioned)
            if unknown:
                refusal = unknown_people_notice(place, unknown, round_open=False)
            elif await uow.rounds.open_in(channel) is not None:
                refusal = views.notice(words.ROUND_ALREADY_OPEN)
            else:
                starter = await member_of(uow, place, actor, now)
                members = [await member_of(uow, place, someone, now) for someone in mentioned]
                start = await self._start_event(uow, place, channel, actor, members, order)
                decision = decide(None, start, now)
                assert decision.round is not None
                try:
                    await uow.rounds.add(
                        decision.round,
                        partnership_id=place.partnership_id,
                        compact_version_id=place.stored.version_id,
                    )
                except RoundAlreadyOpen:
                    refusal = views.notice(words.ROUND_ALREADY_OPEN)
                else:
                    names = attendee_names(decision.round)
                    names.setdefault(starter.user, starter.person.display_name)
                    delivery = await self._owe(uow, decision.round.id)
                    await uow.commit()
        if refusal is not None:
            await self._services.tell(actor.user, refusal, near=conversation)
            return
        await self._greet(
            place, [m for m in (starter, *members) if m.first_contact], conversation.in_thread(None)
        )
        await self._deliver(Outcome(place, decision, names, delivery=delivery))

    async def _start_event(
        self,
        uow: UnitOfWork,
        place: Place,
        channel: ConversationRef,
        actor: Actor,
        members: list[Member],
        order: OrderPolicy | None,
    ) -> ev.RoundStartRequested:
        """The start event: facilitators are the starter and the compact's configured ones."""
        facilitators = set(
            await uow.people.identities_for_handles(
                place.partnership_id,
                place.compact.facilitators,
                platform=actor.user.platform,
                tenant=actor.user.tenant,
            )
        )
        for handle in place.compact.facilitators:
            same_person = handle_identity(actor.user, handle)
            if same_person is not None:
                facilitators.add(same_person)
        settings = place.compact.settings
        timeout = settings.turn_timeout_minutes
        return ev.RoundStartRequested(
            round_id=uuid.uuid4().hex,
            conversation=channel,
            by=actor.user,
            attendees=tuple(m.attendee for m in members),
            facilitators=frozenset(facilitators),
            order=order or settings.order,
            seed=secrets.randbelow(2**31),
            turn_timeout=timedelta(minutes=timeout) if timeout else None,
            clause_ids=frozenset(c.id for c in place.compact.clauses),
        )

    # --- acting on a round --------------------------------------------------------------------
    async def act_here(
        self,
        actor: Actor,
        conversation: ConversationRef,
        event_for: EventFor,
        *,
        meet: tuple[Actor, ...] = (),
        mentioned: tuple[Actor, ...] = (),
        request_key: str | None = None,
        closed_too: bool = False,
    ) -> Outcome | None:
        """Apply an event to the open round in `conversation`'s channel (with `closed_too`,
        to the last round there, open or closed: changing a reflection after the round).
        `mentioned` are the people the request named, for their names in any refusal."""
        channel = conversation.in_thread(None)

        async def locate(uow: UnitOfWork) -> StoredRound | None:
            if closed_too:
                return await uow.rounds.latest_in(channel)
            return await uow.rounds.open_in(channel)

        return await self._act(
            actor,
            locate,
            event_for,
            meet,
            near=conversation,
            request_key=request_key,
            missing=words.NO_ROUND_YET if closed_too else words.NO_OPEN_ROUND,
            mentioned=mentioned,
        )

    async def act_on(
        self,
        actor: Actor,
        round_id: str,
        event_for: EventFor,
        *,
        meet: tuple[Actor, ...] = (),
        near: ConversationRef | None = None,
        request_key: str | None = None,
    ) -> Outcome | None:
        """Apply an event to a round named by a button's value (pressed in `near`)."""
        return await self._act(
            actor, _by_id(round_id), event_for, meet, near=near, request_key=request_key
        )

    async def time_out_due_turns(self) -> int:
        """The periodic tick: time out every turn whose deadline has passed (any replica)."""
        now = self._services.clock.now()
        async with self._services.database.unit_of_work() as uow:
            due = await uow.rounds.due_turns(now)
        for round_id, turn_no in due:
            try:
                await self._apply(_by_id(round_id), _timeout(turn_no))
            except Exception:
                # One broken round must not stop the others' timers.
                log.exception("timing out turn %d of round %s failed", turn_no, round_id)
        return len(due)

    async def remind_turns_ending(self) -> int:
        """The tick: a private nudge to each person whose turn is about to time out, once
        per turn (the key is recorded first, so two replicas never both send it)."""
        services = self._services
        now = services.clock.now()
        async with services.database.unit_of_work() as uow:
            ending = await uow.rounds.turns_ending(now, REMIND_BEFORE)
        reminded = 0
        for round_id, turn_no in ending:
            async with services.database.unit_of_work() as uow:
                stored = await uow.rounds.get(round_id)
                turn = stored.round.current_turn if stored is not None else None
                if stored is None or turn is None or turn.number != turn_no:
                    continue
                timeout = stored.round.turn_timeout
                lead = min(REMIND_BEFORE, timeout / 2) if timeout else REMIND_BEFORE
                if turn.deadline is None or now < turn.deadline - lead:
                    continue  # a short turn: not yet half-way
                platform = stored.round.conversation.platform
                once = request_key(platform, "reminder", round_id, str(turn_no))
                if not await self._services.request_keys.first_time(uow, once, now):
                    continue
                await uow.commit()
            reminded += 1
            names = attendee_names(stored.round)
            await services.tell(
                turn.person,
                views.reminder(stored.round, turn_no, names),
                near=stored.round.conversation,
            )
        return reminded

    async def _act(
        self,
        actor: Actor,
        locate: Locate,
        event_for: EventFor,
        meet: tuple[Actor, ...],
        *,
        near: ConversationRef | None,
        request_key: str | None = None,
        missing: str = words.NO_OPEN_ROUND,
        mentioned: tuple[Actor, ...] = (),
    ) -> Outcome | None:
        outcome = await self._apply(
            locate,
            event_for,
            meet=meet,
            by=actor.user,
            request_key=request_key,
            mentioned=mentioned,
        )
        if outcome is None:
            await self._services.tell(actor.user, views.notice(missing), near=near)
        elif outcome.refusal is not None:
            await self._services.tell(actor.user, outcome.refusal, near=near)
        return outcome

    async def _apply(
        self,
        locate: Locate,
        event_for: EventFor,
        *,
        meet: tuple[Actor, ...] = (),
        by: UserRef | None = None,
        deliver: bool = True,
        request_key: str | None = None,
        commit_refusals: bool = True,
        mentioned: tuple[Actor, ...] = (),
    ) -> Outcome | None:
        """Load the round, decide, save with compare-and-swap, commit; retry on a conflict.

        Only the people in `meet` (someone joining) are looked up, and only once the engine
        has accepted the event are newcomers among them recorded: a refused "add" leaves no
        trace; naming a console handle nobody has (a typo) is refused before deciding.
        Everyone else acting on a round is an attendee already, or the engine refuses them.
        `request_key` (a platform's delivery or click id) is recorded in the same transaction,
        so a redelivered or double-clicked request changes nothing the second time; without
        `commit_refusals` (a form) a refused request records nothing, so it can be corrected.
        """
        conflicts = 0  # a first contact's detour (`Unrecognised`, at most once) is not one
        while conflicts < MAX_ATTEMPTS:
            now = self._services.clock.now()
            try:
                async with self._services.database.unit_of_work() as uow:
                    stored = await locate(uow)
                    if stored is None:
                        return None
                    place = Place(
                        stored.partnership_id,
                        await self._services.compact_version(uow, stored.compact_version_id),
                    )
                    joining = await _joining(uow, place, stored, meet, by)
                    if isinstance(joining, Outcome):
                        return joining
                    event = event_for(stored.round, joining)
                    if event is None:
                        return None
                    if request_key is not None and not await self._services.request_keys.first_time(
                        uow, request_key, now
                    ):
                        log.info("a repeated request was ignored")
                        return Outcome(place, Decision(stored.round), {})
                    decision = decide(stored.round, event, now)
                    members = (
                        [await member_of(uow, place, a, now) for a in meet]
                        if not decision.rejected
                        else []
                    )
                    delivery = None
                    if decision.round is not None and decision.round != stored.round:
                        await uow.rounds.save(stored, decision.round)
                        delivery = await self._owe(uow, stored.round.id)
                    names = {a.user: a.display_name for a in mentioned}
                    names.update(attendee_names(decision.round or stored.round))
                    if commit_refusals or not decision.rejected:
                        await uow.commit()
            except StaleRound:
                log.info("round changed underneath; retrying")
                conflicts += 1
                continue
            except Unrecognised as stranger:
                await stranger.recognise()
                continue
            newcomers = tuple(m for m in members if m.first_contact)
            outcome = Outcome(
                place, decision, names, newcomers, delivery=delivery, summary_id=stored.summary_id
            )
            await self._greet(
                place, list(outcome.newcomers), stored.round.conversation.in_thread(None)
            )
            if deliver:
                await self._deliver(outcome)
            return outcome
        raise RuntimeError("the round kept changing; gave up after several attempts")

    # --- forms -------------------------------------------------------------------------
    async def answer_form(
        self, actor: Actor, conversation: ConversationRef, round_id: str | None, *, edit: bool
    ) -> Form | None:
        """The reflection form for `actor` (Slack modal, Teams card, console prompts)."""
        async with self._services.database.unit_of_work() as uow:
            channel = conversation.in_thread(None)
            if round_id:
                stored = await uow.rounds.get(round_id)
            else:  # an edit may follow the close (for a while): the last round here
                last = uow.rounds.latest_in if edit else uow.rounds.open_in
                stored = await last(channel)
            compact = (
                (await self._services.compact_version(uow, stored.compact_version_id)).compact
                if stored is not None and (edit or not stored.round.is_closed)
                else None
            )
        # Told after the transaction: no connection is held while a platform is called.
        if stored is None or compact is None:
            missing = words.NO_ROUND_YET if edit else words.NO_OPEN_ROUND
            reason = missing if stored is None else words.REJECTION[Rejection.ROUND_CLOSED]
            await self._services.tell(actor.user, views.notice(reason), near=conversation)
            return None
        existing = stored.round.reflection_of(actor.user)
        refusal = _form_refused(stored.round, actor.user, self._services.clock.now(), edit=edit)
        if refusal is not None:
            await self._services.tell(actor.user, views.rejection(refusal), near=conversation)
            return None
        if not edit:
            await self._mark_answering(actor, stored.round.id)
        return views.reflection_form(stored.round, compact, existing=existing)

    async def _mark_answering(self, actor: Actor, round_id: str) -> None:
        """Remember that `actor` has begun an answer, so ending the round asks to confirm."""

        def event_for(_round: Round, _joining: Mapping[UserRef, Attendee]) -> ev.RoundEvent:
            return ev.AnswerStarted(actor.user)

        await self._apply(_by_id(round_id), event_for)

    async def submit_form(
        self,
        actor: Actor,
        round_id: str,
        *,
        learned: str,
        valued: str,
        clause_ids: tuple[str, ...],
        edit: bool,
        request_key: str | None = None,
    ) -> FormResult:
        """A filled reflection form; refusals come back as errors beside the fields."""

        def event_for(_round: Round, _joining: Mapping[UserRef, Attendee]) -> ev.RoundEvent:
            kind = ev.ReflectionEdited if edit else ev.ReflectionSubmitted
            return kind(actor.user, learned, valued, clause_ids)

        outcome = await self._apply(
            _by_id(round_id),
            event_for,
            deliver=False,
            request_key=request_key,
            commit_refusals=False,
        )
        if outcome is None:
            return FormResult({"": words.NO_OPEN_ROUND})
        errors = _form_errors(outcome.decision)
        if errors:
            return FormResult(errors)
        # Committed: the messages it causes may follow the platform's acknowledgement (the
        # outbox row stands for them until they have gone out).
        accepted = outcome

        async def deliver() -> None:
            await self._deliver(accepted)

        return FormResult(then=deliver)

    async def reply_in_thread(
        self,
        actor: Actor,
        conversation: ConversationRef,
        text: str,
        *,
        request_key: str | None = None,
    ) -> bool:
        """A reply in the round's thread by the person being asked counts as their answer;
        False when no open round has that thread (the replier is then recognised by the
        caller, as on any request)."""
        if conversation.thread is None:
            return False
        first_contact = FirstContact(self._services, actor, conversation)
        found: list[StoredRound] = []

        async def locate(uow: UnitOfWork) -> StoredRound | None:
            stored = await uow.rounds.open_in(conversation.in_thread(None))
            if stored is None or stored.round.conversation.thread != conversation.thread:
                return None
            found.append(stored)
            await first_contact.check(uow, stored.partnership_id)
            return stored

        await self._apply(locate, _answer_by(actor, text), request_key=request_key)
        return bool(found)

    async def reply_in_chat(
        self,
        actor: Actor,
        conversation: ConversationRef,
        text: str,
        *,
        request_key: str | None = None,
    ) -> bool:
        """A plain message in a chat without threads (Teams group and meeting chats) is a
        reply to the chat's open round; False when no round is open there."""
        first_contact = FirstContact(self._services, actor, conversation)
        found: list[StoredRound] = []

        async def locate(uow: UnitOfWork) -> StoredRound | None:
            stored = await uow.rounds.open_in(conversation.in_thread(None))
            if stored is not None:
                found.append(stored)
                await first_contact.check(uow, stored.partnership_id)
            return stored

        await self._apply(locate, _answer_by(actor, text), request_key=request_key)
        return bool(found)

    async def turn_form(self, actor: Actor, conversation: ConversationRef) -> Form | None:
        """The answer form when `actor` is the person asked in the conversation's open
        round (a plain line from them starts their answer, on a platform that fills forms
        line by line); None when they are not, which is just chat."""
        async with self._services.database.unit_of_work() as uow:
            stored = await uow.rounds.open_in(conversation.in_thread(None))
            turn = stored.round.current_turn if stored is not None else None
            if stored is None or turn is None or turn.person != actor.user:
                return None
            compact = (await self._services.compact_version(uow, stored.compact_version_id)).compact
        if stored.round.reflection_of(actor.user) is not None:
            return None
        await self._mark_answering(actor, stored.round.id)
        return views.reflection_form(stored.round, compact)

    # --- effects -------------------------------------------------------------------------
    async def _owe(self, uow: UnitOfWork, round_id: str) -> int:
        """In the round's own transaction: its messages are owed until `_delivered`."""
        services = self._services
        return await uow.outbox.add(
            round_id, services.clock.now(), by=services.worker, until=services.lease_until()
        )

    async def _delivered(self, delivery: int) -> None:
        await self._services.finished.delivered(delivery)

    async def redeliver(self, delivery: int, round_id: str) -> None:
        """A process died owing a round's messages: say again what its state says now: the
        header (posted, with its thread recorded, if it never was), the current turn's
        prompt, or the summary of a closed round. Someone may see a message twice; nobody
        is left unasked."""
        services = self._services
        async with services.database.unit_of_work() as uow:
            stored = await uow.rounds.get(round_id)
            compact = (
                (await services.compact_version(uow, stored.compact_version_id)).compact
                if stored is not None
                else None
            )
        if stored is not None and compact is not None:
            await self._announce(stored.round, compact)
        await self._delivered(delivery)

    async def _announce(self, round_: Round, compact: Compact) -> None:
        gateway = self._services.gateway(round_.conversation.platform)
        names = attendee_names(round_)
        header = round_.conversation.thread
        if header is None:
            header = await gateway.post(round_.conversation, views.header(round_, names))
            async with self._services.database.unit_of_work() as uow:
                await uow.rounds.set_thread(round_.id, header)
                await uow.commit()
        else:
            await gateway.update(round_.conversation, header, views.header(round_, names))
        thread = round_.conversation.in_thread(header)
        turn = round_.current_turn
        if round_.is_closed:
            summary = round_.summary()
            if summary.reflections and not round_.cancelled:  # else nothing goes to the channel
                posted = await gateway.post(thread, views.summary(summary, compact, names))
                await remember_summary(self._services, round_.id, posted)
        elif turn is not None:
            await gateway.post(thread, views.prompt(round_, turn.number, names))

    async def _deliver(self, outcome: Outcome) -> None:
        """Carry out the decision's effects, after the commit.

        Each effect is tried on its own: the round is already saved, so a platform failing to
        take one message is logged and must not stop the others (an outbox table is the
        upgrade path for effects that have to survive a crash).
        """
        round_ = outcome.decision.round
        if round_ is None:
            return
        await self._deliver_effects(outcome, round_)
        if outcome.delivery is not None:
            await self._delivered(outcome.delivery)

    async def _deliver_effects(self, outcome: Outcome, round_: Round) -> None:
        header = _Header(round_.conversation.thread)
        for effect in outcome.decision.effects:
            if isinstance(effect, _AFTER_THE_CARD):
                # The card first, then what follows it in the thread (the next prompt).
                await self._refresh_header(round_, outcome, header)
            try:
                await self._carry_out(effect, round_, outcome, header)
            except Exception:
                log.exception("could not deliver %s for round %s", type(effect).__name__, round_.id)
        await self._refresh_header(round_, outcome, header)

    async def _refresh_header(self, round_: Round, outcome: Outcome, header: _Header) -> None:
        """Redraw the round's card once, if the round changed since it was last drawn."""
        if not header.stale or header.message_id is None:
            return
        header.stale = False
        try:
            await self._services.gateway(round_.conversation.platform).update(
                round_.conversation, header.message_id, views.header(round_, outcome.names)
            )
        except Exception:
            log.exception("could not update the header of round %s", round_.id)

    async def _carry_out(
        self, effect: fx.RoundEffect, round_: Round, outcome: Outcome, header: _Header
    ) -> None:
        services = self._services
        gateway = services.gateway(round_.conversation.platform)
        names = outcome.names
        match effect:
            case fx.RoundOpened():
                header.message_id = await gateway.post(
                    round_.conversation, views.header(round_, names)
                )
                async with services.database.unit_of_work() as uow:
                    await uow.rounds.set_thread(round_.id, header.message_id)
                    await uow.commit()
            case fx.RoundStatusChanged():
                header.stale = True
            case fx.PromptAttendee():
                thread = round_.conversation.in_thread(header.message_id)
                await gateway.post(thread, views.prompt(round_, effect.turn_no, names))
            case fx.ReflectionRecorded():
                text = (
                    words.ACK_REFLECTION_EDITED
                    if effect.edited
                    else words.ACK_REFLECTION_EARLY
                    if effect.early
                    else words.ACK_REFLECTION
                )
                await services.tell(
                    effect.person, views.acknowledgement(text, round_.id), near=round_.conversation
                )
            case fx.TurnLapsed():
                await services.tell(
                    effect.person,
                    views.notice(words.TURN_LAPSED),
                    near=round_.conversation,
                )
            case fx.EveryoneAsked():
                waiting: list[Inline] = []
                for i, user in enumerate(effect.waiting_on):
                    waiting.extend([", "] if i else [])
                    waiting.append(mention(user, names))
                for facilitator in effect.facilitators:
                    await services.tell(
                        facilitator, views.everyone_asked(tuple(waiting)), near=round_.conversation
                    )
            case fx.PostSummary():
                thread = round_.conversation.in_thread(header.message_id)
                summary = views.summary(effect.summary, outcome.place.compact, names)
                await remember_summary(services, round_.id, await gateway.post(thread, summary))
            case fx.Rejected(reason=Rejection.INVALID_ORDER):
                still = words.REJECTION[Rejection.INVALID_ORDER] + " " + words.STILL_WAITING
                message = views.with_people(still, round_.queue, names, ".")
                await services.tell(effect.to, message, near=round_.conversation)
            case fx.Rejected():
                refusal = refusal_about_someone(effect, names) or views.rejection(
                    effect.reason, effect.detail
                )
                await services.tell(effect.to, refusal, near=round_.conversation)
            case _:
                await self._carry_out_private(effect, round_, outcome, header)

    async def _carry_out_private(
        self, effect: fx.RoundEffect, round_: Round, outcome: Outcome, header: _Header
    ) -> None:
        """The effects added for facilitators and people cut off (issue 13)."""
        tell = self._services.tell
        near = round_.conversation
        names = outcome.names
        if await carry_out_change(
            self._services,
            effect,
            round_,
            compact=outcome.place.compact,
            names=names,
            summary_id=outcome.summary_id,
        ):
            return
        match effect:
            case fx.CancelledQuietly():
                for facilitator in effect.facilitators:
                    await tell(facilitator, views.notice(words.ROUND_CANCELLED), near=near)
            case fx.NothingShared():
                message = (
                    views.with_people(words.ROUND_NOTHING_YET, effect.answering, names, ".")
                    if effect.answering
                    else views.notice(words.ROUND_NOTHING_SHARED)
                )
                for facilitator in effect.facilitators:
                    await tell(facilitator, message, near=near)
            case fx.OrderChanged():
                await tell(
                    effect.to,
                    views.with_people(words.ORDER_CHANGED, effect.order, names),
                    near=near,
                )
            case fx.EndNeedsConfirming():
                message = views.with_people(
                    words.END_NEEDS_CONFIRMING,
                    effect.answering,
                    names,
                    words.END_NEEDS_CONFIRMING_END,
                )
                await tell(effect.to, message, near=near)
            case fx.AnswerCutOff():
                until = effect.keep_until.strftime("%H:%M:%S UTC")
                await tell(
                    effect.person, views.notice(words.ANSWER_CUT_OFF.format(until=until)), near=near
                )
            case fx.LateReflectionKept():
                await tell(effect.person, views.notice(words.ACK_LATE_REFLECTION), near=near)
                await share_late(
                    self._services,
                    round_,
                    compact=outcome.place.compact,
                    names=names,
                    summary_id=outcome.summary_id,
                    person=effect.person,
                )


@dataclass
class _Header:
    """The round's header message while effects are delivered: its id, and whether the
    round changed so that it needs redrawing once at the end."""

    message_id: str | None
    stale: bool = False


# Effects shown after the round's card is redrawn: the card first, then what follows it.
_AFTER_THE_CARD = (
    fx.PromptAttendee,
    fx.PostSummary,
    fx.LateReflectionKept,
    fx.NothingShared,
    fx.CancelledQuietly,
    fx.AnswerCutOff,
)

# How long before a turn times out its person gets a reminder (half the turn, if shorter).
REMIND_BEFORE = timedelta(minutes=2)

NewcomerGreeter = Callable[[Place, list[Member], ConversationRef | None], Awaitable[None]]


def _answer_by(actor: Actor, text: str) -> EventFor:
    """Text from the person asked is their answer (clause ids in it are cited); from anyone
    else it is just chat."""

    def event_for(round_: Round, _joining: Mapping[UserRef, Attendee]) -> ev.RoundEvent | None:
        turn = round_.current_turn
        if turn is None or turn.person != actor.user:
            return None
        cited = tuple(cid for cid in CLAUSE_ID.findall(text) if cid in round_.clause_ids)
        return ev.ReflectionSubmitted(actor.user, text, "", cited)

    return event_for


def _form_refused(round_: Round, user: UserRef, now: datetime, *, edit: bool) -> Rejection | None:
    """Why the answer form (or the edit form, until 24 hours after the close) would only be
    refused: said at once, rather than after it is filled in."""
    if edit:
        return change_refused(round_, user, now)
    if round_.attendee(user) is None:
        return Rejection.NOT_ATTENDEE
    if round_.reflection_of(user) is not None:
        return Rejection.ALREADY_ANSWERED
    return None


def _timeout(turn_no: int) -> EventFor:
    return lambda _round, _members: ev.TurnTimedOut(turn_no)


def attendee_names(round_: Round) -> dict[UserRef, str]:
    """Names for mentions, as kept in the round: showing it needs no look-up of people."""
    return {a.user: a.name or a.user.user_id for a in round_.attendees}


async def _joining(
    uow: UnitOfWork,
    place: Place,
    stored: StoredRound,
    meet: tuple[Actor, ...],
    by: UserRef | None,
) -> dict[UserRef, Attendee] | Outcome:
    """Who the people in `meet` are, as attendees; a refusal when one is a handle nobody
    has (someone other than `by` named by a typo)."""
    known = {a.user: await known_person(uow, place, a.user) for a in meet}
    strangers = [
        user.user_id
        for user, person in known.items()
        if user != by and is_unknown_handle(user, person)
    ]
    if strangers:
        refusal = unknown_people_notice(place, strangers)
        return Outcome(place, Decision(stored.round), {}, refusal=refusal)
    return {user: attendee_of(user, person) for user, person in known.items()}


def _by_id(round_id: str) -> Locate:
    async def locate(uow: UnitOfWork) -> StoredRound | None:
        return await uow.rounds.get(round_id)

    return locate


def _form_errors(decision: Decision) -> dict[str, str]:
    """Refusals as form errors, beside the field at fault ("" for the form as a whole)."""
    return {
        effect.field: views.rejection(effect.reason, effect.detail).summary
        for effect in decision.effects
        if isinstance(effect, fx.Rejected)
    }
