"""`partnership.channels` in the compact file: read strictly, stored exactly, and absent from
the fingerprint when empty (so older compacts keep their version)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rituals.compact import DeclaredChannel
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError
from storage.compact_document import compact_from_document, compact_to_document

EXAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "compact.yaml").read_text(
    encoding="utf-8"
)
CHAIRS = "  facilitators: [alice]"


def _with(channels: str) -> str:
    return EXAMPLE.replace(CHAIRS, f"{CHAIRS}\n  channels: {channels}", 1)


def test_declared_channels_are_read_and_survive_storage() -> None:
    compact = parse_compact(_with('[{slack: C0123}, {teams: "19:abc@thread.tacv2"}]'))
    assert compact.channels == (
        DeclaredChannel("slack", "C0123"),
        DeclaredChannel("teams", "19:abc@thread.tacv2"),
    )
    assert compact_from_document(compact_to_document(compact)) == compact
    assert parse_compact(EXAMPLE).fingerprint() == parse_compact(_with("[]")).fingerprint()
    assert compact.fingerprint() != parse_compact(EXAMPLE).fingerprint()


@pytest.mark.parametrize(
    ("channels", "problem"),
    [
        ("[{skype: C1}]", "each channel is one platform and its channel id"),
        ("[{slack: C1, teams: T1}]", "each channel is one platform and its channel id"),
        ("[{slack: C1}, {slack: C1}]", "channel 'slack C1' appears twice"),
        ("{slack: C1}", "partnership.channels"),
    ],
)
def test_a_malformed_channel_is_refused_naming_its_line(channels: str, problem: str) -> None:
    with pytest.raises(CompactFileError) as refused:
        parse_compact(_with(channels))
    assert problem in str(refused.value)
    assert "line 12" in str(refused.value)
