"""How a reflection round looks: its header, a turn's prompt, the answer form, the summary."""

from __future__ import annotations

from bot import actions, words
from bot.messages import (
    Actions,
    BulletList,
    Button,
    ButtonStyle,
    Choice,
    Divider,
    FieldKind,
    Form,
    FormField,
    Heading,
    Inline,
    Mention,
    Message,
    Paragraph,
    UserText,
)
from bot.views.names import Names, mention
from rituals.compact import Compact
from rituals.reflection import Reflection
from rituals.refs import UserRef
from rituals.round import Rejection, Round, RoundStatus, RoundSummary
from rituals.text import MAX_ANSWER_CHARS


def turn_value(round_id: str, turn_no: int | None) -> str:
    """Button value naming the round and the turn it was shown for (stale clicks are ignored)."""
    return f"{round_id}:{turn_no if turn_no is not None else ''}"


def parse_turn_value(value: str) -> tuple[str, int | None]:
    round_id, _, turn = value.partition(":")
    return round_id, int(turn) if turn.isdigit() else None


def header(round_: Round, names: Names) -> Message:
    """The round's header in the channel, kept up to date as the round goes."""
    blocks: list[Heading | Paragraph | BulletList | Actions | Divider] = [
        Heading(words.ROUND_TITLE)
    ]
    if round_.status is RoundStatus.GATHERING:
        blocks.append(Paragraph.of(words.ROUND_GATHERING))
        if round_.attendees:
            joined: list[Inline] = ["Here: "]
            for i, attendee in enumerate(round_.attendees):
                joined.extend([", "] if i else [])
                joined.append(mention(attendee.user, names))
            blocks.append(Paragraph(tuple(joined)))
        blocks.append(
            Actions(
                (
                    Button(words.BUTTON_JOIN, actions.ROUND_JOIN, round_.id, ButtonStyle.PRIMARY),
                    Button(words.BUTTON_BEGIN, actions.ROUND_BEGIN, round_.id),
                )
            )
        )
        return Message(words.ROUND_GATHERING, tuple(blocks))
    blocks.append(Paragraph.of(words.ROUND_INTRO))
    items: list[tuple[Inline, ...]] = []
    current = round_.current_turn
    for user in round_.speaking_order():
        reflection = round_.reflection_of(user)
        if reflection is not None and reflection.withdrawn_at is not None:
            state = "withdrew their reflection"
        elif reflection is not None:
            state = "shared a reflection"
        elif user in round_.passed:
            state = "passed"
        elif current is not None and current.person == user:
            state = "speaking now"
        elif user in round_.queue:
            state = "waiting"
        else:
            state = "may still answer" if not round_.is_closed else "not heard"
        items.append((mention(user, names), f" — {state}"))
    blocks.append(BulletList(tuple(items)))
    if round_.is_closed:
        blocks.append(Paragraph.of(words.ROUND_CLOSED_NOTE))
        summary = round_.summary()
        if summary.celebrated:
            cited = ", ".join(f"{cid} ×{n}" for cid, n in summary.celebrated)
            blocks.append(Paragraph.of(f"{words.SUMMARY_CELEBRATED}: {cited}"))
        return Message(f"{words.ROUND_TITLE} — closed", tuple(blocks))
    return Message(f"{words.ROUND_TITLE} — in progress", tuple(blocks))


def prompt(round_: Round, turn_no: int, names: Names) -> Message:
    """Ask the person whose turn it is, by mention, with their buttons and the facilitator's."""
    person = next(t.person for t in round_.turns if t.number == turn_no)
    value = turn_value(round_.id, turn_no)
    return Message(
        f"{names.get(person, person.user_id)}, {words.TURN_PROMPT}",
        (
            Paragraph.of(mention(person, names), ", ", words.TURN_PROMPT),
            Paragraph.of(words.TURN_PROMPT_HINT),
            Actions(
                (
                    Button(words.BUTTON_ANSWER, actions.ROUND_ANSWER, value, ButtonStyle.PRIMARY),
                    Button(words.BUTTON_PASS, actions.ROUND_PASS, value),
                    Button(words.BUTTON_SKIP, actions.ROUND_SKIP, value),
                    Button(words.BUTTON_NEXT, actions.ROUND_NEXT, value),
                    Button(words.BUTTON_END, actions.ROUND_END, value, ButtonStyle.DANGER),
                )
            ),
        ),
    )


