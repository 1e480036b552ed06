"""`compact-bot dashboard link` and `compact-bot minutes`, run as an operator would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.links import DASHBOARD, PageLinks
from tests.app.test_cli import run
from tests.pages_seed import LARGE, SLUG

SECRET = b"t6_p2ToH4bscq71IyF0bTmLCrJOBj2Uf-EDbLtbK2Nc"  # what `run` sets as COMPACT_SECRET_KEY


def test_the_operator_gets_a_signed_link_and_the_papers(tmp_path: Path) -> None:
    database = f"--database-url=sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["compact", "load", str(LARGE), database], tmp_path).returncode == 0
    linked = run(
        ["dashboard", "link", "--partnership", SLUG, "--for", "amir@example.org", database],
        tmp_path,
    )
    assert linked.returncode == 0, linked.stderr
    url = linked.stdout.strip()
    assert url.startswith(f"http://localhost:3000/p/{SLUG}?t=") and "amir" not in url
    grant = PageLinks(SECRET, "http://x").check(
        url.split("?t=")[1], slug=SLUG, page=DASHBOARD, now=datetime.now(UTC)
    )
    assert grant.person == PageLinks(SECRET, "http://x").person_for_email("amir@example.org")
    unknown = run(
        ["dashboard", "link", "--partnership", "nope", "--for", "a@b.c", database], tmp_path
    )
    assert unknown.returncode == 2 and "no partnership called 'nope'" in unknown.stderr
    papers = run(["minutes", "--partnership", SLUG, "--date", "2026-11-24", database], tmp_path)
    assert papers.returncode == 0, papers.stderr
    assert papers.stdout.startswith("# NHS–VMI partnership: meeting of 24 November 2026")
    assert "No reflections were shared that day." in papers.stdout
    wrong = run(["minutes", "--partnership", SLUG, "--date", "24/11", database], tmp_path)
    assert wrong.returncode == 2 and "not a day" in wrong.stderr
