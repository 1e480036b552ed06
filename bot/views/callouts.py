"""How call-outs look: the private form, the facilitators' agenda, the reporter's notices."""

from __future__ import annotations

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
from rituals.callout import AgendaItem, Callout, CalloutStatus, WithdrawnItem
from rituals.compact import Compact
from rituals.text import MAX_ANSWER_CHARS, MAX_NOTE_CHARS


def callout_form(compact: Compact) -> Form:
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
            FormField(
                "anonymous",
                words.CALLOUT_FIELD_ANONYMOUS,
                kind=FieldKind.YES_NO,
                required=True,
                hint=words.CALLOUT_FIELD_ANONYMOUS_HINT,
            ),
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
) -> Message:
    """The facilitators' agenda; anonymous items carry no trace of who raised them."""
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
        who: tuple[Inline, ...] = (
            (words.AGENDA_ANONYMOUS,)
            if item.reporter is None
            else (f"{words.AGENDA_RAISED_BY} ", mention(item.reporter, names))
        )
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
        buttons = [Button(words.BUTTON_RESOLVE, actions.CALLOUT_RESOLVE, item.callout_id)]
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


def mine(callouts: list[Callout]) -> Message:
    live = [c for c in callouts if c.is_live]
    if not live:
        return Message(words.MY_CALLOUTS_EMPTY, (Paragraph.of(words.MY_CALLOUTS_EMPTY),))
    blocks: list[Block] = [Heading(words.MY_CALLOUTS_TITLE)]
    for c in live:
        anonymity = "anonymous" if c.anonymous else "named"
        blocks.append(
            Paragraph.of(
                f"[{c.id}] {c.status.value}, clause {c.clause_id}, {anonymity}: ",
                UserText(c.what_happened),
            )
        )
        blocks.append(Actions((Button(words.BUTTON_WITHDRAW, actions.CALLOUT_WITHDRAW, c.id),)))
    return Message(f"{words.MY_CALLOUTS_TITLE}: {len(live)}", tuple(blocks))
