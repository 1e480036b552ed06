"""What every route works with: the use cases, and the words for a failure."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from bot import words
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.callout_thread import CalloutThreadService
from bot.usecases.callouts import CalloutService
from bot.usecases.people import PeopleService
from bot.usecases.rounds import RoundService
from bot.views.rounds import escaped, notice
from rituals.errors import RitualError
from rituals.refs import ConversationRef

log = logging.getLogger("compact.app")


@dataclass(frozen=True)
class UseCases:
    services: Services
    people: PeopleService
    rounds: RoundService
    callouts: CalloutService
    threads: CalloutThreadService

    @classmethod
    def of(cls, services: Services) -> UseCases:
        people = PeopleService(services)
        return cls(
            services,
            people,
            RoundService(services, people.greet),
            CalloutService(services),
            CalloutThreadService(services),
        )

    async def tell(self, actor: Actor, conversation: ConversationRef, text: str) -> None:
        """A private notice to `actor`, beside `conversation`."""
        await self.services.tell(actor.user, notice(text), near=conversation)

    async def report(self, actor: Actor, conversation: ConversationRef, result: FormResult) -> None:
        """A form's problems, privately, when the request was not a form (a command, a button)."""
        for problem in result.errors.values():
            await self.services.tell(actor.user, escaped(problem), near=conversation)


def failure(problem: Exception) -> str:
    """What to tell the person about `problem`; unexpected ones are logged with a reference."""
    if isinstance(problem, RitualError):
        return str(problem)
    ref = secrets.token_hex(4)
    log.error("request failed (ref %s)", ref, exc_info=problem)
    return words.SOMETHING_WENT_WRONG.format(ref=ref)
