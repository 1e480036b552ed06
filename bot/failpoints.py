"""Test-only: stall a request between its acknowledgement and its handling, so the crash soak
(`bench/crash_soak.py`) can `kill -9` a server that holds acknowledged, unhandled work.

Production cannot switch it on: it needs `COMPACT_TEST_FAILPOINTS=stall-after-ack` *and*
`COMPACT_TEST_ONLY=yes`, and every Slack Web API URL on loopback (a fake Slack); when on, it
says so at start, loudly. Even then it stalls only while the file it names exists.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import urlparse

log = logging.getLogger("compact.failpoints")

SWITCH: Final = "COMPACT_TEST_FAILPOINTS"
CONFIRM: Final = "COMPACT_TEST_ONLY"
STALL_FILE: Final = "COMPACT_TEST_STALL_FILE"
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})

_stall_file: Path | None = None


def configure(environ: Mapping[str, str] = os.environ) -> bool:
    """Switch the failpoint on if (and only if) every test-only condition holds."""
    global _stall_file
    _stall_file = None
    if environ.get(SWITCH) != "stall-after-ack" or environ.get(CONFIRM) != "yes":
        return False
    api_host = urlparse(environ.get("SLACK_API_URL", "")).hostname
    if api_host not in LOOPBACK or not environ.get(STALL_FILE):
        log.error("test failpoints requested without a loopback Slack API: refused")
        return False
    _stall_file = Path(environ[STALL_FILE])
    log.warning(
        "!!! TEST FAILPOINT ON: requests stall after their acknowledgement while %s "
        "exists. Never run like this in production. !!!",
        _stall_file,
    )
    return True


async def after_ack() -> None:
    """Between a request's acknowledgement and its handling: stall for ever if armed."""
    if _stall_file is not None and os.path.exists(_stall_file):  # noqa: ASYNC240  (tests only)
        log.warning("test failpoint: stalling an acknowledged request")
        await asyncio.Event().wait()
