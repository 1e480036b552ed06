"""The command line's rough edges (issue 13), run as a user runs them: one clear line and a
non-zero exit instead of a traceback, the CSV header with no rows, `digest send` messages,
the console reusing a stored compact and ending at once on Ctrl-C, the Teams package file,
and `./scripts/console` installing only when the project changed."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.app.harness import EXAMPLE, ROOT
from tests.app.test_cli import COMPACT_BOT, run

NOBODY_LISTENS = "postgresql://postgres@127.0.0.1:1/test"


def one_clear_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def test_compact_check_on_an_unreadable_path_says_so_in_one_line(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"partnership:\n  name: caf\xe9\n")
    missing = one_clear_line(run(["compact", "check", str(tmp_path / "nope.yaml")], tmp_path), 2)
    assert "cannot read it: No such file or directory" in missing
    assert "is a folder" in one_clear_line(run(["compact", "check", str(tmp_path)], tmp_path), 2)
    encoding = one_clear_line(run(["compact", "check", str(latin1)], tmp_path), 2)
    assert "line 2: it is not UTF-8 text" in encoding
    assert "line 2" in one_clear_line(run(["compact", "load", str(latin1)], tmp_path), 2)


def test_compact_check_names_every_problem(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace("theme: lead", "theme: leed", 1).replace("email: bob@", "email: bob-at-", 1),
        encoding="utf-8",
    )
    result = run(["compact", "check", str(broken)], tmp_path)
    assert result.returncode == 2
    assert "unknown theme 'leed'" in result.stderr
    assert "does not look like an email address" in result.stderr


def test_export_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = run(["export", "--output", str(tmp_path / "no" / "such" / "out.json")], tmp_path)
    assert "there is no folder" in one_clear_line(result, 2)


@pytest.mark.parametrize(
    "command",
    [["export"], ["digest", "send", "--all"]],
)
def test_an_unreachable_database_is_one_line(tmp_path: Path, command: list[str]) -> None:
    line = one_clear_line(run([*command, "--database-url", NOBODY_LISTENS], tmp_path), 3)
    assert line.startswith("Cannot use the database at postgresql+asyncpg://postgres@")
    missing = "sqlite:////nonexistent-folder/compact.sqlite3"
    line = one_clear_line(run([*command, "--database-url", missing], tmp_path), 3)
    assert line.endswith("there is no folder /nonexistent-folder")


def test_csv_export_with_no_rows_writes_the_header(tmp_path: Path) -> None:
    result = run(["export", "--format", "csv", "--records", "callouts"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("partnership_slug,callout_id,")
    assert len(result.stdout.splitlines()) == 1


def test_digest_send_says_what_is_missing(tmp_path: Path) -> None:
    empty = one_clear_line(run(["digest", "send", "--all"], tmp_path), 2)
    assert "There is no partnership in this database yet" in empty
    assert "compact-bot compact load FILE" in empty
    assert run(["compact", "load", str(EXAMPLE)], tmp_path).returncode == 0
    period = one_clear_line(run(["digest", "send", "--all", "--period", "2026-W99"], tmp_path), 2)
    assert period == "'2026-W99' is not an ISO week; write it like 2026-W48"
    unknown = one_clear_line(run(["digest", "send", "--partnership", "nope"], tmp_path), 2)
    assert unknown == "There is no partnership 'nope'; there are: nhs-vmi."
    skipped = run(["digest", "send", "--all", "--period", "2026-W48"], tmp_path)
    assert "nhs-vmi 2026-W48: skipped: no channel gets it" in skipped.stdout


def test_the_console_keeps_a_compact_loaded_since(tmp_path: Path) -> None:
    """Bug 8: each `console` after a `compact load` stored the example again (a version)."""
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("commitment to early", "commitment to prompt"),
        encoding="utf-8",
    )
    assert run(["console"], tmp_path).returncode == 0  # stores the example: version 1
    assert "version 2 (new" in run(["compact", "load", "--yes", str(changed)], tmp_path).stdout
    played = run(["console"], tmp_path)
    assert "compact version 2." in played.stdout
    assert "version 2 (unchanged)" in run(["compact", "load", str(changed)], tmp_path).stdout
    assert "compact version 3." in run(["console", "--compact", str(EXAMPLE)], tmp_path).stdout


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_ends_the_interactive_console_at_once(tmp_path: Path) -> None:
    """Bug 9: the console waited for one more line before it would stop."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMPACT_FILE")}
    env["COMPACT_SECRET_KEY"] = "t6_p2ToH4bscq71IyF0bTmLCrJOBj2Uf-EDbLtbK2Nc"
    process = subprocess.Popen(
        [str(COMPACT_BOT), "console"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,  # kept open: the console is waiting for a line
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal sends it, even when this test runs as a background job (which
        # starts with SIGINT ignored, and the console would inherit that).
        preexec_fn=_interruptible,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        for line in process.stdout:  # up to the greeting (a console that died ends the loop)
            if "Speak as anyone" in line:
                break
        process.send_signal(signal.SIGINT)
        # Wait with stdin still open: closing it (as `communicate` does) would end the old
        # console's pending read just as Enter would, and hide the bug.
        process.wait(timeout=30)
        stderr = process.stderr.read()
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_the_teams_package_goes_where_output_says_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "out" / "teams.zip"
    target.parent.mkdir()
    result = subprocess.run(
        [
            str(COMPACT_BOT),
            "teams",
            "package",
            "--app-id",
            "00000000-0000-4000-8000-000000000001",
            "--host",
            "compact.example.org",
            "--output",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: os.umask(0o077),
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert "https://compact.example.org/privacy" in result.stdout


def test_scripts_console_installs_only_when_the_project_changed(tmp_path: Path) -> None:
    """A fake virtualenv records each pip run instead of installing."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "console", project / "scripts" / "console")
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    fake_python = textwrap.dedent(
        f"""\
        #!/bin/sh
        if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
            echo "$*" >> "{tmp_path}/pip-runs"; echo "setuptools noise"; exit 0
        fi
        exec "{sys.executable}" "$@"
        """
    )
    for name, body in (("python", fake_python), ("compact-bot", "#!/bin/sh\necho console\n")):
        (bin_dir / name).write_text(body, encoding="utf-8")
        (bin_dir / name).chmod(0o755)

    def start() -> subprocess.CompletedProcess[str]:
        # Its own .venv, whatever VENV the caller runs in (CI exports one for ./scripts/test).
        env = {k: v for k, v in os.environ.items() if k != "VENV"}
        return subprocess.run(
            ["bash", "scripts/console"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )

    first = start()
    assert first.stdout == "console\n"
    assert first.stderr.splitlines() == [
        "Installing Compact Rituals into .venv (first run, or pyproject.toml changed)..."
    ]
    runs = (tmp_path / "pip-runs").read_text(encoding="utf-8").splitlines()
    assert len(runs) == 2  # pip itself, then the project
    again = start()
    assert (again.stdout, again.stderr) == ("console\n", "")
    assert len((tmp_path / "pip-runs").read_text(encoding="utf-8").splitlines()) == 2
    (project / "pyproject.toml").write_text("[project]\nname = 'y'\n", encoding="utf-8")
    start()
    assert len((tmp_path / "pip-runs").read_text(encoding="utf-8").splitlines()) == 4
