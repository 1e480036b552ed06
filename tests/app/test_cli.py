"""The real `compact-bot` command, as a user runs it: console from a script, export, compact
checks. Each test runs in its own folder with its own SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.harness import EXAMPLE, ROOT

COMPACT_BOT = Path(sys.executable).with_name("compact-bot")


def run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMPACT_FILE")}
    env["COMPACT_SECRET_KEY"] = "t6_p2ToH4bscq71IyF0bTmLCrJOBj2Uf-EDbLtbK2Nc"
    return subprocess.run(
        [str(COMPACT_BOT), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example script replayed through `compact-bot console` once for these tests."""
    folder = tmp_path_factory.mktemp("console")
    script = (ROOT / "examples" / "round.txt").read_text(encoding="utf-8")
    result = run(["console"], folder, script)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


def test_the_example_script_plays_a_round_and_a_callout(played: tuple[Path, str]) -> None:
    _, out = played
    assert "== What we learned and valued ==" in out
    assert "Passed: @bob" in out
    agenda = out[out.index("== Call-outs tabled for discussion ==") :]
    assert "raised anonymously" in agenda and "@bob" not in agenda
    assert (played[0] / "compact-rituals.sqlite3").exists()


def test_export_json_has_reflections_and_callouts_without_reporters(
    played: tuple[Path, str],
) -> None:
    folder, _ = played
    result = run(["export", "--format", "json"], folder)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    learned = {row["learned"] for row in data["reflections"]}
    assert "Early warning made today's hard conversation easy" in learned
    [callout] = data["callouts"]
    assert (callout["clause_id"], callout["about_organisation_key"]) == ("lead-r1", "nhsei")
    assert callout["anonymous"] is True and callout["raised_as"] == "anonymous"
    assert not any("reporter" in key for key in callout)
    assert "bob" not in json.dumps(callout).lower()


def test_export_csv_of_callouts(played: tuple[Path, str]) -> None:
    folder, _ = played
    result = run(["export", "--format", "csv", "--records", "callouts"], folder)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert rows[0]["what_happened"].startswith("Expectations on pace")


def test_a_malformed_compact_is_refused_naming_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("theme: lead", "theme: leed", 1)
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index(next(x for x in text.splitlines() if "theme: leed" in x)) + 1
    result = run(["compact", "check", str(broken)], tmp_path)
    assert result.returncode == 2
    assert f"line {line}" in result.stderr and "leed" in result.stderr
    result = run(["console", "--compact", str(broken)], tmp_path, "")
    assert result.returncode == 2 and f"line {line}" in result.stderr


def test_a_changed_compact_becomes_a_new_version(tmp_path: Path) -> None:
    assert (
        run(["compact", "load", str(EXAMPLE)], tmp_path)
        .stdout.strip()
        .endswith("compact version 1 (new version).")
    )
    again = run(["compact", "load", str(EXAMPLE)], tmp_path)
    assert "version 1 (unchanged)" in again.stdout
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "commitment to early", "commitment to prompt", 1
        ),
        encoding="utf-8",
    )
    assert (
        "version 2 (new version)"
        in run(["compact", "load", "--yes", str(changed)], tmp_path).stdout
    )