def reminder(round_: Round, turn_no: int, names: Names) -> Message:
    """A private nudge to the person asked, shortly before their turn moves on."""
    value = turn_value(round_.id, turn_no)
    return Message(
        words.TURN_REMINDER,
        (
            Paragraph.of(words.TURN_REMINDER),
            Actions(
                (
                    Button(words.BUTTON_ANSWER, actions.ROUND_ANSWER, value, ButtonStyle.PRIMARY),
                    Button(words.BUTTON_PASS, actions.ROUND_PASS, value),
                )
            ),
        ),
    )


def reflection_form(round_: Round, compact: Compact, *, existing: Reflection | None = None) -> Form:
    """The answer form: learned, valued, and clauses grouped by theme."""
    current = round_.current_turn
    context = {"round_id": round_.id}
    if current is not None:
        context["turn_no"] = str(current.number)
    choices = tuple(
        Choice(clause.id, f"{clause.id}: {clause.text}", compact.theme(clause.theme_id).title)
        for clause in compact.clauses
    )
    editing = existing is not None
    return Form(
        form_id=actions.FORM_REFLECTION_EDIT if editing else actions.FORM_REFLECTION,
        title=words.FORM_REFLECTION_EDIT_TITLE if editing else words.FORM_REFLECTION_TITLE,
        submit_label=words.FORM_SUBMIT_SHARE,
        fields=(
            FormField(
                "learned",
                words.FIELD_LEARNED,
                max_length=MAX_ANSWER_CHARS,
                multiline=True,
                initial=existing.learned if existing else "",
            ),
            FormField(
                "valued",
                words.FIELD_VALUED,
                max_length=MAX_ANSWER_CHARS,
                multiline=True,
                initial=existing.valued if existing else "",
            ),
            FormField(
                "clauses",
                words.FIELD_CLAUSES,
                kind=FieldKind.MULTI_CHOICE,
                hint=words.FIELD_CLAUSES_HINT,
                choices=choices,
                initial=existing.clause_ids if existing else (),
            ),
        ),
        context=context,
    )


def summary(result: RoundSummary, compact: Compact, names: Names) -> Message:
    """The closing summary: every reflection, and the clauses celebrated."""
    blocks: list[Heading | Paragraph | BulletList | Actions | Divider] = [
        Heading(words.SUMMARY_TITLE)
    ]
    if not result.reflections:
        blocks.append(Paragraph.of(words.SUMMARY_EMPTY))
    for reflection in result.reflections:
        blocks.append(_reflection_block(reflection, compact, names))
    blocks.append(Divider())
    if result.celebrated:
        blocks.append(Paragraph.of(f"{words.SUMMARY_CELEBRATED}:"))
        blocks.append(
            BulletList(
                tuple(
                    (f"{cid} ×{count} — {_clause_text(compact, cid)}",)
                    for cid, count in result.celebrated
                )
            )
        )
    else:
        blocks.append(Paragraph.of(words.SUMMARY_NO_CLAUSES))
    for label, people in (
        (words.SUMMARY_PASSED, result.passed),
        (words.SUMMARY_NOT_HEARD, result.not_heard),
    ):
        if people:
            parts: list[Inline] = [f"{label}: "]
            for i, person in enumerate(people):
                parts.extend([", "] if i else [])
                parts.append(mention(person, names))
            blocks.append(Paragraph(tuple(parts)))
    count = len(result.reflections)
    return Message(f"{words.SUMMARY_TITLE}: {count} reflection(s)", tuple(blocks))


def _reflection_block(reflection: Reflection, compact: Compact, names: Names) -> Paragraph:
    parts: list[Inline] = [mention(reflection.author, names)]
    if reflection.organisation_id:
        parts.append(f" ({_organisation_name(compact, reflection.organisation_id)})")
    if reflection.learned:
        parts.extend([f" — {words.LEARNED}: ", UserText(reflection.learned)])
    if reflection.valued:
        parts.extend([f" — {words.VALUED}: ", UserText(reflection.valued)])
    if reflection.clause_ids:
        parts.append(f" [{', '.join(reflection.clause_ids)}]")
    if reflection.edited_at is not None:
        parts.append(words.EDITED_MARK)
    return Paragraph(tuple(parts))


def _organisation_name(compact: Compact, organisation_id: str) -> str:
    return next((o.name for o in compact.organisations if o.id == organisation_id), organisation_id)


def _clause_text(compact: Compact, clause_id: str) -> str:
    return compact.clause(clause_id).text if compact.has_clause(clause_id) else clause_id


def people(users: tuple[UserRef, ...], names: Names) -> tuple[Inline, ...]:
    """Mentions of `users`, separated by commas."""
    parts: list[Inline] = []
    for i, user in enumerate(users):
        parts.extend([", "] if i else [])
        parts.append(mention(user, names))
    return tuple(parts)


