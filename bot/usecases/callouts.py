"""Call-out use cases: raise privately, table for the meeting, discuss, resolve, withdraw.

Whoever raises an anonymous call-out is recognised only through a keyed hash; nothing in
these use cases writes their identity anywhere, logs included.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from bot import words
from bot.messages import Form
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.place import Place, display_names, member_of, place_of
from bot.views import callouts as views
from bot.views.rounds import notice
from rituals import callout as lifecycle
from rituals.callout import Callout, CalloutDecision, NotifyReporter
from rituals.errors import InvalidInput, NotAllowed, RitualError
from rituals.refs import ConversationRef
from storage.errors import StaleCallout

REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
YES = {"yes", "y", "true", "1", "anonymous", "anon"}
NO = {"no", "n", "false", "0", "named", ""}

Step = Callable[[Callout, Place, bool, str], CalloutDecision]


def new_reference() -> str:
    """A short random reference people can type (`/compact resolve K7Q2XM`); random, not
    sequential, so it says nothing about who raised what when."""
    return "".join(secrets.choice(REF_ALPHABET) for _ in range(6))


class CalloutService:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def form(self, actor: Actor, conversation: ConversationRef) -> Form:
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
        return views.callout_form(place.compact)

    async def submit(
        self, actor: Actor, conversation: ConversationRef, values: dict[str, str]
    ) -> FormResult:
        anonymous_answer = values.get("anonymous", "").strip().lower()
        if anonymous_answer not in YES | NO:
            return FormResult({"anonymous": "Please answer yes or no."})
        services = self._services
        now = services.clock.now()
        async with services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            await member_of(uow, place, actor, now)
            key = services.reporter_keys.key_for(place.slug, actor.user)
            try:
                decision = lifecycle.raise_callout(
                    callout_id=new_reference(),
                    compact=place.compact,
                    compact_version=place.stored.version,
                    clause_id=values.get("clause", ""),
                    about_organisation_id=values.get("partner", ""),
                    what_happened=values.get("what_happened"),
                    what_would_help=values.get("what_would_help"),
                    anonymous=anonymous_answer in YES,
                    reporter=actor.user,
                    reporter_key=key,
                    now=now,
                )
            except InvalidInput as problem:
                return FormResult({_field_of(str(problem)): str(problem)})
            await uow.callouts.add(
                decision.callout,
                partnership_id=place.partnership_id,
                compact_version_id=place.stored.version_id,
            )
            await uow.commit()
        callout = decision.callout
        ack = words.CALLOUT_ACK.format(
            clause=callout.clause_id,
            how=words.CALLOUT_ACK_ANONYMOUS if callout.anonymous else words.CALLOUT_ACK_NAMED,
            ref=callout.id,
        )
        await services.tell(actor.user, notice(ack), near=conversation)
        return FormResult()

    async def agenda(self, actor: Actor, conversation: ConversationRef) -> None:
        services = self._services
        async with services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            member = await member_of(uow, place, actor, services.clock.now())
            if not place.is_facilitator(member.person):
                await uow.commit()
                await services.tell(actor.user, notice(words.AGENDA_ONLY_FACILITATORS))
                return
            items = lifecycle.agenda_view(await uow.callouts.open_agenda(place.partnership_id))
            named = [item.reporter for item in items if item.reporter is not None]
            names = await display_names(uow, place, named)
            await uow.commit()
        await services.tell(actor.user, views.agenda(items, place.compact, names))

    async def mine(self, actor: Actor, conversation: ConversationRef) -> None:
        async with self._services.database.unit_of_work() as uow:
            place = await place_of(uow, conversation)
            key = self._services.reporter_keys.key_for(place.slug, actor.user)
            callouts = await uow.callouts.by_reporter_key(place.partnership_id, key)
        await self._services.tell(actor.user, views.mine(callouts))

    async def discussed(
        self, actor: Actor, conversation: ConversationRef, ref: str, note: str
    ) -> FormResult:
        def step(callout: Callout, place: Place, facilitator: bool, _key: str) -> CalloutDecision:
            return lifecycle.mark_discussed(
                callout, by_is_facilitator=facilitator, learning_note=note, now=self._now()
            )

        return await self._change(actor, conversation, ref, step)

    async def resolve(
        self, actor: Actor, conversation: ConversationRef, ref: str, note: str
    ) -> FormResult:
        def step(callout: Callout, place: Place, facilitator: bool, _key: str) -> CalloutDecision:
            return lifecycle.resolve(
                callout, by_is_facilitator=facilitator, learning_note=note, now=self._now()
            )

        return await self._change(actor, conversation, ref, step)

    async def withdraw(self, actor: Actor, conversation: ConversationRef, ref: str) -> FormResult:
        def step(callout: Callout, place: Place, _facilitator: bool, key: str) -> CalloutDecision:
            return lifecycle.withdraw(callout, reporter_key=key, now=self._now())

        return await self._change(actor, conversation, ref, step)

    def _now(self) -> datetime:
        return self._services.clock.now()

    async def _change(
        self, actor: Actor, conversation: ConversationRef, ref: str, step: Step
    ) -> FormResult:
        """Load, step the lifecycle, save with compare-and-swap, then tell the reporter."""
        services = self._services
        for _attempt in range(3):
            try:
                async with services.database.unit_of_work() as uow:
                    place = await place_of(uow, conversation)
                    member = await member_of(uow, place, actor, services.clock.now())
                    stored = await uow.callouts.get_stored(
                        place.partnership_id, ref.strip().upper()
                    )
                    if stored is None:
                        await uow.commit()
                        return _refused(words.CALLOUT_NOT_FOUND.format(ref=ref.strip()))
                    callout = stored.callout
                    key = services.reporter_keys.key_for(place.slug, actor.user)
                    facilitator = place.is_facilitator(member.person)
                    try:
                        decision = step(callout, place, facilitator, key)
                    except NotAllowed as refusal:
                        # Someone who may not act learns nothing about the call-out.
                        await uow.commit()
                        return _refused(str(refusal))
                    except RitualError as problem:
                        await uow.commit()
                        return _refused(str(problem))
                    if decision.callout != callout:
                        await uow.callouts.save(decision.callout, expected_version=stored.version)
                    await uow.commit()
            except StaleCallout:
                continue
            if decision.effects:
                await self._notify(place, decision.effects)
                text = (
                    words.CALLOUT_WITHDRAWN.format(ref=callout.id)
                    if decision.callout.status.value == "withdrawn"
                    else words.CALLOUT_UPDATED.format(
                        ref=callout.id, status=decision.callout.status.value
                    )
                )
                if decision.callout.raised_by(key):
                    text = ""
                if text:
                    await services.tell(actor.user, notice(text), near=conversation)
            return FormResult()
        return _refused(words.SOMETHING_WENT_WRONG.format(ref=ref))

    async def _notify(self, place: Place, effects: tuple[NotifyReporter, ...]) -> None:
        services = self._services
        for effect in effects:
            reporter = effect.reporter
            if reporter is None:
                async with services.database.unit_of_work() as uow:
                    candidates = await uow.people.identities(place.partnership_id)
                reporter = services.reporter_keys.find(place.slug, effect.reporter_key, candidates)
            if reporter is None:
                continue
            async with services.database.unit_of_work() as uow:
                callout = await uow.callouts.get(place.partnership_id, effect.callout_id)
            if callout is not None:
                await services.tell(reporter, views.status_notice(callout))


def _refused(text: str) -> FormResult:
    return FormResult({"": text})


def _field_of(problem: str) -> str:
    lowered = problem.lower()
    if "clause" in lowered and "partner" not in lowered:
        return "clause"
    if "organisation" in lowered or "partner" in lowered:
        return "partner"
    if "what would help" in lowered:
        return "what_would_help"
    return "what_happened"
