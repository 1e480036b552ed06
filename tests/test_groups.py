"""The group-size rule: small groups fold, and no hidden figure comes back by subtraction."""

from __future__ import annotations

from collections.abc import Hashable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rituals.groups import (
    GroupCell,
    GroupedFigures,
    apply_group_rule,
    apply_group_rule_jointly,
    hidden_parts_safe,
)


def cell(key: str, value: int, *people: str) -> GroupCell[str]:
    return GroupCell(key, value, frozenset[Hashable](people))


def test_groups_of_enough_people_are_shown_with_their_total() -> None:
    figures = apply_group_rule(
        [cell("nhsei", 4, "a", "b", "c"), cell("northgate", 2, "d", "e", "f")], 3
    )
    assert figures.shown == (("nhsei", 4), ("northgate", 2))
    assert (figures.folded, figures.other, figures.total) == ((), None, 6)


def test_two_small_groups_fold_into_other_partners() -> None:
    figures = apply_group_rule(
        [
            cell("nhsei", 4, "a", "b", "c"),
            cell("northgate", 2, "d", "e"),
            cell("eastmoor", 1, "f"),
        ],
        3,
    )
    assert figures.shown == (("nhsei", 4),)
    assert figures.folded == ("northgate", "eastmoor")
    assert (figures.other, figures.total) == (3, 7)
    assert figures.value("northgate") is None


def test_one_small_group_pulls_the_smallest_shown_one_into_the_fold() -> None:
    # Alone in the fold, Eastmoor's 1 would be the total minus the shown cells.
    figures = apply_group_rule(
        [
            cell("nhsei", 9, "a", "b", "c"),
            cell("northgate", 2, "d", "e", "g"),
            cell("eastmoor", 1, "f"),
        ],
        3,
    )
    assert figures.shown == (("nhsei", 9),)
    assert figures.folded == ("northgate", "eastmoor")
    assert (figures.other, figures.total) == (3, 12)


def test_a_fold_of_too_few_people_hides_everything_when_nothing_can_widen_it() -> None:
    figures = apply_group_rule([cell("northgate", 2, "d"), cell("eastmoor", 1, "e")], 3)
    assert figures.hidden and figures.shown == () and figures.other is None


def test_a_fold_whose_only_non_zero_member_would_show_through_is_widened() -> None:
    figures = apply_group_rule(
        [
            cell("nhsei", 5, "a", "b", "c"),
            cell("northgate", 2, "d", "e"),
            cell("eastmoor", 0, "f"),
        ],
        3,
    )
    # Northgate's 2 would equal "other partners" if Eastmoor were known to be 0.
    assert figures.shown == ()
    assert (figures.other, figures.total) == (7, 7)


def test_an_empty_family_is_a_zero_total_and_min_group_must_be_positive() -> None:
    assert apply_group_rule([], 3) == GroupedFigures((), (), None, 0)
    nobody = [cell("a", 0), cell("b", 0)]
    assert apply_group_rule(nobody, 3) == GroupedFigures((("a", 0), ("b", 0)), (), None, 0)
    with pytest.raises(ValueError, match="min_group"):
        apply_group_rule([cell("a", 1, "x")], 0)
    with pytest.raises(ValueError, match="once"):
        apply_group_rule([cell("a", 1, "x"), cell("a", 2, "y")], 1)


def test_min_group_one_shows_every_cell() -> None:
    cells = [cell("a", 3, "x"), cell("b", 0), cell("c", 2, "y")]
    figures = apply_group_rule(cells, 1)
    # `b` has nobody in it, so even at 1 it is not a group anyone can be singled out in.
    assert figures.shown == (("a", 3), ("c", 2))
    assert figures.total == 5


PEOPLE = [f"p{i}" for i in range(9)]
families = st.lists(
    st.tuples(st.integers(0, 6), st.frozensets(st.sampled_from(PEOPLE), max_size=6)),
    max_size=7,
).map(
    lambda items: [
        GroupCell(f"g{index}", value, frozenset[Hashable](people))
        for index, (value, people) in enumerate(items)
    ]
)


@given(families, st.integers(1, 5))
def test_no_shown_cell_is_about_fewer_than_min_group_people(
    cells: list[GroupCell[str]], min_group: int
) -> None:
    figures = apply_group_rule(cells, min_group)
    people = {c.key: c.people for c in cells}
    # A zero about nobody at all may show: it is about no one.
    assert all(
        len(people[key]) >= min_group or value == 0 == len(people[key])
        for key, value in figures.shown
    )
    if figures.other is not None:
        folded_people = frozenset[Hashable]().union(*(people[k] for k in figures.folded))
        assert len(folded_people) >= min_group


