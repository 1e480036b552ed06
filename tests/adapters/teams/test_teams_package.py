"""`compact-bot teams package`: a zip Teams accepts (manifest + two valid PNG icons)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.teams.manifest import manifest, package
from bot.cli import cli

APP_ID = "6f1c2a52-0d3e-4c1b-9d57-3d1e1f0a9b11"


def _png_size_and_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Check every chunk's CRC and decode the size, colour type and raw rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        offset += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and b"IEND" in chunks
    return width, height, colour, zlib.decompress(chunks[b"IDAT"])


def test_the_package_holds_the_manifest_and_both_icons() -> None:
    archive = zipfile.ZipFile(io.BytesIO(package(app_id=APP_ID, host="https://bot.example.org/")))
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    document = json.loads(archive.read("manifest.json"))
    assert document["id"] == APP_ID and document["manifestVersion"] == "1.17"
    (bot,) = document["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    titles = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert {"reflect", "callout", "agenda", "show", "digest preview", "help"} <= titles
    assert all(len(lst["commands"]) <= 10 for lst in bot["commandLists"])
    assert document["validDomains"] == ["bot.example.org"]
    assert document["icons"] == {"color": "color.png", "outline": "outline.png"}

    width, height, colour, rows = _png_size_and_pixels(archive.read("color.png"))
    assert (width, height, colour) == (192, 192, 2) and len(rows) == 192 * (1 + 192 * 3)
    width, height, colour, rows = _png_size_and_pixels(archive.read("outline.png"))
    assert (width, height, colour) == (32, 32, 6) and len(rows) == 32 * (1 + 32 * 4)
    pixels = [rows[y * 129 + 1 + x * 4 : y * 129 + 5 + x * 4] for y in range(32) for x in range(32)]
    assert {p for p in pixels} <= {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}  # white or clear


def test_the_app_id_must_be_a_guid() -> None:
    with pytest.raises(ValueError):
        manifest(app_id="my-bot", host="bot.example.org")


def test_the_command_writes_the_zip(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(
        cli,
        ["teams", "package", "--app-id", APP_ID, "--host", "bot.example.org", "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).namelist()
    refused = CliRunner().invoke(cli, ["teams", "package", "--app-id", "nope", "--host", "h"])
    assert refused.exit_code == 2


def test_serve_plugs_teams_in_only_when_configured(tmp_path: Path) -> None:
    from bot.cli import _platform_servers
    from bot.config import Settings
    from storage.database import Database

    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    secret = b"s" * 32
    configured = Settings(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="pw", TEAMS_APP_TENANT_ID="t")
    unconfigured = Settings(TEAMS_APP_ID=None, TEAMS_AUTH="on")
    for settings, expected in ((configured, ["teams"]), (unconfigured, [])):
        settings = settings.model_copy(
            update={"slack_signing_secret": None, "slack_app_token": None}
        )
        platforms = _platform_servers(settings, database, secret, socket_mode=False)
        assert [p.platform for p in platforms] == expected
