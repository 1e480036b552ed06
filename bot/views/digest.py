"""The weekly digest as a message: participation, highlights, celebrations, learning."""

from __future__ import annotations

from datetime import datetime

from bot import words
from bot.messages import (
    Block,
    BulletList,
    Chart,
    Heading,
    Inline,
    Message,
    Paragraph,
    Series,
    UserText,
)
from bot.views.counting import count
from bot.views.health import trigger_reason
from rituals.compact import Compact
from rituals.digest import CalloutSummary, Digest

TOP_CLAUSES = 5
QUIET_SHOWN = 5


def digest(
    result: Digest, compact: Compact, *, preview: bool = False, missed: tuple[str, ...] = ()
) -> Message:
    """The digest; `missed` names earlier weeks whose digest could not go out."""
    start = result.period_start.date().isoformat()
    end = result.period_end.date().isoformat()
    blocks: list[Block] = [Heading(f"{words.DIGEST_TITLE} — {compact.name}")]
    if preview:
        blocks.append(Paragraph.of(words.DIGEST_PREVIEW_NOTE))
    blocks.append(Paragraph.of(words.DIGEST_PERIOD.format(start=start, end=end)))
    if missed:
        blocks.append(Paragraph.of(words.DIGEST_MISSED.format(weeks=", ".join(missed))))
    if result.is_empty:
        blocks.append(Paragraph.of(words.DIGEST_QUIET_WEEK))
    else:
        blocks.extend(_participation(result))
    if result.highlights:
        items: tuple[tuple[Inline, ...], ...] = tuple(
            (
                UserText(h.valued),
                f" — {h.organisation_name or words.DIGEST_A_PARTNER}",
                f" [{', '.join(h.clause_ids)}]" if h.clause_ids else "",
                words.EDITED_MARK if h.edited else "",
            )
            for h in result.highlights
        )
        blocks.extend([Paragraph.of(words.DIGEST_HIGHLIGHTS), BulletList(items)])
    if result.celebrated_withheld and not result.is_empty:
        blocks.append(
            Paragraph.of(words.DIGEST_CELEBRATED_WITHHELD.format(min_group=result.min_group))
        )
    if result.clauses_celebrated:
        top = tuple(
            (f"{c.clause_id} ×{c.count} — {_clause_text(compact, c.clause_id)}",)
            for c in result.most_celebrated(TOP_CLAUSES)
        )
        blocks.extend([Paragraph.of(words.DIGEST_CELEBRATED), BulletList(top)])
    if result.callouts or result.still_open is None or result.still_open.total:
        blocks.extend(_callouts(result))
    if result.quiet_clauses:
        quiet = ", ".join(q.clause_id for q in result.quiet_clauses[:QUIET_SHOWN])
        more = len(result.quiet_clauses) - QUIET_SHOWN
        suffix = words.DIGEST_QUIET_MORE.format(more=more) if more > 0 else ""
        blocks.append(Paragraph.of(words.DIGEST_QUIET.format(clauses=quiet) + suffix))
    blocks.extend(
        Paragraph.of(words.DIGEST_REVIEW.format(clause=t.clause_id, why=trigger_reason(t)))
        for t in result.review_triggers
    )
    if len(result.chart) >= 2:
        blocks.append(_chart(result))
    if result.anything_withheld and not result.is_empty:
        blocks.append(Paragraph.of(words.DIGEST_GROUP_RULE.format(min_group=result.min_group)))
    return Message(f"{words.DIGEST_TITLE}: {start} to {end}", tuple(blocks))


