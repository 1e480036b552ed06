"""Filled forms: one handler per form id (`bot.actions.FORM_*`), found in `FORMS`.

Each use case records the submission's key in its own transaction, and only with what the
form changes, so a retried submit applies once while correcting a refused form still works.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from bot import actions, words
from bot.requests import FormResult, FormSubmission
from bot.routes.base import UseCases
from bot.usecases.boundaries import round_belongs_here
from bot.usecases.callouts import FOLLOW_UP_FIELDS
from bot.usecases.settings import save_settings

SEPARATORS: Final = re.compile(r"[\s,;]+")

FormHandler = Callable[[UseCases, FormSubmission], Awaitable[FormResult]]
ThreadStep = Callable[..., Awaitable[FormResult]]


def reflection(*, edit: bool) -> FormHandler:
    async def handle(uc: UseCases, submission: FormSubmission) -> FormResult:
        values = submission.values
        round_id = submission.context.get("round_id", "")
        if not await round_belongs_here(
            uc.services,
            round_id,
            submission.actor,
            submission.conversation,
            private_chat=submission.private_chat,
        ):
            return FormResult({"": words.NO_OPEN_ROUND})
        return await uc.rounds.submit_form(
            submission.actor,
            round_id,
            learned=text(values.get("learned")),
            valued=text(values.get("valued")),
            clause_ids=choices(values.get("clauses")),
            edit=edit,
            request_key=submission.request_id,
        )

    return handle


async def callout(uc: UseCases, submission: FormSubmission) -> FormResult:
    flat = {name: text(value) for name, value in submission.values.items()}
    return await uc.callouts.submit(
        submission.actor, submission.conversation, flat, request_id=submission.request_id
    )


async def save(uc: UseCases, submission: FormSubmission) -> FormResult:
    flat = {name: text(value) for name, value in submission.values.items()}
    return await save_settings(
        uc.services,
        submission.actor,
        submission.conversation,
        flat,
        dict(submission.context),
        request_key=submission.request_id,
    )


async def learning_note(uc: UseCases, submission: FormSubmission) -> FormResult:
    ref = submission.context.get("callout_id", "")
    note = text(submission.values.get("note"))
    resolving = submission.context.get("resolving") == "yes"
    if resolving:
        return await uc.callouts.resolve(
            submission.actor, submission.conversation, ref, note, request_key=submission.request_id
        )
    follow_up = {name: text(submission.values.get(name)) for name in FOLLOW_UP_FIELDS}
    return await uc.callouts.discussed(
        submission.actor,
        submission.conversation,
        ref,
        note,
        request_key=submission.request_id,
        follow_up=follow_up,
    )


def thread_message(send_of: Callable[[UseCases], ThreadStep]) -> FormHandler:
    """The question or answer form: its call-out reference rides in the form's context."""

    async def handle(uc: UseCases, submission: FormSubmission) -> FormResult:
        return await send_of(uc)(
            submission.actor,
            submission.conversation,
            submission.context.get("callout_id", ""),
            text(submission.values.get("text")),
            request_key=submission.request_id,
        )

    return handle


FORMS: Final[Mapping[str, FormHandler]] = {
    actions.FORM_REFLECTION: reflection(edit=False),
    actions.FORM_REFLECTION_EDIT: reflection(edit=True),
    actions.FORM_CALLOUT: callout,
    actions.FORM_SETTINGS: save,
    actions.FORM_LEARNING_NOTE: learning_note,
    actions.FORM_CALLOUT_ASK: thread_message(lambda uc: uc.threads.ask),
    actions.FORM_CALLOUT_REPLY: thread_message(lambda uc: uc.threads.reply),
}


def text(value: str | tuple[str, ...] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def choices(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """Clause ids as typed or picked: any case, separated by spaces, commas or semicolons
    (ids in a compact are lowercase)."""
    if value is None:
        return ()
    parts = value if isinstance(value, tuple) else (value,)
    ids = (part.lower() for joined in parts for part in SEPARATORS.split(joined) if part)
    return tuple(dict.fromkeys(ids))
