"""Call-out use cases: raise privately, table for the meeting, discuss, resolve, withdraw.

Whoever raises a call-out is recognised only through a keyed hash of the call-out's id and
their identity. Raising one records nothing else about the reporter: no person row, no
timestamp beside their name, nothing in the logs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot import words
from bot.messages import Form
from bot.repositories import UnitOfWork
from bot.request_keys import request_key
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.audit_trail import record_action
from bot.usecases.disclosure import disclosure_choices, disclosure_chosen
from bot.usecases.place import Place, facilitators_of, known_person, make_reachable, place_of
from bot.views import callouts as views
from bot.views.rounds import notice
from rituals import callout as lifecycle
from rituals.audit import AuditAction
from rituals.callout import (
    Callout,
    CalloutDecision,
    CalloutStatus,
    Disclosure,
    NotifyReporter,
    WithdrawnItem,
)
from rituals.errors import InvalidInput, NotAllowed, RitualError, StaleCallout
from rituals.refs import ConversationRef, UserRef

REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_ATTEMPTS = 3

Step = Callable[[Callout, bool, str, Place], CalloutDecision]
"""(call-out, actor is a facilitator, actor's key for this call-out, where) -> decision."""

FOLLOW_UP_FIELDS = ("owner", "action", "review_on")


def new_reference() -> str:
    """A short random reference people can type (`/compact resolve K7Q2XM`); random, not
    sequential, so it says nothing about who raised what when."""
    return "".join(secrets.choice(REF_ALPHABET) for _ in range(6))


class CalloutService:
    def __init__(self, services: Services) -> None:
        self._services = services

    def _now(self) -> datetime:
        return self._services.clock.now()

    async def form(self, actor: Actor, conversation: ConversationRef) -> Form:
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            # Someone new is recorded now, in a transaction of their own, well before any
            # call-out: never in the call-out's transaction (docs/privacy.md).
            await make_reachable(uow, place, actor, self._now())
            choices = await disclosure_choices(uow, place, actor.user)
            await uow.commit()
        return views.callout_form(place.compact, choices)

    async def submit(
        self,
        actor: Actor,
        conversation: ConversationRef,
        values: dict[str, str],
        *,
        request_id: str | None = None,
    ) -> FormResult:
        services = self._services
        now = self._now()
        async with services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            choices = await disclosure_choices(uow, place, actor.user)
            disclosure, problem = disclosure_chosen(values, choices)
            if disclosure is None:
                return FormResult({"disclosure": problem})
            if request_id is not None and not await services.request_keys.first_time(
                uow, request_key(actor.user.platform, "callout-form", request_id), now
            ):
                return FormResult()  # a retried submit: the first one was tabled
            callout_id = new_reference()
            try:
                decision = lifecycle.raise_callout(
                    callout_id=callout_id,
                    compact=place.compact,
                    compact_version=place.stored.version,
                    clause_id=values.get("clause", ""),
                    about_organisation_id=values.get("partner", ""),
                    what_happened=values.get("what_happened"),
                    what_would_help=values.get("what_would_help"),
                    anonymous=disclosure is not Disclosure.NAMED,
                    reporter=actor.user,
                    reporter_key=services.reporter_keys.key_at_raise(
                        place.slug,
                        callout_id,
                        actor.user,
                        anonymous=disclosure is not Disclosure.NAMED,
                    ),
                    now=now,
                    reporter_organisation_id=(
                        choices.organisation_id if disclosure is Disclosure.ORGANISATION else None
                    ),
                )
            except InvalidInput as problem:
                return FormResult({problem.field or "what_happened": str(problem)})
            await uow.callouts.add(
                decision.callout,
                partnership_id=place.partnership_id,
                compact_version_id=place.stored.version_id,
            )
            await uow.commit()
        callout = decision.callout
        ack = words.CALLOUT_ACK.format(
            clause=callout.clause_id, how=views.how_raised(callout, place.compact), ref=callout.id
        )
        await services.tell(actor.user, notice(ack), near=conversation)
        return FormResult()

    async def agenda(self, actor: Actor, conversation: ConversationRef) -> None:
        services = self._services
        async with services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            person = await known_person(uow, place, actor.user)
            allowed = person is not None and place.is_facilitator(person)
            if allowed:
                live = await uow.callouts.open_agenda(place.partnership_id)
                last_meeting = await self._last_meeting(uow, place, live)
                items = lifecycle.agenda_view(live, last_meeting=last_meeting)
                named = [item.reporter for item in items if item.reporter is not None]
                names = await uow.people.display_names(place.partnership_id, named)
                withdrawn = await self._withdrawn(uow, place)
                threads = await uow.threads.of_callouts(
                    place.partnership_id, [item.callout_id for item in items]
                )
        if not allowed:
            await services.tell(
                actor.user, notice(words.AGENDA_ONLY_FACILITATORS), near=conversation
            )
            return
        await services.tell(
            actor.user,
            views.agenda(items, place.compact, names, withdrawn, threads),
            near=conversation,
        )

    async def _last_meeting(
        self, uow: UnitOfWork, place: Place, live: list[Callout]
    ) -> datetime | None:
        """When the last round closed since the oldest live call-out was raised (None: none
        has), so the agenda can say which items were carried over from a meeting."""
        if not live:
            return None
        oldest = min(callout.raised_at for callout in live)
        held = await uow.rounds.held_between(place.partnership_id, oldest, self._now())
        return max((round_.held_at for round_ in held), default=None)

    async def _withdrawn(self, uow: UnitOfWork, place: Place) -> tuple[WithdrawnItem, ...]:
        """Discussed call-outs withdrawn lately, told on the agenda from the next day on."""
        now = self._now()
        since = now - lifecycle.WITHDRAWN_SHOWN_FOR - timedelta(days=2)  # whole days, any zone
        recent = await uow.callouts.withdrawn_since(place.partnership_id, since)
        return lifecycle.withdrawn_after_discussion(recent, now=now)

    async def mine(self, actor: Actor, conversation: ConversationRef) -> None:
        keys = self._services.reporter_keys
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            live = await uow.callouts.open_agenda(place.partnership_id)
        own = [c for c in live if c.raised_by(keys.claim(c, actor.user))]
        await self._services.tell(actor.user, views.mine(own, place.compact), near=conversation)

    async def note_form(
        self, actor: Actor, conversation: ConversationRef, ref: str, *, resolving: bool
    ) -> Form:
        """The learning-note form; marking discussed also offers the optional follow-up."""
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
        return views.note_form(ref.strip().upper(), resolving=resolving, compact=place.compact)

    async def discussed(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        note: str,
        *,
        request_key: str | None = None,
        follow_up: Mapping[str, str] | None = None,
    ) -> FormResult:
        """Mark discussed with the learning note; `follow_up` holds the note form's optional
        owner, action and review_on answers."""
        typed = follow_up or {}

        def step(callout: Callout, facilitator: bool, _key: str, place: Place) -> CalloutDecision:
            now = self._now()
            agreed = lifecycle.NO_FOLLOW_UP
            if facilitator and any(typed.get(name) for name in FOLLOW_UP_FIELDS):
                agreed = lifecycle.follow_up_from(
                    place.compact,
                    owner=typed.get("owner"),
                    action=typed.get("action"),
                    review_on=typed.get("review_on"),
                    today=now.date(),
                )
            return lifecycle.mark_discussed(
                callout,
                by_is_facilitator=facilitator,
                learning_note=note,
                now=now,
                follow_up=agreed,
            )

        return await self._change(
            actor, conversation, ref, step, request_key, audited=AuditAction.DISCUSSED
        )

    async def resolve(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        note: str,
        *,
        request_key: str | None = None,
    ) -> FormResult:
        def step(callout: Callout, facilitator: bool, _key: str, _at: Place) -> CalloutDecision:
            return lifecycle.resolve(
                callout, by_is_facilitator=facilitator, learning_note=note, now=self._now()
            )

        return await self._change(
            actor, conversation, ref, step, request_key, audited=AuditAction.RESOLVE
        )

    async def withdraw(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        _note: str = "",
        *,
        request_key: str | None = None,
    ) -> FormResult:
        def step(callout: Callout, _facilitator: bool, key: str, _at: Place) -> CalloutDecision:
            return lifecycle.withdraw(callout, reporter_key=key, now=self._now())

        return await self._change(actor, conversation, ref, step, request_key)

    async def _change(
        self,
        actor: Actor,
        conversation: ConversationRef,
        ref: str,
        step: Step,
        request: str | None,
        *,
        audited: AuditAction | None = None,
    ) -> FormResult:
        """Load, step the lifecycle, save with compare-and-swap; then tell the reporter.

        Someone who may not act gets the same words whether or not the call-out exists, so
        trying references reveals nothing. The `request`'s key is committed with the change
        (a refusal commits nothing, so it may be tried again).
        """
        services = self._services
        wanted = ref.strip().upper()
        cannot = words.CALLOUT_CANNOT_CHANGE.format(ref=wanted)
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with services.database.unit_of_work() as uow:
                    if request and not await services.request_keys.first_time(
                        uow, request, self._now()
                    ):
                        return FormResult()  # a repeat: the first one was applied
                    place = await place_of(uow, conversation)
                    person = await known_person(uow, place, actor.user)
                    facilitator = person is not None and place.is_facilitator(person)
                    stored = await uow.callouts.get_stored(place.partnership_id, wanted)
                    if stored is None:
                        # A facilitator sees the agenda anyway, so naming the slip costs
                        # nothing; anyone else learns nothing about whether it exists.
                        missing = words.CALLOUT_NOT_ON_AGENDA.format(ref=wanted)
                        return _refused(missing if facilitator else cannot)
                    callout = stored.callout
                    key = services.reporter_keys.claim(callout, actor.user)
                    try:
                        decision = step(callout, facilitator, key, place)
                    except NotAllowed:
                        return _refused(cannot)
                    except RitualError as problem:
                        return _refused(str(problem))
                    if decision.callout != callout:
                        await uow.callouts.save(decision.callout, expected_version=stored.version)
                        if audited and facilitator and person is not None:
                            await record_action(
                                uow, place, person, audited, subject=callout.id, now=self._now()
                            )
                    chairs = await facilitators_of(uow, place, actor.user) if facilitator else ()
                    await uow.commit()
            except StaleCallout:
                continue
            await self._notify(place, decision.effects)
            if decision.effects and facilitator:
                await self._tell_facilitators(decision.callout, chairs, actor, key, conversation)
            return FormResult()
        return _refused(words.CALLOUT_BUSY.format(ref=wanted))

    async def _tell_facilitators(
        self,
        callout: Callout,
        chairs: tuple[UserRef, ...],
        actor: Actor,
        key: str,
        conversation: ConversationRef,
    ) -> None:
        """Every facilitator (co-chairs too) hears that a facilitator moved a call-out on.

        A withdrawal is never told at the moment it happens (docs/privacy.md): the agenda says
        so from the next day. The acting facilitator who raised it has their reporter's notice.
        """
        if callout.status is CalloutStatus.WITHDRAWN:
            return
        text = words.CALLOUT_UPDATED.format(ref=callout.id, status=callout.status.value)
        for chair in dict.fromkeys((*chairs, actor.user)):
            if chair == actor.user and callout.raised_by(key):
                continue
            await self._services.tell(chair, notice(text), near=conversation)

    async def _notify(self, place: Place, effects: tuple[NotifyReporter, ...]) -> None:
        """Tell each reporter privately; an anonymous one is found through their key."""
        services = self._services
        for effect in effects:
            async with services.database.unit_of_work() as uow:
                callout = await uow.callouts.get(place.partnership_id, effect.callout_id)
                candidates = (
                    await uow.people.identities(place.partnership_id)
                    if effect.reporter is None
                    else ()
                )
            reporter = effect.reporter or services.reporter_keys.find(
                place.slug, effect.callout_id, effect.reporter_key, candidates
            )
            if reporter is not None and callout is not None:
                await services.tell(reporter, views.status_notice(callout))


def _refused(text: str) -> FormResult:
    return FormResult({"": text})
