"""The crash soak's short version (bench/crash_soak.py): ten kill -9 cycles per database,
each answer acknowledged and then the real `compact-bot serve` killed, must leave every
answer stored exactly once and every round moving."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from crash_soak import Counts, soak_one

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kind_of_database(request: pytest.FixtureRequest) -> str:
    """Synchronous, as the session's database fixtures are (it skips without PostgreSQL)."""
    request.getfixturevalue(f"{request.param}_url")
    return str(request.param)


async def test_no_acknowledged_answer_is_lost_to_kill_9(kind_of_database: str) -> None:
    results = await soak_one(kind_of_database, cycles=3, random_cycles=1)
    total = Counts()
    for counts in results.values():
        total.add(counts)
    assert total.cycles == 10
    assert total.acknowledged == 10, total.notes
    assert (total.exactly_once, total.lost, total.duplicated, total.round_stuck) == (10, 0, 0, 0)
    assert total.pending_after_kill >= 9  # the stalled cycles did leave work behind
