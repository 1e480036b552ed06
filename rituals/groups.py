"""The one group-size rule every aggregate goes through (docs/privacy.md, "The group-size rule").

A figure about a group of people (an organisation, a role, a clause × organisation...) is shown
only when the group holds at least `min_group` distinct people; smaller groups fold into
"other partners", and the fold itself is widened or hidden so that no hidden figure can be
recovered by subtracting the shown ones from a shown total.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence, Set
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

DEFAULT_MIN_GROUP: Final = 3
OTHER_PARTNERS: Final = "other partners"

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class GroupCell(Generic[K]):
    """One group's figure before the rule: `people` are the distinct people the figure is about.

    `value` is a count (never negative); `people` are opaque keys (person ids, say) so that the
    same person in two groups is counted once when groups fold together.
    """

    key: K
    value: int
    people: frozenset[Hashable]

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("a group's figure is a count and cannot be negative")


@dataclass(frozen=True, slots=True)
class GroupedFigures(Generic[K]):
    """What may be shown of one family of cells that add up to a total.

    `shown` keeps the input order. `folded` are the groups not shown on their own; `other` is
    their sum ("other partners"), None when nothing folded or when the fold had to be hidden.
    `total` is None when it would give a hidden figure away.
    """

    shown: tuple[tuple[K, int], ...]
    folded: tuple[K, ...]
    other: int | None
    total: int | None

    def value(self, key: K) -> int | None:
        """The shown figure of `key`, or None when it is folded, hidden or unknown."""
        return next((value for shown_key, value in self.shown if shown_key == key), None)

    @property
    def hidden(self) -> bool:
        """Nothing at all may be shown (the total is withheld too)."""
        return self.total is None


def hide_all(cells: Sequence[GroupCell[K]]) -> GroupedFigures[K]:
    """The family with every figure withheld, e.g. when a total it shares elsewhere is hidden."""
    return GroupedFigures((), tuple(cell.key for cell in cells), None, None)


def apply_group_rule(
    cells: Sequence[GroupCell[K]], min_group: int, *, fold: Set[K] = frozenset()
) -> GroupedFigures[K]:
    """Apply the group-size rule to one family of cells whose sum is shown as the total.

    1. A cell with at least `min_group` people is shown, unless its key is in `fold` (another
       family about the same groups folded it); the others are folded. A cell with
       no people and a zero value is not shown either, but is about nobody, so it takes no
       part in steps 2 and 3 (when every cell is such, all are shown as zeros).
    2. The fold is safe when its people together number at least `min_group` and at least two
       folded cells have a non-zero value (so the fold equals no single folded cell). While it is
       not safe, the shown cell with the smallest non-zero value (then fewest people, then
       earliest) joins it.
    3. If even folding everything is not safe, the fold and the total are withheld.
    """
    if min_group < 1:
        raise ValueError("min_group must be at least 1")
    keys = [cell.key for cell in cells]
    if len(set(keys)) != len(keys):
        raise ValueError("each group may appear once in a family")
    if all(not cell.people and cell.value == 0 for cell in cells):
        # Nobody is counted anywhere: the zeros are about nobody (an empty span, say).
        return GroupedFigures(tuple((cell.key, 0) for cell in cells), (), None, 0)
    shown = [cell for cell in cells if len(cell.people) >= min_group and cell.key not in fold]
    # A group with nobody in it and nothing to count says nothing about anyone: it is left
    # out of the fold's arithmetic rather than forcing other groups to hide.
    empty = [cell for cell in cells if not cell.people and cell.value == 0 and cell not in shown]
    folded = [cell for cell in cells if cell not in shown and cell not in empty]
    if folded:
        while not _safe_fold(folded, min_group) and shown:
            widen = min(shown, key=lambda cell: _widening_order(cell, cells))
            shown.remove(widen)
            folded.append(widen)
        if not _safe_fold(folded, min_group):
            return hide_all(cells)
    order = {cell.key: index for index, cell in enumerate(cells)}
    return GroupedFigures(
        shown=tuple((cell.key, cell.value) for cell in shown),
        folded=tuple(sorted((cell.key for cell in [*folded, *empty]), key=order.__getitem__)),
        other=sum(cell.value for cell in folded) if folded else None,
        total=sum(cell.value for cell in cells),
    )


def apply_group_rule_jointly(
    families: Sequence[Sequence[GroupCell[K]]], min_group: int
) -> tuple[GroupedFigures[K], ...]:
    """The rule for several figures about the same groups (the columns of one table, e.g.
    attendances and reflections per organisation): a group is shown in every family or folded
    in every family, so no row sets a shown figure beside a folded one. Folding more never makes
    a safe fold unsafe, so the folds are merged until they agree; if any family must be
    withheld, all are."""
    forced: set[K] = set()
    nobody: set[K] = _about_nobody(families)
    while True:
        results = tuple(apply_group_rule(cells, min_group, fold=forced) for cells in families)
        if any(result.hidden for result in results):
            return tuple(hide_all(cells) for cells in families)
        folded = {key for result in results for key in result.folded} - nobody
        if folded <= forced:
            return results
        forced |= folded


def hidden_parts_safe(parts: Sequence[GroupCell[K]], min_group: int) -> bool:
    """Whether a longer span's figure may be shown beside its parts shown on their own (the
    weeks of a quarter, each in its own digest): the parts each withheld, for being about fewer
    than `min_group` people, must together make a safe fold, or the longer figure minus the
    shown parts would give them away."""
    hidden = [
        part for part in parts if len(part.people) < min_group and (part.people or part.value)
    ]
    return not hidden or _safe_fold(hidden, min_group)


def _about_nobody(families: Sequence[Sequence[GroupCell[K]]]) -> set[K]:
    cells = [cell for family in families for cell in family]
    nobody = {cell.key for cell in cells if not cell.people and cell.value == 0}
    return nobody - {cell.key for cell in cells if cell.people or cell.value}


def _safe_fold(folded: Sequence[GroupCell[K]], min_group: int) -> bool:
    people: set[Hashable] = set()
    for cell in folded:
        people |= cell.people
    non_zero = sum(1 for cell in folded if cell.value > 0)
    return len(people) >= min_group and non_zero >= 2


def _widening_order(
    cell: GroupCell[K], cells: Sequence[GroupCell[K]]
) -> tuple[bool, int, int, int]:
    # A non-zero cell helps the fold most; the smallest one costs the reader least.
    return (cell.value == 0, cell.value, len(cell.people), list(cells).index(cell))