@given(families, st.integers(1, 5))
def test_no_hidden_figure_is_a_shown_total_minus_the_shown_cells(
    cells: list[GroupCell[str]], min_group: int
) -> None:
    figures = apply_group_rule(cells, min_group)
    values = {c.key: c.value for c in cells}
    about_nobody = {c.key for c in cells if not c.people and c.value == 0}
    shown_sum = sum(value for _, value in figures.shown)
    totals = [t for t in (figures.total, figures.other) if t is not None]
    remainders = {figures.total - shown_sum} if figures.total is not None else set()
    remainders |= {figures.other} if figures.other is not None else set()
    for key in set(figures.folded) - about_nobody:
        assert values[key] not in remainders
    # And what is shown adds up: shown cells and the fold make the total.
    if figures.total is not None:
        assert shown_sum + (figures.other or 0) == figures.total == sum(values.values())
    assert len(totals) <= 2


@given(families, st.integers(1, 5))
def test_every_group_is_either_shown_or_folded_once(
    cells: list[GroupCell[str]], min_group: int
) -> None:
    figures = apply_group_rule(cells, min_group)
    keys = [key for key, _ in figures.shown] + list(figures.folded)
    assert sorted(keys) == sorted(c.key for c in cells)


# --- Parts of a longer span (the weeks of a quarter) ------------------------------------------


def test_a_span_figure_is_withheld_when_it_would_give_away_a_withheld_week() -> None:
    weeks = [cell("w1", 4, "a", "b", "c"), cell("w2", 1, "d"), cell("w3", 2, "a", "b", "e")]
    # w2 was withheld in its digest (one person): the quarter's 7 less 4 and 2 would be its 1.
    assert not hidden_parts_safe(weeks, 3)
    # Two withheld weeks of two people each, both counted: together only.
    both = [*weeks[:2], cell("w3", 2, "e", "f")]
    assert hidden_parts_safe(both, 3)
    # A withheld week with nothing cited still says "nobody of them cited it".
    assert not hidden_parts_safe([weeks[0], cell("w2", 0, "d"), cell("w4", 3, "x", "y")], 3)
    # Weeks about nobody withhold nothing; all shown, nothing to give away.
    assert hidden_parts_safe([weeks[0], cell("w2", 0)], 3)
    assert hidden_parts_safe([weeks[0], weeks[2]], 3)


@given(families, st.integers(1, 5))
def test_a_span_figure_shown_beside_its_parts_never_equals_one_withheld_part(
    parts: list[GroupCell[str]], min_group: int
) -> None:
    if not hidden_parts_safe(parts, min_group):
        return
    shown = [p for p in parts if len(p.people) >= min_group or not (p.people or p.value)]
    withheld = [p for p in parts if p not in shown]
    remainder = sum(p.value for p in parts) - sum(p.value for p in shown)
    if withheld:
        assert len(frozenset[Hashable]().union(*(p.people for p in withheld))) >= min_group
        assert sum(1 for p in withheld if p.value) >= 2
        assert all(remainder != p.value for p in withheld)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 6), st.integers(0, 6), st.frozensets(st.sampled_from(PEOPLE), max_size=5)
        ),
        max_size=6,
    ),
    st.integers(1, 4),
)
def test_figures_about_the_same_groups_show_each_group_whole_or_fold_it_whole(
    rows: list[tuple[int, int, frozenset[str]]], min_group: int
) -> None:
    columns = [
        [GroupCell(f"g{i}", row[column], frozenset[Hashable](row[2])) for i, row in enumerate(rows)]
        for column in (0, 1)
    ]
    first, second = apply_group_rule_jointly(columns, min_group)
    assert [key for key, _ in first.shown] == [key for key, _ in second.shown]
    for figures, cells in ((first, columns[0]), (second, columns[1])):
        people = {c.key: c.people for c in cells}
        assert all(len(people[key]) >= min_group or not people[key] for key, _ in figures.shown)
        if figures.other is not None:
            assert (
                len(frozenset[Hashable]().union(*(people[k] for k in figures.folded))) >= min_group
            )
            values = {c.key: c.value for c in cells}
            # The fold is never one group's own figure: two of its groups are counted.
            assert sum(1 for key in figures.folded if values[key]) >= 2
        if figures.total is not None:
            assert sum(v for _, v in figures.shown) + (figures.other or 0) == figures.total
