"""`/compact show`: the whole compact, one theme, or one clause."""

from __future__ import annotations

from bot import words
from bot.messages import Block, BulletList, Heading, Inline, Message, Paragraph
from bot.views.rounds import said
from rituals.compact import Compact, Theme
from rituals.compact_diff import CompactChange


def show(compact: Compact, version: int, query: str = "") -> Message:
    """Render the compact, narrowed by `query` (a theme id or title word, or a clause id)."""
    wanted = query.strip().lower()
    if not wanted:
        blocks: list[Block] = [
            Heading(compact.name),
            Paragraph.of(f"{words.COMPACT_VISION}: {compact.vision.strip()}"),
        ]
        for theme in compact.themes:
            blocks.extend(_theme_blocks(compact, theme))
        blocks.append(Paragraph.of(words.COMPACT_VERSION.format(version=version)))
        return Message(f"{compact.name}: the compact", tuple(blocks))
    if compact.has_clause(wanted):
        clause = compact.clause(wanted)
        theme = compact.theme(clause.theme_id)
        role = compact.role(clause.role_id)
        text = f"{clause.id} ({theme.title}, {role.name}): {clause.text}"
        return Message(text, (Paragraph.of(text),))
    themes = [t for t in compact.themes if wanted == t.id or wanted in t.title.lower()]
    if themes:
        blocks = [b for theme in themes for b in _theme_blocks(compact, theme)]
        return Message(f"{compact.name}: {themes[0].title}", tuple(blocks))
    return said(
        words.SHOW_NOTHING_MATCHES,
        query=query.strip(),
        themes=", ".join(t.id for t in compact.themes),
        example=compact.clauses[0].id,
    )


def _theme_blocks(compact: Compact, theme: Theme) -> list[Block]:
    blocks: list[Block] = [Heading(theme.title)]
    if theme.summary:
        blocks.append(Paragraph.of(theme.summary))
    for role in compact.roles:
        clauses = [c for c in compact.clauses_in(theme.id) if c.role_id == role.id]
        if not clauses:
            continue
        blocks.append(Paragraph.of(words.RESPONSIBILITIES_OF.format(role=role.name)))
        items: tuple[tuple[Inline, ...], ...] = tuple((f"{c.id} — {c.text}",) for c in clauses)
        blocks.append(BulletList(items))
    return blocks


def change_lines(compact: Compact, stored_version: int | None, change: CompactChange) -> list[str]:
    """What storing `compact` would change, as `compact diff` and `compact load` print it."""
    if change.new_partnership:
        return [
            words.DIFF_NEW_PARTNERSHIP.format(
                slug=compact.slug,
                clauses=len(compact.clauses),
                people=len(compact.people),
                facilitators=len(compact.facilitators),
            )
        ]
    if not change.changes_anything:
        return [words.DIFF_NOTHING.format(slug=compact.slug, version=stored_version)]
    lines = [words.DIFF_HEADER.format(slug=compact.slug, version=stored_version)]
    for field, template in words.DIFF_LINES.items():
        items = getattr(change, field)
        if items:
            lines.append(template.format(items=", ".join(items)))
    for handle, before, after in change.people_moved:
        lines.append(words.DIFF_MOVED.format(handle=handle, before=before, after=after))
    if change.other:
        lines.append(words.DIFF_OTHER)
    return lines
