"""COMPACT_SECRET_KEY: obviously weak keys stop the start with a way out, `secret new` prints
a strong one, and `secret rotate` moves the Slack tokens and reporter keys onto a new key."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.bootstrap import secret_key
from bot.config import Settings
from bot.keys import weakness
from storage.database import Database
from storage.slack_installations import EncryptedInstallationStore
from tests.app.harness import SECRET, Chat, open_chat

COMPACT_BOT = Path(sys.executable).with_name("compact-bot")
NEW_KEY = "mV2pQ9x_Lr7sT1uWbZ4cY8dH0eJ3fK6gN5hA-iB2jC9kD7lE"

WEAK = [
    "short-key-0123456789",  # 20 bytes
    "a" * 40,
    "abcd" * 10,
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "0f" * 20,
    "3f1c9a7be2d4085c6b7a91e0f3d2c4b5",  # 16 random bytes in hex: 128 bits, not 256
]


def cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMPACT_FILE")}
    clean.pop("COMPACT_SECRET_KEY", None)
    return subprocess.run(
        [str(COMPACT_BOT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("key", WEAK)
def test_weak_keys_are_refused_with_the_way_out(key: str) -> None:
    assert weakness(key.encode()) is not None
    with pytest.raises(SystemExit) as stopped:
        secret_key(Settings(COMPACT_SECRET_KEY=key))
    message = str(stopped.value)
    assert "\n" not in message
    assert "compact-bot secret new" in message and "compact-bot secret rotate" in message


def test_a_weak_key_stops_the_command_with_one_line(tmp_path: Path) -> None:
    result = cli(["console"], tmp_path, COMPACT_SECRET_KEY="cli-test-secret-key-0123456789")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "COMPACT_SECRET_KEY is too weak" in result.stderr


def test_secret_new_prints_a_strong_key_each_time(tmp_path: Path) -> None:
    keys = [cli(["secret", "new"], tmp_path).stdout.strip() for _ in range(2)]
    assert keys[0] != keys[1]
    for key in keys:
        assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) >= 32
        assert weakness(key.encode()) is None
        assert secret_key(Settings(COMPACT_SECRET_KEY=key)) == key.encode()


def test_the_generated_local_key_is_strong_and_kept(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    key = secret_key(settings)
    assert weakness(key) is None
    assert secret_key(settings) == key


ANONYMOUS_CALLOUT = """
@bob: /compact callout
@bob: lead-r1
@bob: nhsei
@bob: Expectations on pace changed twice without warning
@bob: Agree a change notice before targets move
@bob: anonymous
"""


async def chat_under(database: Database, key: bytes, monkeypatch: pytest.MonkeyPatch) -> Chat:
    monkeypatch.setattr("tests.app.harness.SECRET", key)
    return await open_chat(database)


def installation() -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=None,
        team_id="T1",
        user_id="U1",
        bot_token="xoxb-the-bot-token",
        bot_id="B1",
        bot_user_id="UB1",
        user_token="xoxp-the-user-token",
        installed_at=datetime(2026, 11, 23, tzinfo=UTC).timestamp(),
    )


async def test_rotate_moves_tokens_and_reporters_to_the_new_key(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_chat = await chat_under(database, SECRET, monkeypatch)
    await old_chat.play(ANONYMOUS_CALLOUT)
    ref = old_chat.private("bob").split("Reference: ")[-1].split(".")[0]
    old_store = EncryptedInstallationStore(client_id="C1", database=database, secret=SECRET)
    await old_store.async_save(installation())
    old_file = tmp_path / "old.key"
    old_file.write_bytes(SECRET + b"\n")

    env = {"DATABASE_URL": database_url, "COMPACT_SECRET_KEY": NEW_KEY}
    rotated = cli(["secret", "rotate", "--old-key-file", str(old_file)], tmp_path, **env)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.count("\n") == 1
    assert "Re-encrypted 3 Slack token(s)" in rotated.stdout
    assert "re-keyed 1 call-out reporter(s)" in rotated.stdout

    again = cli(["secret", "rotate", "--old-key-file", str(old_file)], tmp_path, **env)
    assert "Re-encrypted 0 Slack token(s) (3 already" in again.stdout, again.stderr
    assert "re-keyed 0 call-out reporter(s) (1 already" in again.stdout

    new_store = EncryptedInstallationStore(
        client_id="C1", database=database, secret=NEW_KEY.encode()
    )
    bot = await new_store.async_find_bot(enterprise_id=None, team_id="T1")
    found = await new_store.async_find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert bot is not None and bot.bot_token == "xoxb-the-bot-token"
    assert found is not None and found.user_token == "xoxp-the-user-token"

    new_chat = await chat_under(database, NEW_KEY.encode(), monkeypatch)
    out = await new_chat.play(f"@bob: /compact withdraw {ref}")
    assert f"Your call-out {ref} is withdrawn" in new_chat.private("bob", out)
