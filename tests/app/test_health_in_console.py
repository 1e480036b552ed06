"""`/compact health` and `/compact review` in the console, on a quarter of the larger demo:
private, figures as the facts say and none about fewer than `min_group` people, triggers a
facilitator can act on, announced once by the digest, closed by a reworded clause."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.session import console_channel, console_user
from bot import actions
from bot.requests import ActionRequest, Actor
from bot.usecases.compacts import load_compact_file
from bot.usecases.health import health_report
from bot.views.health import figure
from rituals.compact_yaml import parse_compact
from rituals.health import quarter
from tests.app.harness import EXAMPLE, ROOT, Chat, open_chat
from tests.fakes.memory import MemoryDatabase

LARGE = ROOT / "examples" / "partnership-large.yaml"
QUARTER_START = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # a Monday, early in 2026-Q4
LONDON_Q4 = "2026-Q4"


def quarter_script() -> str:
    text = (ROOT / "examples" / "quarter.txt").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if line.strip() and line[0] != "#")


async def played_quarter(memory: MemoryDatabase, compact: Path = LARGE) -> Chat:
    chat = await open_chat(memory, compact)
    chat.clock.moment = QUARTER_START
    await chat.play(quarter_script())
    return chat


def section(text: str, heading: str) -> str:
    """The lines of one heading's table (up to the next heading)."""
    found = re.search(rf"== {re.escape(heading)} ==\n(.*?)(?=\n\s*==|\Z)", text, re.DOTALL)
    return found[1] if found else ""


def columns(table: str) -> dict[str, str]:
    """A heading's table split by the side whose clauses each part is about."""
    parts = re.split(r"• (\w+)'s clauses:", table)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


async def test_health_is_private_and_its_figures_are_the_facts(memory: MemoryDatabase) -> None:
    chat = await played_quarter(memory)
    out = await chat.play(f"@bea: /compact health --quarter {LONDON_Q4}")
    assert chat.channel(out) == ""
    text = chat.private("bea", out)
    assert "Health of the compact — NHS–VMI partnership, 2026-Q4" in text
    assert "lead-r1: called out on 2 different days (2026-10-12, 2026-10-26) [open]" in text
    assert "review lead-r1" not in text  # no buttons for a member who does not facilitate
    compact = parse_compact(LARGE.read_text(encoding="utf-8"))
    report = await health_report(chat.wiring.services, 1, quarter(LONDON_Q4, UTC))
    names = {o.id: o.name for o in compact.organisations} | {r.id: r.name for r in compact.roles}
    checked = 0
    for theme in compact.themes:
        tables = columns(section(text, f"{theme.title} ({theme.id})"))
        for cell in report.matrix.organisations + report.matrix.roles:
            if cell.theme_id != theme.id or cell.from_side not in names:
                continue
            table = tables.get(names[cell.to_role], "")
            side = f"by {names[cell.from_side]}:"
            if cell.valued.value is None and cell.called_out.value is None:
                assert side not in table, (theme.id, cell)
            elif cell.valued.value or cell.called_out.value:
                line = f"{side} valued {figure(cell.valued)}, called out {figure(cell.called_out)}"
                assert line in table, (theme.id, cell)
                checked += 1
    assert checked >= 20  # the quarter leaves figures to show (compact.yaml's hides them)
    assert "Some call-outs were anonymous" in text


async def test_with_one_person_an_organisation_no_figure_about_anyone_is_shown(
    memory: MemoryDatabase,
) -> None:
    """examples/compact.yaml names one person in each organisation: under the default
    `min_group` of 3, no organisation's figure and no regulator's figure may appear."""
    chat = await played_quarter(memory, EXAMPLE)
    out = await chat.play(f"@alice: /compact health --quarter {LONDON_Q4}")
    text = chat.private("alice", out)
    assert "Health of the compact" in text
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
    for organisation in compact.organisations:
        assert organisation.name not in text
    assert re.search(r"by Regulator: valued \d", text) is None
    assert re.search(r"by Regulator: valued .*called out \d", text) is None
    assert re.search(r"about .*: called out \d", text) is None


