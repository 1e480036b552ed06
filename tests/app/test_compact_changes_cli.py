"""`compact-bot compact diff|load` on a changed file (issue 11): every kind of change is
printed before anything is stored; a stored compact changes only once confirmed; a change that
would leave the partnership without a facilitator is refused with the reason."""

from __future__ import annotations

from pathlib import Path

from pytest import MonkeyPatch
from typer.testing import CliRunner

from bot import cli as cli_module
from tests.app.harness import EXAMPLE
from tests.app.test_cli import run

CHAIRS = "facilitators: [alice]"


def _variant(folder: Path, name: str, *edits: tuple[str, str]) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


NEW_CLAUSE = (
    "    - id: lead-h4\n",
    "    - id: lead-h5\n      theme: lead\n      role: hospital\n"
    "      text: Share what works\n    - id: lead-h4\n",
)
DROP_CLAUSE = ("    - id: lead-h1\n      theme: lead\n      role: hospital\n"
               "      text: Support board stability and longevity\n", "")  # fmt: skip
REWORD = ("Support board stability", "Support board continuity")
DROP_CAROL = ("      - handle: carol\n        name: Carol Chen\n"
              "        email: carol@eastmoor.example\n", "")  # fmt: skip
ADD_FRANK = ("        email: dan@westbrook.example\n",
             "        email: dan@westbrook.example\n      - handle: frank\n"
             "        name: Frank Fern\n")  # fmt: skip


def test_diff_names_each_kind_of_change_and_stores_nothing(tmp_path: Path) -> None:
    assert run(["compact", "load", str(EXAMPLE)], tmp_path).returncode == 0
    changed = _variant(
        tmp_path,
        "changed.yaml",
        NEW_CLAUSE,
        DROP_CLAUSE,
        ("Keep commitments on deliverables", "Keep commitments on outcomes"),
        DROP_CAROL,
        ADD_FRANK,
        (CHAIRS, "facilitators: [bob, frank]\n  channels: [{slack: C0PARTNERS}]"),
        ("  order: alternating", "  order: shuffled"),
    )
    result = run(["compact", "diff", str(changed)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "nhs-vmi: changes to stored version 1:",
        "  clauses added: lead-h5",
        "  clauses removed: lead-h1",
        "  clauses reworded: lead-h3",
        "  people added: frank",
        "  people removed (they stop being members at once): carol",
        "  facilitators added: bob, frank",
        "  facilitators removed (their rights end at once): alice",
        "  channels added: slack C0PARTNERS",
        "  other content changed (vision, themes, organisations or settings)",
    ]
    again = run(["compact", "load", str(EXAMPLE)], tmp_path)
    assert "version 1 (unchanged)" in again.stdout  # the diff stored nothing
    assert "no changes (stored version 1)" in again.stdout


def test_a_change_is_stored_only_once_confirmed(tmp_path: Path) -> None:
    first = run(["compact", "load", str(EXAMPLE)], tmp_path)
    assert "a new partnership — 23 clauses, 5 people, 1 facilitators" in first.stdout
    reworded = _variant(tmp_path, "reworded.yaml", REWORD)
    refused = run(["compact", "load", str(reworded)], tmp_path)  # no terminal, no --yes
    assert refused.returncode == 2
    assert "clauses reworded: lead-h1" in refused.stdout
    assert "not stored — confirm the changes above by passing --yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "no changes" in run(["compact", "diff", str(EXAMPLE)], tmp_path).stdout
    stored = run(["compact", "load", "--yes", str(reworded)], tmp_path)
    assert stored.returncode == 0 and "version 2 (new version)" in stored.stdout


def test_a_change_leaving_no_facilitator_is_refused_with_the_reason(tmp_path: Path) -> None:
    assert run(["compact", "load", str(EXAMPLE)], tmp_path).returncode == 0
    orphaned = _variant(tmp_path, "orphaned.yaml", (CHAIRS, "facilitators: []"))
    for command in (["compact", "diff"], ["compact", "load", "--yes"]):
        result = run([*command, str(orphaned)], tmp_path)
        assert result.returncode == 2
        assert "it would leave partnership nhs-vmi without a facilitator (alice" in result.stderr
    assert "no changes" in run(["compact", "diff", str(EXAMPLE)], tmp_path).stdout


def test_on_a_terminal_the_change_is_asked_about(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """In process, with a terminal: "n" stores nothing, "y" stores the new version."""
    monkeypatch.setattr(cli_module, "_has_terminal", lambda: True)
    monkeypatch.setenv("COMPACT_SECRET_KEY", "t6_p2ToH4bscq71IyF0bTmLCrJOBj2Uf-EDbLtbK2Nc")
    database = ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'compact.db'}"]
    runner = CliRunner()
    assert (
        runner.invoke(cli_module.cli, ["compact", "load", str(EXAMPLE), *database]).exit_code == 0
    )
    reworded = _variant(tmp_path, "reworded.yaml", REWORD)
    declined = runner.invoke(cli_module.cli, ["compact", "load", str(reworded), *database], "n\n")
    assert declined.exit_code == 1
    assert "Store these changes?" in declined.output and "not stored." in declined.output
    agreed = runner.invoke(cli_module.cli, ["compact", "load", str(reworded), *database], "y\n")
    assert agreed.exit_code == 0, agreed.output
    assert "version 2 (new version)" in agreed.output
