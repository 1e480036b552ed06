"""The compact's health as a message: per heading, how each side's clauses were valued and
called out (a compact table, one line a row), then the clauses proposed for review.

Every figure comes from `rituals.health`, which has already applied the group-size rule; a
hidden figure (None) is written as a dash, and a row with nothing shown is left out."""

from __future__ import annotations

from datetime import timedelta

from bot import actions, words
from bot.messages import (
    Actions,
    Block,
    BulletList,
    Button,
    ButtonStyle,
    Heading,
    Inline,
    Message,
    Paragraph,
)
from bot.views.counting import count
from rituals.compact import Compact
from rituals.groups import OTHER_PARTNERS
from rituals.health import (
    UNDISCLOSED,
    AboutCell,
    Figure,
    HealthReport,
    MatrixCell,
    ReviewTrigger,
)
from rituals.review import ReviewItem, ReviewStatus


def health(
    report: HealthReport,
    compact: Compact,
    items: tuple[ReviewItem, ...],
    *,
    scope: str = "",
    facilitator: bool = False,
) -> Message:
    """The matrix and the review triggers; buttons for facilitators only."""
    span = report.span
    last_day = span.end.astimezone(span.zone).date() - timedelta(days=1)
    blocks: list[Block] = [
        Heading(f"{words.HEALTH_TITLE} — {compact.name}, {span_name(report)}"),
        Paragraph.of(
            words.HEALTH_SPAN.format(
                start=span.first_day.isoformat(),
                end=last_day.isoformat(),
                previous=report.previous_span.label or report.previous_span.first_day.isoformat(),
                min_group=report.min_group,
            )
        ),
    ]
    themes = [t for t in compact.themes if any(c.theme_id == t.id for c in report.matrix.totals)]
    for theme in themes:
        blocks.append(Heading(f"{theme.title} ({theme.id})"))
        rows = _theme_rows(report, compact, theme.id)
        blocks.append(BulletList(rows) if rows else Paragraph.of(words.HEALTH_QUIET_HEADING))
    if report.matrix.anonymous_callouts:
        blocks.append(Paragraph.of(words.HEALTH_ANONYMOUS_NOTE))
    blocks.extend(_reviews(report, compact, items, facilitator))
    if not scope:
        blocks.append(Paragraph.of(words.HEALTH_NARROW))
    open_count = sum(1 for item in items if item.status is not ReviewStatus.REVISED)
    summary = f"{words.HEALTH_TITLE}, {span_name(report)}: {open_count} clause review(s) open"
    return Message(summary, tuple(blocks))


def span_name(report: HealthReport) -> str:
    return report.span.label or report.span.first_day.isoformat()


def figure(value: Figure) -> str:
    """`12 (+3)`, `4 (=)`, `7`, or a dash where the group-size rule hides it."""
    if value.value is None:
        return words.HEALTH_HIDDEN
    trend = value.trend
    if trend is None:
        return str(value.value)
    change = "=" if trend == 0 else f"{trend:+d}".replace("-", "−")
    return f"{value.value} ({change})"


def _quiet(*figures: Figure) -> bool:
    """Nothing in either span: a row of zeros says nothing worth a line."""
    return all(f.value == 0 and f.previous in (0, None) for f in figures)


def _theme_rows(
    report: HealthReport, compact: Compact, theme_id: str
) -> tuple[tuple[Inline, ...], ...]:
    m = report.matrix
    rows: list[tuple[Inline, ...]] = []
    for total in (t for t in m.totals if t.theme_id == theme_id):
        if _quiet(total.valued, total.called_out):
            continue
        role = compact.role(total.to_role).name
        rows.append(
            (
                words.HEALTH_COLUMN.format(
                    role=role, valued=figure(total.valued), called=figure(total.called_out)
                ),
            )
        )
        column = [c for c in m.roles if (c.theme_id, c.to_role) == (theme_id, total.to_role)]
        rows.extend((line,) for line in _side_lines(compact, column))
        organisations = [
            c for c in m.organisations if (c.theme_id, c.to_role) == (theme_id, total.to_role)
        ]
        rows.extend((line,) for line in _side_lines(compact, organisations))
        about = [c for c in m.about if (c.theme_id, c.to_role) == (theme_id, total.to_role)]
        rows.extend((line,) for line in _about_lines(compact, about))
    return tuple(rows)


