"""`compact-bot people|retention|partnership|audit` as an operator runs them: one clear line
and a non-zero exit for every refusal, and nothing changed by a refusal."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli_rights
from bot.cli import cli
from tests.app.harness import EXAMPLE, ROOT
from tests.app.test_cli import run

SECRET = "t6_p2ToH4bscq71IyF0bTmLCrJOBj2Uf-EDbLtbK2Nc"
DATABASE = "compact-rituals.sqlite3"


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example round and call-out, played once through `compact-bot console`."""
    folder = tmp_path_factory.mktemp("played")
    script = (ROOT / "examples" / "round.txt").read_text(encoding="utf-8")
    result = run(["console"], folder, script)
    assert result.returncode == 0, result.stderr
    return folder / DATABASE


@pytest.fixture
def bot(played: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner on a fresh copy of the played database."""
    shutil.copy(played, tmp_path / DATABASE)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / DATABASE}")
    monkeypatch.setenv("COMPACT_SECRET_KEY", SECRET)
    monkeypatch.delenv("COMPACT_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def invoke(bot: CliRunner, *args: str, stdin: str = "") -> tuple[int, str, str]:
    result = bot.invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def dump(bot: CliRunner) -> str:
    """What the database holds, as the evaluation export shows it plus the people."""
    code, out, _ = invoke(bot, "people", "export", "@alice")
    assert code == 0
    data = json.loads(out)
    del data["exported_at"]
    return json.dumps(data) + invoke(bot, "export", "--format", "json")[1]


def test_an_unknown_person_is_one_line_exit_1_and_nothing_changes(bot: CliRunner) -> None:
    before = invoke(bot, "export", "--format", "json")[1]
    code, out, err = invoke(bot, "people", "forget", "@nobody")
    assert (code, out) == (1, "")
    assert err == "Nobody matches '@nobody'; nothing was changed.\n"
    assert invoke(bot, "export", "--format", "json")[1] == before
    assert invoke(bot, "people", "export", "zed@example.org")[0] == 1


def test_an_ambiguous_person_is_refused_with_the_candidates(bot: CliRunner, tmp_path: Path) -> None:
    second = tmp_path / "second.yaml"
    second.write_text(EXAMPLE.read_text().replace("slug: nhs-vmi", "slug: second"))
    assert invoke(bot, "compact", "load", str(second))[0] == 0
    code, out, err = invoke(bot, "people", "forget", "@bob")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "'@bob' matches 2 people" in err and "nhs-vmi: @bob" in err and "second: @bob" in err
    assert "--partnership SLUG" in err
    code, out, _ = invoke(bot, "people", "forget", "@bob", "--partnership", "second")
    assert code == 0 and out.startswith("Forgot second: @bob")
    assert invoke(bot, "people", "export", "@bob")[0] == 0, "the other partnership's Bob stays"


def test_forget_then_again_changes_nothing_the_second_time(bot: CliRunner) -> None:
    code, out, _ = invoke(bot, "people", "forget", "@carol")
    assert code == 0
    assert '1 reflection(s) kept as "a former participant"' in out
    after = dump(bot)
    for who in ("@carol", "carol", "carol@eastmoor.example"):  # handle, user id, email
        code, out, _ = invoke(bot, "people", "forget", who)
        assert (code, out) == (0, f"'{who}' was forgotten already; nothing was changed.\n")
    assert dump(bot) == after
    exported = json.loads(invoke(bot, "export", "--format", "json")[1])
    authors = {r["author_name"] for r in exported["reflections"]}
    assert authors == {"Alice Adeyemi", "a former participant"}


def test_with_reflections_their_answers_go(bot: CliRunner) -> None:
    before = json.loads(invoke(bot, "export", "--format", "json")[1])["reflections"]
    code, out, _ = invoke(bot, "people", "forget", "@carol", "--with-reflections")
    assert code == 0 and "1 reflection(s) deleted" in out
    after = json.loads(invoke(bot, "export", "--format", "json")[1])["reflections"]
    assert len(after) == len(before) - 1


def test_forget_needs_a_person_or_reapply_not_both(bot: CliRunner) -> None:
    for args in ((), ("@bob", "--reapply")):
        code, out, err = invoke(bot, "people", "forget", *args)
        assert (code, out, err.count("\n")) == (2, "", 1)
        assert "--reapply" in err
    code, out, _ = invoke(bot, "people", "forget", "--reapply")
    assert (code, out) == (0, "Re-applied the erasure list: 0 person(s) forgotten again.\n")


def test_reapply_after_the_compact_file_brought_them_back(bot: CliRunner) -> None:
    invoke(bot, "people", "forget", "@bob")
    assert invoke(bot, "compact", "load", str(EXAMPLE), "--yes")[0] == 0  # it still names Bob
    assert invoke(bot, "people", "export", "@bob")[0] == 0
    code, out, _ = invoke(bot, "people", "forget", "--reapply")
    assert (code, out) == (0, "Re-applied the erasure list: 1 person(s) forgotten again.\n")
    assert invoke(bot, "people", "export", "@bob")[0] == 1


def test_export_to_a_file_is_private_and_audited(bot: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "sar.json"
    code, out, _ = invoke(bot, "people", "export", "bob@northgate.example", "--output", str(target))
    assert code == 0 and "readable by you only" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text())
    assert data["person"]["handle"] == "bob"
    assert [r["outcome"] for r in data["rounds"]] == ["passed"]
    assert data["named_callouts"] == [], "his call-out was anonymous: not found, and it says so"
    assert "cannot be searched without the secret key" in data["anonymous_callouts"]
    code, out, _ = invoke(bot, "audit", "--partnership", "nhs-vmi")
    assert code == 0 and out.rstrip().endswith("export  person 2")


def test_partnership_delete_needs_a_confirmation(
    bot: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = invoke(bot, "partnership", "delete", "nhs-vmi")
    assert (code, out) == (2, "")
    assert err == (
        "Deleting a partnership needs a confirmation: run it in a terminal, or pass --yes.\n"
    )
    code, _, err = invoke(bot, "partnership", "delete", "nope", "--yes")
    assert (code, err) == (2, "There is no partnership called 'nope'; nothing was changed.\n")

    monkeypatch.setattr(cli_rights, "_is_terminal", lambda: True)
    code, _, err = invoke(bot, "partnership", "delete", "nhs-vmi", stdin="nhs-vm\n")
    assert (code, err.splitlines()[-1]) == (1, "Not deleted: that was not 'nhs-vmi'.")
    assert invoke(bot, "people", "export", "@alice")[0] == 0
    code, out, _ = invoke(bot, "partnership", "delete", "nhs-vmi", stdin="nhs-vmi\n")
    assert code == 0 and "Deleted partnership nhs-vmi" in out
    assert invoke(bot, "people", "export", "@alice")[0] == 1
    exported = json.loads(invoke(bot, "export", "--format", "json")[1])
    assert exported == {"reflections": [], "callouts": []}
    code, out, _ = invoke(bot, "audit")
    assert "partnership delete  nhs-vmi" in out


def test_retention_run_prints_counts_only(bot: CliRunner) -> None:
    code, out, _ = invoke(bot, "retention", "run")
    assert code == 0
    assert out.startswith("Retention: erased the texts of 0 withdrawn call-out(s)")
    assert out.count("\n") == 1


def test_audit_of_an_empty_trail(bot: CliRunner) -> None:
    assert invoke(bot, "audit") == (0, "The audit trail is empty.\n", "")
