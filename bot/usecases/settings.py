"""`/compact settings`: when the weekly digest goes out and to which channels.

Everyone may see the settings; only the partnership's facilitators may change them (a form:
a Slack modal, a Teams card, console prompts).
"""

from __future__ import annotations

from bot import actions, words
from bot.messages import Choice, FieldKind, Form, FormField, Message, Paragraph
from bot.requests import Actor, FormResult
from bot.services import Services
from bot.usecases.audit_trail import record_action
from bot.usecases.place import known_person, place_of
from bot.views.rounds import notice
from rituals.audit import AuditAction
from rituals.errors import InvalidInput
from rituals.refs import ConversationRef
from rituals.schedule import WEEKDAYS, DigestSchedule, parse_schedule, schedule_problems
from rituals.text import yes_or_no

YES, NO = "yes", "no"
CHANNEL_CONTEXT = "settings_channel"


async def settings(services: Services, actor: Actor, conversation: ConversationRef) -> Form | None:
    """Facilitators get the form; everyone else is shown the settings privately."""
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        schedule = await uow.schedules.get(place.partnership_id)
        here = await uow.channels.receives_digest(conversation.in_thread(None))
        person = await known_person(uow, place, actor.user)
    if person is not None and place.is_facilitator(person):
        return _form(schedule, here, conversation.in_thread(None))
    await services.tell(actor.user, _shown(schedule, here), near=conversation)
    return None


async def save_settings(
    services: Services,
    actor: Actor,
    conversation: ConversationRef,
    values: dict[str, str],
    context: dict[str, str] | None = None,
    *,
    request_key: str | None = None,
) -> FormResult:
    fields = {
        "day": values.get("day", ""),
        "at": values.get("at", ""),
        "zone": values.get("zone", ""),
        "enabled": values.get("enabled") or YES,
    }
    problems = schedule_problems(**fields)
    try:
        here = yes_or_no(values.get("this_channel") or YES, key="this_channel")
    except InvalidInput as problem:
        problems["this_channel"] = str(problem)
    if problems:
        return FormResult(problems)
    schedule = parse_schedule(**fields)
    asked_in = (context or {}).get(CHANNEL_CONTEXT)
    if asked_in:
        conversation = conversation._replace(channel=asked_in, thread=None)
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
        person = await known_person(uow, place, actor.user)
        if person is None or not place.is_facilitator(person):
            return FormResult({"": words.SETTINGS_ONLY_FACILITATORS})
        now = services.clock.now()
        if request_key and not await services.request_keys.first_time(uow, request_key, now):
            return FormResult()  # a retried submit: the first one was saved
        await uow.schedules.save(place.partnership_id, schedule, now)
        await uow.channels.set_digest(conversation.in_thread(None), here)
        subject = f"digest {WEEKDAYS[schedule.weekday]} {schedule.at:%H:%M} {schedule.zone}"
        await record_action(uow, place, person, AuditAction.SETTINGS, subject=subject, now=now)
        await uow.commit()
    await services.tell(actor.user, _shown(schedule, here, saved=True), near=conversation)
    return FormResult()


def _shown(schedule: DigestSchedule, here: bool, *, saved: bool = False) -> Message:
    where = words.SETTINGS_HERE if here else words.SETTINGS_NOT_HERE
    if schedule.enabled:
        text = words.SETTINGS_SHOWN.format(when=schedule.describe(), here=where)
    else:
        text = words.SETTINGS_SHOWN_OFF.format(here=where)
    if saved:
        return notice(f"{words.SETTINGS_SAVED} {text}")
    return Message(text, (Paragraph.of(text), Paragraph.of(words.SETTINGS_WHO_CHANGES)))


def _form(schedule: DigestSchedule, here: bool, channel: ConversationRef) -> Form:
    days = tuple(Choice(name, name.capitalize()) for name in WEEKDAYS)
    yes_no = (Choice(YES, "Yes"), Choice(NO, "No"))
    return Form(
        # The channel rides along: on Teams the form is filled in a personal chat, and "send
        # it to this channel" is about the channel it was asked for in.
        context={CHANNEL_CONTEXT: channel.channel},
        form_id=actions.FORM_SETTINGS,
        title=words.SETTINGS_TITLE,
        submit_label=words.SETTINGS_SUBMIT,
        fields=(
            FormField(
                "day",
                words.SETTINGS_DAY,
                kind=FieldKind.CHOICE,
                required=True,
                choices=days,
                initial=WEEKDAYS[schedule.weekday],
            ),
            FormField(
                "at",
                words.SETTINGS_AT,
                required=True,
                max_length=5,
                initial=f"{schedule.at:%H:%M}",
                hint=words.SETTINGS_AT_HINT,
            ),
            FormField(
                "zone",
                words.SETTINGS_ZONE,
                required=True,
                max_length=64,
                initial=schedule.zone,
                hint=words.SETTINGS_ZONE_HINT,
            ),
            FormField(
                "enabled",
                words.SETTINGS_ENABLED,
                kind=FieldKind.CHOICE,
                required=True,
                choices=yes_no,
                initial=YES if schedule.enabled else NO,
            ),
            FormField(
                "this_channel",
                words.SETTINGS_THIS_CHANNEL,
                kind=FieldKind.CHOICE,
                required=True,
                choices=yes_no,
                initial=YES if here else NO,
            ),
        ),
    )
