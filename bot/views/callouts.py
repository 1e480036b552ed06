"""How call-outs look: the private form, the facilitators' agenda, the reporter's notices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot import actions, words
from bot.messages import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Choice,
    FieldKind,
    Form,
    FormField,
    Heading,
    Inline,
    Message,
    Paragraph,
    UserText,
)
from bot.views.names import Names, mention
from rituals.callout import AgendaItem, Callout, CalloutStatus, Disclosure, WithdrawnItem
from rituals.callout_summary import DailySummary, SummaryItem
from rituals.callout_thread import MAX_THREAD_CHARS, ThreadMessage, ThreadSide
from rituals.compact import Compact
from rituals.text import MAX_ANSWER_CHARS, MAX_NOTE_CHARS


@dataclass(frozen=True, slots=True)
class DisclosureChoices:
    """What the reporter may choose, and the facts its promise states (docs/privacy.md)."""

    offered: tuple[Disclosure, ...]
    organisation: str  # the reporter's organisation's name ('' if unknown)
    members: int  # how many people from it are in the partnership
    min_group: int


def disclosure_field(choices: DisclosureChoices) -> FormField:
    """The choice, with the words that say exactly who will see what for each offered one,
    and why any other is not offered."""
    labels = tuple(Choice(d.value, label(d, choices)) for d in choices.offered)
    return FormField(
        "disclosure",
        words.CALLOUT_FIELD_DISCLOSURE,
        kind=FieldKind.CHOICE,
        required=True,
        choices=labels,
        hint=disclosure_promise(choices),
    )


def label(disclosure: Disclosure, choices: DisclosureChoices) -> str:
    return words.DISCLOSURE_LABEL[disclosure.value].format(organisation=choices.organisation)


def disclosure_promise(choices: DisclosureChoices) -> str:
    said = [promise(d, choices) for d in choices.offered]
    for missing in (Disclosure.ORGANISATION, Disclosure.ANONYMOUS):
        if missing not in choices.offered:
            said.append(
                words.DISCLOSURE_NOT_OFFERED[missing.value].format(min_group=choices.min_group)
            )
    return " ".join([*said, words.DISCLOSURE_ALWAYS])


def promise(disclosure: Disclosure, choices: DisclosureChoices) -> str:
    """The sentence said for one choice."""
    return words.DISCLOSURE_PROMISE[disclosure.value].format(
        organisation=choices.organisation, members=choices.members
    )


def callout_form(compact: Compact, disclosure: DisclosureChoices) -> Form:
    clause_choices = tuple(
        Choice(c.id, f"{c.id}: {c.text}", compact.theme(c.theme_id).title) for c in compact.clauses
    )
    partner_choices = tuple(
        Choice(o.id, o.name, compact.role(o.role_id).name) for o in compact.organisations
    )
    return Form(
        form_id=actions.FORM_CALLOUT,
        title=words.CALLOUT_TITLE,
        submit_label=words.CALLOUT_SUBMIT,
        intro=words.CALLOUT_INTRO,
        fields=(
            FormField(
                "clause",
                words.CALLOUT_FIELD_CLAUSE,
                kind=FieldKind.CHOICE,
                required=True,
                choices=clause_choices,
            ),
            FormField(
                "partner",
                words.CALLOUT_FIELD_PARTNER,
                kind=FieldKind.CHOICE,
                required=True,
                choices=partner_choices,
            ),
            FormField(
                "what_happened",
                words.CALLOUT_FIELD_WHAT,
                required=True,
                multiline=True,
                max_length=MAX_ANSWER_CHARS,
            ),
            FormField(
                "what_would_help",
                words.CALLOUT_FIELD_HELP,
                multiline=True,
                max_length=MAX_ANSWER_CHARS,
            ),
            disclosure_field(disclosure),
        ),
    )


def note_form(callout_id: str, *, resolving: bool, compact: Compact | None = None) -> Form:
    """The learning note; when marking discussed with the compact at hand, the optional
    follow-up too (owner, agreed action, review date)."""
    fields = [
        FormField(
            "note",
            words.FIELD_NOTE,
            required=not resolving,
            multiline=True,
            max_length=MAX_NOTE_CHARS,
        )
    ]
    if compact is not None and not resolving:
        fields.extend(_follow_up_fields(compact))
    return Form(
        form_id=actions.FORM_LEARNING_NOTE,
        title=words.FORM_NOTE_TITLE,
        submit_label=words.BUTTON_RESOLVE if resolving else words.BUTTON_DISCUSSED,
        fields=tuple(fields),
        context={"callout_id": callout_id, "resolving": "yes" if resolving else "no"},
    )


def _follow_up_fields(compact: Compact) -> tuple[FormField, ...]:
    owners = tuple(
        Choice(o.id, o.name, compact.role(o.role_id).name) for o in compact.organisations
    )
    return (
        FormField("owner", words.FIELD_OWNER, kind=FieldKind.CHOICE, choices=owners),
        FormField("action", words.FIELD_ACTION, multiline=True, max_length=MAX_NOTE_CHARS),
        FormField("review_on", words.FIELD_REVIEW_ON, hint=words.FIELD_REVIEW_ON_HINT),
    )


def agenda(
    items: tuple[AgendaItem, ...],
    compact: Compact,
    names: Names,
    withdrawn: tuple[WithdrawnItem, ...] = (),
    threads: Mapping[str, list[ThreadMessage]] | None = None,
) -> Message:
    """The facilitators' agenda; anonymous items carry no trace of who raised them, and
    "my organisation" ones only the organisation. Each item's thread follows it."""
    if not items:
        blocks = [Paragraph.of(words.AGENDA_EMPTY), *_withdrawn(withdrawn)]
        return Message(words.AGENDA_EMPTY, tuple(blocks))
    blocks = [Heading(words.AGENDA_TITLE)]
    for item in items:
        clause = compact.clause(item.clause_id).text if compact.has_clause(item.clause_id) else ""
        about = next(
            (o.name for o in compact.organisations if o.id == item.about_organisation_id),
            item.about_organisation_id,
        )
        who = _raised_by(item, compact, names)
        carried = f" ({words.AGENDA_CARRIED_OVER})" if item.carried_over else ""
        blocks.append(
            Paragraph.of(
                f"[{item.callout_id}] {item.status.value}{carried} — clause {item.clause_id}",
                f" ({clause})" if clause else "",
                f", about {about}; raised {item.raised_on.isoformat()}, ",
                *who,
            )
        )
        blocks.append(Paragraph.of("What happened: ", UserText(item.what_happened)))
        if item.what_would_help:
            blocks.append(Paragraph.of("What would help: ", UserText(item.what_would_help)))
        if item.learning_note:
            blocks.append(Paragraph.of("Learning so far: ", UserText(item.learning_note)))
        blocks.extend(_follow_up(item, compact))
        blocks.extend(thread((threads or {}).get(item.callout_id, ())))
        buttons = [
            Button(words.BUTTON_RESOLVE, actions.CALLOUT_RESOLVE, item.callout_id),
            Button(words.BUTTON_ASK, actions.CALLOUT_ASK, item.callout_id),
        ]
        if item.status is CalloutStatus.OPEN:
            buttons.insert(
                0,
                Button(
                    words.BUTTON_DISCUSSED,
                    actions.CALLOUT_DISCUSSED,
                    item.callout_id,
                    ButtonStyle.PRIMARY,
                ),
            )
        blocks.append(Actions(tuple(buttons)))
    blocks.extend(_withdrawn(withdrawn))
    blocks.append(Paragraph.of(words.AGENDA_HOW_TO))
    return Message(f"{words.AGENDA_TITLE}: {len(items)}", tuple(blocks))


