"""Finding 4 of the privacy issue: in the example compact every organisation has one person,
so a digest that named an organisation beside a count told the channel who passed."""

from __future__ import annotations

import re
from pathlib import Path

from rituals.compact_yaml import parse_compact
from tests.app.harness import EXAMPLE, open_chat
from tests.fakes.memory import MemoryDatabase

ROUND = Path(__file__).parents[2] / "examples" / "round.txt"


async def test_the_demo_digest_names_no_organisation_beside_a_count(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(ROUND.read_text(encoding="utf-8"))
    out = await chat.play("@carol: /compact digest preview")
    digest = chat.private("carol", out).split("compact: ", 1)[1]  # past "[private to @carol]"
    assert "Weekly compact digest" in digest
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
    for organisation in compact.organisations:
        # Neither a figure ("Northgate ...: 1 round, 0 reflections") nor a quote's attribution.
        assert organisation.name not in digest
    for person in compact.people:
        assert person.name not in digest and f"@{person.handle}" not in digest
    # The week is still told, together: three took part, two shared.
    assert "1 reflection round held; 2 reflections shared." in digest
    assert "All partners together: took part 3 times in rounds, shared 2 reflections" in digest
    assert re.search(r"“Bob's candour about the theatre backlog” — a partner", digest)