def _side_lines(compact: Compact, cells: list[MatrixCell]) -> list[str]:
    lines = []
    for cell in cells:
        if _quiet(cell.valued, cell.called_out):
            continue
        if cell.from_side == UNDISCLOSED:
            lines.append(words.HEALTH_ANONYMOUSLY.format(called=figure(cell.called_out)))
            continue
        if cell.valued.value is None and cell.called_out.value is None:
            continue  # nothing of it may be shown: no line at all
        lines.append(
            words.HEALTH_BY.format(
                side=_side_name(compact, cell.from_side, cell.from_role),
                valued=figure(cell.valued),
                called=figure(cell.called_out),
            )
        )
    return lines


def _about_lines(compact: Compact, cells: list[AboutCell]) -> list[str]:
    return [
        words.HEALTH_ABOUT.format(
            side=_side_name(compact, cell.about, cell.to_role), called=figure(cell.called_out)
        )
        for cell in cells
        if cell.called_out.value is not None and not _quiet(cell.called_out)
    ]


def _side_name(compact: Compact, side: str, role_id: str) -> str:
    if side == OTHER_PARTNERS:
        return f"{words.HEALTH_OTHER_PARTNERS} ({compact.role(role_id).name})"
    names = {o.id: o.name for o in compact.organisations} | {r.id: r.name for r in compact.roles}
    return names.get(side, side)


def trigger_reason(trigger: ReviewTrigger) -> str:
    """Why a clause is proposed for review: counts and days, never who."""
    return words.HEALTH_TRIGGER[trigger.kind.value].format(
        dates=len(trigger.raised_on),
        days=", ".join(day.isoformat() for day in trigger.raised_on),
        organisations=trigger.organisations_called_out,
        heading=count(trigger.heading_citations, words.HEALTH_TIMES),
        raised=count(trigger.callouts_raised, words.HEALTH_TIMES),
        valued=count(trigger.times_valued, words.HEALTH_TIMES),
    )


def _reviews(
    report: HealthReport, compact: Compact, items: tuple[ReviewItem, ...], facilitator: bool
) -> list[Block]:
    """One line per clause (its reasons joined), and for facilitators one row of buttons."""
    blocks: list[Block] = [Heading(words.HEALTH_REVIEW_TITLE)]
    if not items:
        blocks.append(Paragraph.of(words.HEALTH_NO_REVIEW.format(span=span_name(report))))
        return blocks
    by_clause: dict[str, list[ReviewItem]] = {}
    for item in items:
        by_clause.setdefault(item.trigger.clause_id, []).append(item)
    lines: list[tuple[Inline, ...]] = []
    for clause, found in by_clause.items():
        reasons = "; ".join(trigger_reason(item.trigger) for item in found)
        status = _clause_status(found)
        line: list[Inline] = [f"{clause}: {reasons} [{words.HEALTH_REVIEW_STATUS[status.value]}]"]
        revised_in = next((i.revised_in for i in found if i.revised_in is not None), None)
        if revised_in is not None and compact.has_clause(clause):
            line.append(f" — {words.HEALTH_REWORDED.format(version=revised_in)}")
            line.append(f"“{compact.clause(clause).text}”")
        lines.append(tuple(line))
    blocks.append(BulletList(tuple(lines)))
    buttons = _buttons(report, by_clause) if facilitator else []
    if buttons:
        blocks.append(Actions(tuple(buttons[:MAX_BUTTONS])))
    if facilitator:
        blocks.append(Paragraph.of(words.REVIEW_HOW))
    return blocks


MAX_BUTTONS = 24  # a row of buttons holds 25 on Slack; two a clause


def _clause_status(items: list[ReviewItem]) -> ReviewStatus:
    """A clause's review is as far along as its least advanced trigger."""
    order = list(ReviewStatus)
    return min((item.status for item in items), key=order.index)


def _buttons(report: HealthReport, by_clause: dict[str, list[ReviewItem]]) -> list[Button]:
    buttons: list[Button] = []
    for clause, items in by_clause.items():
        status = _clause_status(items)
        if status is ReviewStatus.REVISED:
            continue
        value = f"{clause} --quarter {report.span.label}" if report.span.label else clause
        if status is ReviewStatus.OPEN:
            buttons.append(
                Button(
                    f"{words.BUTTON_REVIEW_DISCUSSED}: {clause}",
                    actions.REVIEW_DISCUSSED,
                    value,
                    ButtonStyle.PRIMARY,
                )
            )
        buttons.append(
            Button(f"{words.BUTTON_REVIEW_REVISED}: {clause}", actions.REVIEW_REVISED, value)
        )
    return buttons