async def test_bad_input_and_strangers_get_clear_private_words(memory: MemoryDatabase) -> None:
    chat = await played_quarter(memory)
    out = await chat.play(
        """
        @bea: /compact health nowhere
        @bea: /compact health --quarter 2026-Q5
        @bea: /compact health env --quarter
        @zed: /compact health
        @bea: /compact review lead-r1 discussed
        @alice: /compact review lead-r1 maybe
        @alice: /compact review zzz-9 discussed
        @alice: /compact review env-r1 discussed
        """
    )
    assert chat.channel(out) == ""
    bea = chat.private("bea", out)
    assert "There is no heading or clause 'nowhere'" in bea and "env, exc, lis, lead" in bea
    assert "'2026-Q5' is not a quarter; write it like 2026-Q4." in bea
    assert "Name the quarter after `--quarter`" in bea
    assert "Only the partnership's facilitators can mark a review" in bea
    assert "Only the partnership's members and facilitators" in chat.private("zed", out)
    alice = chat.private("alice", out)
    assert "Use `/compact review <clause-id> discussed`" in alice
    assert "There is no clause 'zzz-9'" in alice
    assert "Clause env-r1 is not proposed for review in 2026-Q4." in alice


async def test_a_facilitator_marks_a_review_discussed_then_the_clause_revised(
    memory: MemoryDatabase,
) -> None:
    chat = await played_quarter(memory)
    out = await chat.play("@alice: /compact health lead-r1")
    text = chat.private("alice", out)
    assert "/compact review lead-r1 --quarter 2026-Q4 discussed" in text  # the buttons
    assert "lead-h3" not in text  # narrowed to one clause
    out = await chat.play("@alice: /compact review lead-r1 discussed")
    assert "the review of lead-r1 (2026-Q4) was discussed" in chat.private("alice", out)
    out = await chat.play("@bob: /compact health lead")
    text = chat.private("bob", out)
    assert "lead-r1: called out on 2 different days (2026-10-12, 2026-10-26) [discussed]" in text
    assert "review lead-r1 --quarter 2026-Q4 discussed" not in text
    assert "review lead-r1 --quarter 2026-Q4 revised" in text
    # The "Clause revised" button, pressed twice: applied once.
    press = ActionRequest(
        Actor(console_user("bob"), "Bob Birch"),
        console_channel(),
        actions.REVIEW_REVISED,
        "lead-r1 --quarter 2026-Q4",
        request_id="press-1",
    )
    start = len(chat.lines)
    await chat.wiring.app.action(press)
    await chat.wiring.app.action(press)
    assert chat.private("bob", chat.lines[start:]).count("was revised") == 1
    out = await chat.play("@bea: /compact health lead")
    assert "lead-r1: called out on 2 different days (2026-10-12, 2026-10-26) [clause revised]" in (
        chat.private("bea", out)
    )


async def test_the_digest_announces_each_new_trigger_once(memory: MemoryDatabase) -> None:
    chat = await played_quarter(memory)
    maintenance = chat.wiring.maintenance
    weeks = {}
    for label in ("2026-W43", "2026-W44", "2026-W45", "2026-W48"):
        start = len(chat.lines)
        await maintenance.send_digests("nhs-vmi-large", label)
        weeks[label] = chat.channel(chat.lines[start:])
    assert "Proposed for review: lead-r1" not in weeks["2026-W43"]  # one call-out so far
    assert (
        "Proposed for review: lead-r1 — called out on 2 different days (2026-10-12, 2026-10-26)"
        in weeks["2026-W44"]
    )
    assert "Proposed for review" not in weeks["2026-W45"]  # nothing new that week
    assert "Proposed for review: lead-h3 — called out on 2 different days" in weeks["2026-W48"]
    assert "Proposed for review: lead-r1" not in weeks["2026-W48"]


async def test_a_new_version_rewording_the_clause_closes_its_review(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await played_quarter(memory)
    old = "Be clear, reasonable and consistent regarding expectations on pace and progress"
    new = "Announce any change to expectations on pace a month before it applies"
    reworded = tmp_path / "compact.yaml"
    reworded.write_text(LARGE.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    loaded = await load_compact_file(chat.wiring.services, reworded)
    assert loaded.version == 2
    out = await chat.play("@alice: /compact health lead")
    text = chat.private("alice", out)
    assert "[clause revised] — Closed: version 2 rewords it: “" + new + "”" in text
    assert "review lead-r1 --quarter 2026-Q4" not in text  # nothing left to press
    assert "lead-h3: called out on 2 different days" in text and "[open]" in text
    report = await health_report(chat.wiring.services, 1, quarter(LONDON_Q4, UTC))
    assert "lead-r1" not in {t.clause_id for t in report.triggers}  # closed for the page too
