"""The standing rules of the house, read from the source with `ast`: no class in `bot/` over
25 methods, no production function over 80 lines (see docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("bot", "adapters", "storage", "rituals")
GENERATED = ROOT / "storage" / "migrations" / "versions"  # Alembic revisions, written once
MAX_METHODS = 25
MAX_FUNCTION_LINES = 80
SHOWN = 10

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _modules(*packages: str) -> Iterator[tuple[str, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if GENERATED not in path.parents:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text("utf-8"), str(path))


def method_counts() -> list[tuple[int, str]]:
    """(methods, "file:Class") for every class in `bot/`; a method is a def directly in the
    class body, public or private (functions nested inside a method are not)."""
    counts = []
    for name, module in _modules("bot"):
        for node in ast.walk(module):
            if isinstance(node, ast.ClassDef):
                methods = [item for item in node.body if isinstance(item, Function)]
                counts.append((len(methods), f"{name}:{node.name}"))
    return sorted(counts, reverse=True)


def function_lengths() -> list[tuple[int, str]]:
    """(lines, "file:line name") for every function and method, nested ones included, from
    its `def` (decorators left out) to its last line."""
    lengths = []
    for name, module in _modules(*PRODUCTION):
        for node in ast.walk(module):
            if isinstance(node, Function):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                lengths.append((lines, f"{name}:{node.lineno} {node.name}"))
    return sorted(lengths, reverse=True)


def _worst(over: list[tuple[int, str]]) -> str:
    """The worst offenders, largest first, one a line."""
    shown = "\n".join(f"  {count:4d}  {where}" for count, where in over[:SHOWN])
    return shown + (f"\n  ... and {len(over) - SHOWN} more" if len(over) > SHOWN else "")


def test_the_rules_see_the_code() -> None:
    """Guards the guards: an empty walk (a moved folder) would pass everything."""
    assert len(method_counts()) > 20
    assert len(function_lengths()) > 500


def test_no_class_in_bot_has_more_than_25_methods() -> None:
    over = [c for c in method_counts() if c[0] > MAX_METHODS]
    assert not over, f"{len(over)} classes over {MAX_METHODS} methods:\n{_worst(over)}"


def test_no_production_function_is_over_80_lines() -> None:
    over = [f for f in function_lengths() if f[0] > MAX_FUNCTION_LINES]
    assert not over, f"{len(over)} functions over {MAX_FUNCTION_LINES} lines:\n{_worst(over)}"
