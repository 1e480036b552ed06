"""`/compact health` as an Adaptive Card, through the real Teams endpoint and the fake Bot
Connector, with the larger demo's quarter behind it: a card Teams renders sensibly (schema
1.5 elements the renderer already uses, no empty text, within the renderer's limits)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from adapters.teams.cards import (
    ACTIONS_PER_SET,
    CARD_VERSION,
    LABEL_CHARS,
    MAX_ACTIVITY_BYTES,
    TEXT_PIECE,
    utf16_size,
)
from storage.database import Database
from tests.adapters.teams.fake_connector import Call
from tests.adapters.teams.harness import ALICE, teams_world
from tests.adapters.teams.test_teams_cards import KNOWN, _types
from tests.pages_seed import LARGE, SLUG, seeded_chat


def _large_compact_with_teams_ids(folder: Path) -> Path:
    """The larger demo compact, each person given a Teams id (29: + their handle)."""
    text = re.sub(
        r"^(\s+)email: (\w+)@(.*)$",
        lambda m: f'{m[1]}email: {m[2]}@{m[3]}\n{m[1]}ids: {{teams: "29:{m[2]}"}}',
        LARGE.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    path = folder / "partnership-large.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _elements(node: Any) -> list[dict[str, Any]]:
    """Every element of a card (actions' data left out), depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found.extend(_elements(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_elements(item))
    return found


async def _health_cards(database: Database, tmp_path: Path, command: str) -> list[Call]:
    chat = await seeded_chat(database)
    compact = _large_compact_with_teams_ids(tmp_path)
    async with teams_world(
        database, tmp_path, clock=chat.clock, link=False, compact=compact
    ) as world:
        status, _ = await world.people.command(ALICE, f"link {SLUG}")
        assert status == 201
        await world.idle()
        world.connector.clear()
        status, _ = await world.people.command(ALICE, command)
        assert status == 201
        await world.idle()
        return [c for c in world.connector.to_chat(ALICE) if "Health of the compact" in c.text]


async def test_the_health_card_renders_within_what_teams_accepts(
    database: Database, tmp_path: Path
) -> None:
    cards = await _health_cards(database, tmp_path, "health")
    assert cards, "the health card, privately to the person who asked"
    text = "\n".join(c.text for c in cards)
    assert "Leadership (lead)" in text and "Proposed for review" in text
    for call in cards:
        card = call.card
        assert card["version"] == CARD_VERSION and card["fallbackText"].strip()
        assert _types(card) <= KNOWN
        assert utf16_size(call.body) <= MAX_ACTIVITY_BYTES
        for element in _elements(card["body"]):
            if element["type"] == "TextBlock":
                words = element["text"].replace("•", "").strip()
                assert words, f"an empty TextBlock: {element}"
                assert len(element["text"]) <= TEXT_PIECE
                assert element.get("wrap") is True, "long lines wrap instead of being cut"
            if element["type"] == "Action.Submit":
                assert element["title"].strip() and len(element["title"]) <= LABEL_CHARS
            if element["type"] == "ActionSet":
                assert 0 < len(element["actions"]) <= ACTIONS_PER_SET, "Teams shows six a row"
    buttons = [b for c in cards for b in _elements(c.card["body"]) if b["type"] == "Action.Submit"]
    assert len(buttons) > ACTIONS_PER_SET, "more buttons than one row holds: the rows split"
    assert sum(b["title"].startswith("Discussed: ") for b in buttons) == 7  # one per clause
