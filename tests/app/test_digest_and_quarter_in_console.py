"""A week's digest and the quarter's health view set side by side: a week the digest withheld
(fewer than `min_group` people took part) cannot be recovered as the quarter's figure less the
weeks the digests showed."""

from __future__ import annotations

from datetime import timedelta

from bot.usecases.health import health_report
from rituals.health import HealthReport, quarter
from tests.app.harness import open_chat
from tests.app.test_rounds_in_console import ROUND_OF_THREE
from tests.fakes.memory import MemoryDatabase

ALICE_ALONE = """
@alice: /compact reflect @alice
@alice: A quieter week
@alice: The early warning again
@alice: env-h1
"""


def citations(report: HealthReport, clause_id: str) -> int | None:
    return next(row.reflections for row in report.ledger if row.clause_id == clause_id)


async def test_a_week_withheld_by_its_digest_is_not_given_away_by_the_quarter(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(ROUND_OF_THREE)  # three took part: Alice cites env-h1
    first = chat.private("carol", await chat.play("@carol: /compact digest preview"))
    assert "env-h1 ×1" in first
    report = await health_report(chat.wiring.services, 1, quarter("2026-Q4"))
    assert citations(report, "env-h1") == 1  # the quarter so far is that week: shown

    chat.clock.advance(timedelta(weeks=1))
    await chat.play(ALICE_ALONE)  # only Alice: her week's counts are withheld
    second = chat.private("carol", await chat.play("@carol: /compact digest preview"))
    assert "env-h1 ×" not in second
    assert "Clauses celebrated are not counted this week" in second
    # The quarter's env-h1 would be 2, and 2 less the first week's 1 is Alice's week.
    report = await health_report(chat.wiring.services, 1, quarter("2026-Q4"))
    assert citations(report, "env-h1") is None
    assert citations(report, "lis-r2") is None  # "nobody in her week cited it" is hers too