def _raised_by(item: AgendaItem, compact: Compact, names: Names) -> tuple[Inline, ...]:
    if item.reporter is not None:
        return (f"{words.AGENDA_RAISED_BY} ", mention(item.reporter, names))
    if item.reporter_organisation_id is not None:
        organisation = _organisation(compact, item.reporter_organisation_id)
        return (words.AGENDA_BY_ORGANISATION.format(organisation=organisation),)
    return (words.AGENDA_ANONYMOUS,)


def thread(messages: Iterable[ThreadMessage]) -> list[Block]:
    """Questions and replies in the order written, each with its day only."""
    blocks: list[Block] = []
    for message in messages:
        lead = words.AGENDA_QUESTION if message.side is ThreadSide.QUESTION else words.AGENDA_REPLY
        blocks.append(
            Paragraph.of(lead.format(day=message.on_day.isoformat()), UserText(message.text))
        )
    return blocks


def _follow_up(item: AgendaItem, compact: Compact) -> list[Block]:
    """What the meeting agreed to do next, if it said."""
    agreed = item.follow_up
    parts: list[Inline] = []
    if agreed.owner_organisation_id:
        parts.append(
            words.AGENDA_OWNER.format(owner=_organisation(compact, agreed.owner_organisation_id))
        )
    if agreed.agreed_action:
        parts.extend([words.AGENDA_ACTION, UserText(agreed.agreed_action), ". "])
    if agreed.review_on is not None:
        parts.append(words.AGENDA_REVIEW_ON.format(day=agreed.review_on.isoformat()))
    return [Paragraph(tuple(parts))] if parts else []


def _organisation(compact: Compact, organisation_id: str) -> str:
    return next((o.name for o in compact.organisations if o.id == organisation_id), organisation_id)


