"""The Teams app package: `manifest.json` and the two icons, zipped, ready to upload.

`compact-bot teams package --app-id … --host …` writes it. The icons are drawn here (a small
PNG encoder over zlib) rather than shipped as binary files or drawn with an imaging
library: Teams wants a 192×192 full-colour icon and a 32×32 white-on-transparent outline.
"""

from __future__ import annotations

import io
import json
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, Final

MANIFEST_VERSION: Final = "1.17"
MANIFEST_SCHEMA: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
ACCENT: Final = (0x2F, 0x6B, 0x5E)  # a calm green, the colour of the icon's background
WHITE: Final = (0xFF, 0xFF, 0xFF)
SCOPES: Final = ["personal", "team", "groupChat"]
# The words people send the bot (Teams lists at most ten per scope).
CHANNEL_COMMANDS: Final = [
    ("reflect", "Closing reflections: everyone in turn shares what they learned and valued"),
    ("agenda", "Call-outs tabled for the meeting (facilitators)"),
    ("show", "Read the compact, a theme or a clause"),
    ("digest preview", "Preview this week's digest, privately"),
    ("link", "Hold a partnership's rituals in this channel (facilitators)"),
    ("help", "What Compact can do"),
]
PERSONAL_COMMANDS: Final = [
    ("callout", "Privately call out a behaviour that didn't match the compact (no blame)"),
    ("mine", "Your call-outs, and how they are going"),
    ("show", "Read the compact, a theme or a clause"),
    ("agenda", "Call-outs tabled for the meeting (facilitators)"),
    ("digest preview", "Preview this week's digest"),
    ("help", "What Compact can do"),
]


def manifest(
    *, app_id: str, host: str, name: str = "Compact", version: str = "1.0.0"
) -> dict[str, Any]:
    """The app manifest for a bot registered as `app_id`, served from `host`."""
    app_id = str(uuid.UUID(app_id))  # Teams rejects an id that is not a GUID
    host = host.removeprefix("https://").removeprefix("http://").strip("/")
    site = f"https://{host}"

    def commands(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"title": title, "description": text} for title, text in pairs]

    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": name,
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": name[:30], "full": f"{name} — partnership compact rituals"[:100]},
        "description": {
            "short": "Closing reflections and no-blame call-outs for a partnership compact."[:80],
            "full": (
                "Keeps a partnership's compact alive: a closing reflection round at the end "
                "of each meeting (everyone in turn shares what they learned and valued), a "
                "private, no-blame way to call out a behaviour that didn't match the compact, "
                "and a weekly digest for the partnership's channel."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {"scopes": ["team", "groupChat"], "commands": commands(CHANNEL_COMMANDS)},
                    {"scopes": ["personal"], "commands": commands(PERSONAL_COMMANDS)},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host}/botid-{app_id}"},
        # Replies in a round's thread reach the bot without an @mention only with these.
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": "ChannelMessage.Read.Group", "type": "Application"},
                    {"name": "ChatMessage.Read.Chat", "type": "Application"},
                ]
            }
        },
    }


def package(*, app_id: str, host: str, name: str = "Compact", version: str = "1.0.0") -> bytes:
    """The zip Teams accepts: manifest.json, color.png and outline.png at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = manifest(app_id=app_id, host=host, name=name, version=version)
        archive.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def color_icon(size: int = 192) -> bytes:
    """White ring on the accent colour, full bleed (Teams' colour icon: 192×192)."""
    ring = _ring(size)

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return WHITE if ring(x, y) else ACCENT

    return png(size, size, pixel, alpha=False)


def outline_icon(size: int = 32) -> bytes:
    """The same ring, white on transparent (Teams' outline icon: 32×32)."""
    ring = _ring(size)

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return (*WHITE, 255) if ring(x, y) else (0, 0, 0, 0)

    return png(size, size, pixel, alpha=True)


def _ring(size: int) -> Callable[[int, int], bool]:
    centre = (size - 1) / 2
    outer, inner = size * 0.36, size * 0.24

    def inside(x: int, y: int) -> bool:
        distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
        return bool(inner <= distance <= outer)

    return inside


def png(
    width: int, height: int, pixel: Callable[[int, int], tuple[int, ...]], *, alpha: bool
) -> bytes:
    """A minimal valid PNG: 8-bit RGB or RGBA, one IDAT, no filtering."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    colour_type = 6 if alpha else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