def _participation(result: Digest) -> list[Block]:
    """Rounds held, then each organisation the group-size rule shows and the rest together;
    never a person, so never who passed or did not answer."""
    rounds = count(result.rounds_held, words.DIGEST_ROUND_WORD)
    shared = result.participation.reflections_shared
    if shared is None:
        return [
            Paragraph.of(words.DIGEST_ROUNDS_ONLY.format(rounds=rounds)),
            Paragraph.of(words.DIGEST_PARTICIPATION_WITHHELD),
        ]
    reflections = count(shared, words.DIGEST_REFLECTION_WORD)
    rows = [
        (
            row.organisation_name or words.DIGEST_NO_ORGANISATION,
            row.attendances,
            row.reflections_shared,
        )
        for row in result.participation.organisations
    ]
    others = result.participation.others
    if others is not None:
        label = words.DIGEST_ALL_PARTNERS if others.everyone else words.DIGEST_OTHER_PARTNERS
        rows.append((label, others.attendances, others.reflections_shared))
    lines = tuple(
        (
            f"{label}: "
            + words.DIGEST_ATTENDED.format(
                attendances=count(attendances, words.DIGEST_ATTENDANCE_WORD),
                reflections=count(shared_, words.DIGEST_REFLECTION_WORD),
            ),
        )
        for label, attendances, shared_ in rows
    )
    blocks: list[Block] = [
        Paragraph.of(words.DIGEST_ROUNDS.format(rounds=rounds, reflections=reflections))
    ]
    if lines:
        blocks.extend([Paragraph.of(words.DIGEST_PARTICIPATION), BulletList(lines)])
    return blocks


def _callouts(result: Digest) -> list[Block]:
    """The call-outs: this week's steps, what is still open, then each clause's, with every
    learning note and its day."""
    lines: list[tuple[Inline, ...]] = []
    for row in result.callouts:
        steps = _steps(row.raised or 0, row.discussed or 0, row.resolved or 0)
        if steps:
            lines.append((f"{row.clause_id}: {steps}",))
        lines.extend((_learning(at), UserText(note)) for at, note in _dated(row))
    blocks: list[Block] = [Paragraph.of(_callout_counts(result))]
    if lines:
        blocks.append(BulletList(tuple(lines)))
    return blocks


def _callout_counts(result: Digest) -> str:
    """ "Call-outs this week: 2 raised, 1 resolved. Still open: 1 waiting to be discussed." """
    still = result.still_open
    if still is None:
        return words.DIGEST_CALLOUTS_WITHHELD.format(min_group=result.min_group)
    week = _steps(
        result.callouts_raised or 0, result.callouts_discussed or 0, result.callouts_resolved or 0
    )
    waiting = ", ".join(
        template.format(n=n)
        for template, n in (
            (words.DIGEST_AWAITING_DISCUSSION, still.awaiting_discussion),
            (words.DIGEST_AWAITING_RESOLUTION, still.awaiting_resolution),
        )
        if n
    )
    return " ".join(
        (
            words.DIGEST_CALLOUTS_WEEK.format(counts=week)
            if week
            else words.DIGEST_CALLOUTS_NONE_THIS_WEEK,
            words.DIGEST_CALLOUTS_STILL_OPEN.format(counts=waiting)
            if waiting
            else words.DIGEST_CALLOUTS_NONE_OPEN,
            words.DIGEST_CALLOUTS_PRIVACY,
        )
    )


def _steps(raised: int, discussed: int, resolved: int) -> str:
    """The non-zero steps, e.g. "2 raised, 1 resolved" ("" when nothing moved)."""
    return ", ".join(
        template.format(n=n)
        for template, n in (
            (words.DIGEST_RAISED, raised),
            (words.DIGEST_DISCUSSED, discussed),
            (words.DIGEST_RESOLVED, resolved),
        )
        if n
    )


def _dated(row: CalloutSummary) -> tuple[tuple[datetime | None, str], ...]:
    """The row's notes with their moments, or undated when only the notes are known."""
    if row.dated_notes:
        return row.dated_notes
    return tuple((None, note) for note in row.learning_notes)


def _learning(at: datetime | None) -> str:
    if at is None:
        return words.DIGEST_LEARNING_UNDATED
    return words.DIGEST_LEARNING.format(day=at.date().isoformat())


def _chart(result: Digest) -> Chart:
    """Clauses celebrated and call-outs raised, week by week; a series the group-size rule
    withheld is left out (the chart's weeks are those whose celebrations are shown)."""
    series = tuple(
        Series(name, tuple(v for v in values if v is not None))
        for name, values in (
            (words.DIGEST_CHART_CELEBRATED, [p.clauses_celebrated for p in result.chart]),
            (words.DIGEST_CHART_CALLOUTS, [p.callouts_raised for p in result.chart]),
        )
        if None not in values
    )
    return Chart(
        words.DIGEST_CHART_TITLE,
        tuple(point.week_start.date().isoformat() for point in result.chart),
        series,
    )


def _clause_text(compact: Compact, clause_id: str) -> str:
    return compact.clause(clause_id).text if compact.has_clause(clause_id) else clause_id
