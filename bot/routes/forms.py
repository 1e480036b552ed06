"""Filled forms: one handler per form id (`bot.actions.FORM_*`), found in `FORMS`.

Each use case records the submission's key in its own transaction, and only with what the
form changes, so a retried submit applies once while correcting a refused form still works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from bot import actions
from bot.requests import FormResult, FormSubmission
from bot.routes.base import UseCases
from bot.usecases.settings import save_settings

FormHandler = Callable[[UseCases, FormSubmission], Awaitable[FormResult]]


def reflection(*, edit: bool) -> FormHandler:
    async def handle(uc: UseCases, submission: FormSubmission) -> FormResult:
        values = submission.values
        return await uc.rounds.submit_form(
            submission.actor,
            submission.context.get("round_id", ""),
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
    step = uc.callouts.resolve if resolving else uc.callouts.discussed
    return await step(
        submission.actor, submission.conversation, ref, note, request_key=submission.request_id
    )


FORMS: Final[Mapping[str, FormHandler]] = {
    actions.FORM_REFLECTION: reflection(edit=False),
    actions.FORM_REFLECTION_EDIT: reflection(edit=True),
    actions.FORM_CALLOUT: callout,
    actions.FORM_SETTINGS: save,
    actions.FORM_LEARNING_NOTE: learning_note,
}


def text(value: str | tuple[str, ...] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def choices(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    return tuple(part for part in value.replace(",", " ").split() if part)