def _withdrawn(withdrawn: tuple[WithdrawnItem, ...]) -> list[Block]:
    """Discussed call-outs since withdrawn: that they were, never by whom or when."""
    blocks: list[Block] = []
    for item in withdrawn:
        text = words.AGENDA_WITHDRAWN.format(ref=item.callout_id, clause=item.clause_id)
        if item.learning_note:
            blocks.append(
                Paragraph.of(text, " ", words.AGENDA_LEARNING_KEPT, UserText(item.learning_note))
            )
        else:
            blocks.append(Paragraph.of(text))
    return blocks


def status_notice(callout: Callout) -> Message:
    """Tell the reporter where their call-out is; the learning note is echoed escaped."""
    template = words.CALLOUT_STATUS_CHANGED[callout.status.value]
    before, marker, after = template.format(ref=callout.id, note="\0").partition("\0")
    parts: tuple[Inline, ...] = (
        (before, UserText(callout.learning_note), after) if marker else (before,)
    )
    plain = template.format(ref=callout.id, note=callout.learning_note)
    return Message(plain, (Paragraph(parts),))


def mine(callouts: list[Callout], compact: Compact | None = None) -> Message:
    live = [c for c in callouts if c.is_live]
    if not live:
        return Message(words.MY_CALLOUTS_EMPTY, (Paragraph.of(words.MY_CALLOUTS_EMPTY),))
    blocks: list[Block] = [Heading(words.MY_CALLOUTS_TITLE)]
    for c in live:
        anonymity = how_raised(c, compact)
        blocks.append(
            Paragraph.of(
                f"[{c.id}] {c.status.value}, clause {c.clause_id}, raised{anonymity}: ",
                UserText(c.what_happened),
            )
        )
        blocks.append(Actions((Button(words.BUTTON_WITHDRAW, actions.CALLOUT_WITHDRAW, c.id),)))
    return Message(f"{words.MY_CALLOUTS_TITLE}: {len(live)}", tuple(blocks))


def how_raised(callout: Callout, compact: Compact | None) -> str:
    """ ", with your name", ", as someone from X" or ", anonymously", as the reporter chose."""
    organisation = callout.reporter_organisation_id or ""
    if compact is not None and organisation:
        organisation = _organisation(compact, organisation)
    return words.CALLOUT_ACK_HOW[callout.disclosure.value].format(organisation=organisation)


def thread_form(
    form_id: str, callout_id: str, *, title: str, label: str, submit: str, intro: str = ""
) -> Form:
    """The question (facilitators) or answer (reporter) form; the platform itself refuses
    text over the limit before it is sent, and the console on the line typed."""
    return Form(
        form_id=form_id,
        title=title.format(ref=callout_id),
        submit_label=submit,
        intro=intro,
        fields=(
            FormField(
                "text",
                label,
                required=True,
                multiline=True,
                max_length=MAX_THREAD_CHARS,
                hint=words.THREAD_LIMIT.format(limit=MAX_THREAD_CHARS),
            ),
        ),
        context={"callout_id": callout_id},
    )


def question_to_reporter(callout: Callout, question: str, compact: Compact) -> Message:
    """The facilitators' question as the reporter gets it: which call-out, never who asked."""
    lead = words.ASK_RECEIVED.format(ref=callout.id, clause=callout.clause_id)
    how = words.ASK_HOW_TO_REPLY.format(ref=callout.id, how=how_raised(callout, compact))
    return Message(
        f"{lead}{question}",
        (
            Paragraph.of(lead, UserText(question)),
            Paragraph.of(how),
            Actions((Button(words.BUTTON_REPLY, actions.CALLOUT_REPLY, callout.id),)),
        ),
    )


def daily_summary(summary: DailySummary, at: str) -> Message:
    """The facilitators' daily summary: references and clauses only, never who or when."""
    blocks: list[Block] = [Heading(words.DAILY_TITLE.format(day=summary.day.isoformat()))]
    sections = (
        (words.DAILY_NEW, summary.new),
        (words.DAILY_WITHDRAWN, summary.withdrawn),
        (words.DAILY_REPLIES, summary.replied),
        (words.DAILY_REVIEW_DUE, summary.review_due),
    )
    for lead, items in sections:
        if items:
            blocks.append(Paragraph.of(lead, "; ".join(_summary_item(item) for item in items)))
    blocks.append(Paragraph.of(words.DAILY_HOW_TO.format(at=at)))
    title = words.DAILY_TITLE.format(day=summary.day.isoformat())
    return Message(title, tuple(blocks))


def _summary_item(item: SummaryItem) -> str:
    text = words.DAILY_ITEM.format(ref=item.callout_id, clause=item.clause_id)
    return f"{text}, {words.DAILY_LEARNING_KEPT}" if item.learning_kept else text