def with_people(before: str, users: tuple[UserRef, ...], names: Names, after: str = "") -> Message:
    """A private note: `before`, then mentions of `users`, then `after`."""
    parts = (before, *people(users, names), *((after,) if after else ()))
    plain = before + ", ".join(f"@{names.get(u, u.user_id)}" for u in users) + after
    return Message(plain, (Paragraph(parts),))


def late_note(person: UserRef, names: Names) -> Message:
    """Under the summary: someone's reflection was kept after the round closed (begun before
    the end, sent in time). Its words are in the summary, redrawn, not here: a message of its
    own could not be taken back if they withdrew it."""
    name = names.get(person, person.user_id)
    return Message(
        f"{words.LATE_REFLECTION_KEPT}@{name}{words.LATE_REFLECTION_WHERE}",
        (
            Paragraph(
                (words.LATE_REFLECTION_KEPT, mention(person, names), words.LATE_REFLECTION_WHERE)
            ),
        ),
    )


def status(round_: Round, names: Names) -> Message:
    """`/compact status`: where the round stands, who has spoken, who is next."""
    spoken = tuple(u for u in round_.speaking_order() if round_.has_spoken(u))
    opening = (
        words.STATUS_GATHERING if round_.status is RoundStatus.GATHERING else words.STATUS_RUNNING
    )
    lines: list[tuple[Inline, ...]] = [
        (opening, words.STATUS_SPOKEN, *(people(spoken, names) or (words.STATUS_NOBODY_YET,)))
    ]
    turn = round_.current_turn
    if turn is not None:
        lines.append((words.STATUS_NOW, mention(turn.person, names)))
    if round_.queue:
        lines.append((words.STATUS_NEXT, *people(round_.queue, names)))
    asked = {t.person for t in round_.turns}
    late = tuple(
        u for u in round_.waiting_on() if u in asked and (turn is None or u != turn.person)
    )
    if late:
        lines.append((words.STATUS_STILL_TO_ANSWER, *people(late, names)))
    plain = " ".join("".join(_plain(part) for part in line) for line in lines)
    return Message(plain, tuple(Paragraph(line) for line in lines))


def _plain(part: Inline) -> str:
    if isinstance(part, Mention):
        return f"@{part.name}"
    return part if isinstance(part, str) else part.text


def everyone_asked(waiting: tuple[Inline, ...]) -> Message:
    return Message(
        words.EVERYONE_ASKED.strip(),
        (Paragraph((words.EVERYONE_ASKED, *waiting, ". ", words.EVERYONE_ASKED_END)),),
    )


def acknowledgement(text: str, round_id: str) -> Message:
    """Thanks for a reflection, with the ways to change it (until 24 hours after the round
    closes): edit it, or withdraw it."""
    value = turn_value(round_id, None)
    edit = Button(words.BUTTON_EDIT, actions.ROUND_EDIT, value)
    withdraw = Button(
        words.BUTTON_WITHDRAW_REFLECTION, actions.ROUND_WITHDRAW, value, ButtonStyle.DANGER
    )
    return Message(text, (Paragraph.of(text), Actions((edit, withdraw))))


def not_in_round(user: UserRef, names: Names) -> Message:
    """`skip @x` for someone not in the round: the exact command that adds them."""
    name = names.get(user, user.user_id)
    parts: tuple[Inline, ...] = (
        mention(user, names),
        words.NOT_IN_ROUND_ADD,
        "/compact add ",
        mention(user, names),
    )
    plain = f"@{name}{words.NOT_IN_ROUND_ADD}/compact add @{name}"
    return Message(plain, (Paragraph(parts),))


def rejection(reason: Rejection, detail: str = "") -> Message:
    return said(words.REJECTION[reason], detail=detail)


def notice(text: str) -> Message:
    """A one-paragraph private note in the bot's own words (acknowledgements)."""
    return Message(text, (Paragraph.of(text),))


def said(template: str, **values: str) -> Message:
    """`template` with `values` filled in as people's words, which renderers escape (they may
    hold what someone typed: a subcommand, a clause id, a reference)."""
    parts: list[Inline] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        parts.extend([before, UserText(values[name], quoted=False)])
    parts.append(rest)
    return Message(template.format(**values), (Paragraph(tuple(p for p in parts if p)),))


def escaped(text: str) -> Message:
    """A note whose whole text may contain what someone typed (e.g. a validation error)."""
    return Message(text, (Paragraph.of(UserText(text, quoted=False)),))
