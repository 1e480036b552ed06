"""What the partnership's pages show, laid out for the templates (bot/templates/): the heat
maps' and charts' geometry, and every figure as text, "—" where the group-size rule hides it.

The templates only place what is computed here, so the page is cheap to render and the
figures behind every chart are the same as in the table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot import words
from bot.views.counting import count
from rituals.compact import Compact
from rituals.health import (
    UNDISCLOSED,
    Figure,
    HealthReport,
    LedgerRow,
    MatrixCell,
    ReviewTrigger,
    TriggerKind,
)
from rituals.history import ActivityWeek, CompactChanges

HIDDEN = "—"
Colour = tuple[int, int, int]
VALUED_SCALE: tuple[Colour, Colour] = ((236, 246, 240), (22, 101, 52))
CALLED_SCALE: tuple[Colour, Colour] = ((253, 242, 232), (154, 52, 18))
HIDDEN_FILL = "url(#hatch)"

# Heat map geometry (SVG user units; the SVG scales to the page's width).
LABEL_W, CELL_W, CELL_H, HEAD_H = 210, 104, 52, 58


def shown(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def trend_text(figure: Figure) -> str:
    trend = figure.trend
    if trend is None or (trend == 0 and figure.value == 0):
        return ""
    if trend == 0:
        return "±0"
    return f"▲{trend}" if trend > 0 else f"▼{-trend}"


# --- The heat maps --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeatCell:
    x: int
    y: int
    theme_id: str
    from_side: str
    to_role: str
    value: int | None
    previous: int | None
    text: str
    trend: str
    fill: str
    ink: str
    title: str


@dataclass(frozen=True, slots=True)
class HeatColumn:
    x: int
    lines: tuple[str, ...]
    label: str


@dataclass(frozen=True, slots=True)
class HeatRow:
    y: int
    lines: tuple[str, ...]
    label: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True, slots=True)
class HeatMap:
    kind: str  # "valued" or "called_out"
    title: str
    columns: tuple[HeatColumn, ...]
    rows: tuple[HeatRow, ...]
    width: int
    height: int


def heat_maps(report: HealthReport, compact: Compact) -> tuple[HeatMap, HeatMap]:
    """Headings down, "who → whose clauses" across: one map valued, one called out."""
    roles = [role.id for role in compact.roles]
    valued_pairs = [(a, b) for a in roles for b in roles]
    called_pairs = [*valued_pairs, *((UNDISCLOSED, b) for b in roles)]
    return (
        _heat_map("valued", "Valued", report, compact, valued_pairs),
        _heat_map("called_out", "Called out", report, compact, called_pairs),
    )


def _heat_map(
    kind: str, title: str, report: HealthReport, compact: Compact, pairs: Sequence[tuple[str, str]]
) -> HeatMap:
    cells = {(c.theme_id, c.from_side, c.to_role): c for c in report.matrix.roles}
    figures = {key: _figure_of(cell, kind) for key, cell in cells.items()}
    values = [f.value for f in figures.values() if f.value is not None]
    top = max(values, default=0)
    scale = VALUED_SCALE if kind == "valued" else CALLED_SCALE
    columns = tuple(
        HeatColumn(
            LABEL_W + i * CELL_W,
            (f"{_side_name(compact, a)} →", f"{_plural(compact, b)}"),
            f"{_side_name(compact, a)} → {_plural(compact, b)}",
        )
        for i, (a, b) in enumerate(pairs)
    )
    rows = []
    for j, theme in enumerate(compact.themes):
        y = HEAD_H + j * CELL_H
        row_cells = []
        for column, (a, b) in zip(columns, pairs, strict=True):
            figure = figures.get((theme.id, a, b), Figure(0, 0))
            row_cells.append(
                _heat_cell(column, y, theme.title, (theme.id, a, b), figure, top, scale)
            )
        rows.append(HeatRow(y, wrap(theme.title, 26), theme.title, tuple(row_cells)))
    width = LABEL_W + len(pairs) * CELL_W
    return HeatMap(kind, title, columns, tuple(rows), width, HEAD_H + len(rows) * CELL_H)


def _heat_cell(
    column: HeatColumn,
    y: int,
    heading: str,
    key: tuple[str, str, str],
    figure: Figure,
    top: int,
    scale: tuple[Colour, Colour],
) -> HeatCell:
    if figure.value is None:
        fill, ink = HIDDEN_FILL, "#333333"
    else:
        colour = _mix(scale, figure.value / top if top else 0.0)
        fill, ink = _hex(colour), _ink_for(colour)
    title = f"{column.label}, {heading}: {shown(figure.value)}"
    if figure.previous is not None:
        title += f" (previous span: {figure.previous})"
    return HeatCell(
        column.x,
        y,
        key[0],
        key[1],
        key[2],
        figure.value,
        figure.previous,
        shown(figure.value),
        trend_text(figure),
        fill,
        ink,
        title,
    )


def _figure_of(cell: MatrixCell, kind: str) -> Figure:
    return cell.valued if kind == "valued" else cell.called_out


def _side_name(compact: Compact, side: str) -> str:
    return "Undisclosed" if side == UNDISCLOSED else _plural(compact, side)


def _plural(compact: Compact, role_id: str) -> str:
    name = next((r.name for r in compact.roles if r.id == role_id), role_id)
    return name if name.endswith("s") else f"{name}s"


def _mix(scale: tuple[Colour, Colour], t: float) -> Colour:
    low, high = scale
    t = max(0.0, min(1.0, t))
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(low, high, strict=True))
    return (r, g, b)


def _hex(colour: Colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _luminance(colour: Colour) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink_for(colour: Colour) -> str:
    """Black or white, whichever contrasts more (WCAG: at least 4.5:1 either way here)."""
    lum = _luminance(colour)
    return "#111111" if (lum + 0.05) / 0.0555 >= 1.05 / (lum + 0.05) else "#ffffff"


def wrap(text: str, width: int, lines: int = 2) -> tuple[str, ...]:
    """`text` in at most `lines` lines of about `width` characters (the last one cut)."""
    out: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    last = out[-1]
    if len(last) > width + 2:
        out[-1] = last[: width - 1].rstrip() + "…"
    return tuple(out)


# --- The ledger and the triggers ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerLine:
    row: LedgerRow
    text: str
    heading: str
    binds: str

    def sort_key(self, value: int | None) -> str:
        return "-1" if value is None else str(value)

    @property
    def last_cited(self) -> str:
        return self.row.last_cited.isoformat() if self.row.last_cited else ""


def ledger_lines(report: HealthReport, compact: Compact) -> list[LedgerLine]:
    clauses = {c.id: c for c in compact.clauses}
    themes = {t.id: t.title for t in compact.themes}
    roles = {r.id: r.name for r in compact.roles}
    return [
        LedgerLine(
            row,
            clauses[row.clause_id].text if row.clause_id in clauses else "",
            themes.get(row.theme_id, row.theme_id),
            roles.get(row.role_id, row.role_id),
        )
        for row in report.ledger
    ]


@dataclass(frozen=True, slots=True)
class TriggerLine:
    clause_id: str
    clause_text: str
    reason: str
    evidence: tuple[str, ...]


_REASONS = {
    TriggerKind.CALLOUT_DATES: "Called out on several different days",
    TriggerKind.CALLOUT_ORGANISATIONS: "Called out about several organisations",
    TriggerKind.QUIET_IN_ACTIVE_HEADING: "Never cited while its heading is active",
    TriggerKind.CALLED_OUT_MORE_THAN_VALUED: "Called out more often than valued",
}


def trigger_lines(report: HealthReport, compact: Compact) -> list[TriggerLine]:
    clauses = {c.id: c.text for c in compact.clauses}
    return [
        TriggerLine(t.clause_id, clauses.get(t.clause_id, ""), _REASONS[t.kind], _evidence(t))
        for t in report.triggers
    ]


def _evidence(trigger: ReviewTrigger) -> tuple[str, ...]:
    days = ", ".join(day.strftime("%-d %b %Y") for day in trigger.raised_on)
    by_kind = {
        TriggerKind.CALLOUT_DATES: f"Call-outs raised on {len(trigger.raised_on)} days: {days}.",
        TriggerKind.CALLOUT_ORGANISATIONS: (
            f"Call-outs about {trigger.organisations_called_out} different organisations."
        ),
        TriggerKind.QUIET_IN_ACTIVE_HEADING: (
            f"Not cited in this span; the other clauses of its heading were cited "
            f"{count(trigger.heading_citations, words.HEALTH_TIMES)}."
        ),
        TriggerKind.CALLED_OUT_MORE_THAN_VALUED: (
            f"Called out {count(trigger.callouts_raised, words.HEALTH_TIMES)}, "
            f"valued {count(trigger.times_valued, words.HEALTH_TIMES)}."
        ),
    }
    if trigger.kind in (TriggerKind.CALLOUT_DATES, TriggerKind.CALLOUT_ORGANISATIONS):
        totals = (
            f"In the span: {count(trigger.callouts_raised, words.HEALTH_CALLOUTS)} raised, "
            f"valued {count(trigger.times_valued, words.HEALTH_TIMES)}."
        )
        return (by_kind[trigger.kind], totals)
    return (by_kind[trigger.kind],)


# --- Activity over time ---------------------------------------------------------------------------

CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 720, 220, 40, 34, 14


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    css: str
    points: str
    marks: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    baseline: float
    ticks: tuple[tuple[float, str], ...]  # x, week label
    grid: tuple[tuple[float, int], ...]  # y, value
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()


def _y_scale(top: int) -> tuple[int, list[int]]:
    step = max(1, -(-top // 4))
    ceiling = step * 4 if top else 4
    return ceiling, list(range(0, ceiling + 1, step))


def _frame(weeks: Sequence[ActivityWeek], top: int) -> tuple[float, int, Chart]:
    slot = (CHART_W - PAD_L - 8) / max(1, len(weeks))
    ceiling, grid_values = _y_scale(top)
    inner = CHART_H - PAD_B - PAD_T
    grid = tuple((CHART_H - PAD_B - inner * v / ceiling, v) for v in grid_values)
    ticks = tuple(
        (PAD_L + slot * (i + 0.5), w.start.strftime("%-d %b"))
        for i, w in enumerate(weeks)
        if i % 4 == 0
    )
    return slot, ceiling, Chart(CHART_W, CHART_H, CHART_H - PAD_B, ticks, grid)


def participation_chart(weeks: Sequence[ActivityWeek]) -> Chart:
    slot, ceiling, frame = _frame(weeks, max((w.attendances or 0 for w in weeks), default=0))
    inner = CHART_H - PAD_B - PAD_T
    bars = []
    for i, week in enumerate(weeks):
        height = inner * (week.attendances or 0) / ceiling
        taking_part = "too few to show" if week.attendances is None else week.attendances
        title = f"Week of {week.start:%-d %b %Y}: {week.rounds} rounds, {taking_part} taking part"
        bars.append(
            Bar(PAD_L + slot * i + slot * 0.15, frame.baseline - height, slot * 0.7, height, title)
        )
    return Chart(
        frame.width, frame.height, frame.baseline, frame.ticks, frame.grid, bars=tuple(bars)
    )


LIFECYCLE = (("raised", "Raised", "s-raised"), ("discussed", "Discussed", "s-discussed"),
             ("resolved", "Resolved", "s-resolved"))  # fmt: skip


def lifecycle_chart(weeks: Sequence[ActivityWeek]) -> Chart | None:
    """None when the group-size rule hides the call-out counts."""
    if any(w.raised is None for w in weeks):
        return None
    top = max((getattr(w, name) or 0 for w in weeks for name, _, _ in LIFECYCLE), default=0)
    slot, ceiling, frame = _frame(weeks, top)
    inner = CHART_H - PAD_B - PAD_T
    lines = []
    for name, label, css in LIFECYCLE:
        marks = tuple(
            (
                round(PAD_L + slot * (i + 0.5), 1),
                round(frame.baseline - inner * (getattr(w, name) or 0) / ceiling, 1),
                f"Week of {w.start:%-d %b %Y}: {getattr(w, name)} {label.lower()}",
            )
            for i, w in enumerate(weeks)
        )
        points = " ".join(f"{x},{y}" for x, y, _ in marks)
        lines.append(Line(label, css, points, marks))
    return Chart(
        frame.width, frame.height, frame.baseline, frame.ticks, frame.grid, lines=tuple(lines)
    )


# --- Versions -------------------------------------------------------------------------------------


def change_lines(change: CompactChanges, compact: Compact) -> list[str]:
    names = {o.id: o.name for o in compact.organisations}
    if change.first:
        return ["The compact's first version."]
    lines = []
    for label, ids in (
        ("Clauses added", change.clauses_added),
        ("Clauses reworded", change.clauses_reworded),
        ("Clauses removed", change.clauses_removed),
    ):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}.")
    if change.vision_changed:
        lines.append("The vision was reworded.")
    if change.organisations_added:
        added = ", ".join(names.get(o, o) for o in change.organisations_added)
        lines.append(f"Organisations joined: {added}.")
    if change.organisations_removed:
        lines.append(f"Organisations left: {', '.join(change.organisations_removed)}.")
    return lines or ["No change to the clauses, the vision or the partners."]


def week_label(day: date) -> str:
    return day.strftime("%-d %b %Y")
