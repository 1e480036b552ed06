"""The weekly digest as a message: participation, highlights, celebrations, learning."""

from __future__ import annotations

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
from bot.views.health import trigger_reason
from rituals.compact import Compact
from rituals.digest import Digest

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
        blocks.append(
            Paragraph.of(
                words.DIGEST_ROUNDS.format(
                    rounds=result.rounds_held, reflections=result.reflections_shared
                )
            )
        )
        rows = tuple(
            (
                f"{row.organisation_name or words.DIGEST_NO_ORGANISATION}: "
                f"{row.rounds_attended} round(s), {row.reflections_shared} reflection(s)",
            )
            for row in result.participation
        )
        blocks.extend([Paragraph.of(words.DIGEST_PARTICIPATION), BulletList(rows)])
    if result.highlights:
        items: tuple[tuple[Inline, ...], ...] = tuple(
            (
                UserText(h.valued),
                f" — {h.organisation_name or words.DIGEST_NO_ORGANISATION}",
                f" [{', '.join(h.clause_ids)}]" if h.clause_ids else "",
            )
            for h in result.highlights
        )
        blocks.extend([Paragraph.of(words.DIGEST_HIGHLIGHTS), BulletList(items)])
    if result.clauses_celebrated:
        top = tuple(
            (f"{c.clause_id} ×{c.count} — {_clause_text(compact, c.clause_id)}",)
            for c in result.most_celebrated(TOP_CLAUSES)
        )
        blocks.extend([Paragraph.of(words.DIGEST_CELEBRATED), BulletList(top)])
    if result.callouts:
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
    return Message(f"{words.DIGEST_TITLE}: {start} to {end}", tuple(blocks))


def _callouts(result: Digest) -> list[Block]:
    """The week's call-outs: the counts, then each clause's, with its learning notes."""
    counts = words.DIGEST_CALLOUTS.format(
        raised=result.callouts_raised,
        discussed=result.callouts_discussed,
        resolved=result.callouts_resolved,
    )
    lines: list[tuple[Inline, ...]] = []
    for row in result.callouts:
        lines.append(
            (
                f"{row.clause_id}: raised {row.raised}, discussed {row.discussed}, "
                f"resolved {row.resolved}",
            )
        )
        lines.extend((words.DIGEST_LEARNING, UserText(note)) for note in row.learning_notes)
    return [Paragraph.of(counts), BulletList(tuple(lines))]


def _chart(result: Digest) -> Chart:
    """Clauses celebrated and call-outs raised, week by week."""
    return Chart(
        words.DIGEST_CHART_TITLE,
        tuple(point.week_start.date().isoformat() for point in result.chart),
        (
            Series(
                words.DIGEST_CHART_CELEBRATED, tuple(p.clauses_celebrated for p in result.chart)
            ),
            Series(words.DIGEST_CHART_CALLOUTS, tuple(p.callouts_raised for p in result.chart)),
        ),
    )


def _clause_text(compact: Compact, clause_id: str) -> str:
    return compact.clause(clause_id).text if compact.has_clause(clause_id) else clause_id
