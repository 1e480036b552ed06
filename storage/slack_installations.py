"""Slack workspace installs in our database through slack_sdk's own stores, every token
encrypted at rest (docs/slack.md, "Many workspaces")."""

from __future__ import annotations

import base64
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import Column, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage.database import Database

TOKEN_COLUMNS: Final = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
_KEY_PURPOSE: Final = b"compact-rituals slack installation tokens v1"


def token_cipher(secret: bytes) -> Fernet:
    """A Fernet key for tokens only, derived from the application secret (HKDF-SHA256), so
    the same secret never doubles as the encryption key for anything else."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class EncryptedToken(TypeDecorator[str]):
    """Text that is encrypted in the database and plain in Python."""

    impl = Text
    cache_ok = False  # the cipher is per instance, so statements must not share a cached type

    def __init__(self, cipher: Fernet) -> None:
        super().__init__()
        self._cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self._cipher.encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self._cipher.decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # Encrypted under another COMPACT_SECRET_KEY: unusable, as if not installed.
            return None


def _with_encrypted_tokens(table: Table, cipher: Fernet) -> Table:
    """The same table, its token columns re-declared as `EncryptedToken`."""
    columns: list[Any] = [
        Column(c.name, EncryptedToken(cipher), nullable=c.nullable)
        if c.name in TOKEN_COLUMNS
        else c._copy()
        for c in table.columns
    ]
    return Table(table.name, table.metadata, *columns, extend_existing=True)


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's async SQLAlchemy installation store on our engine, tokens encrypted."""

    def __init__(self, *, client_id: str, database: Database, secret: bytes) -> None:
        super().__init__(client_id=client_id, engine=database.engine)
        cipher = token_cipher(secret)
        self.installations = _with_encrypted_tokens(self.installations, cipher)
        self.bots = _with_encrypted_tokens(self.bots, cipher)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Removes a workspace's bot and installation rows in one transaction.

        slack_sdk deletes the two in separate transactions, so for a moment after an uninstall
        the bot token would be gone while the user tokens were still stored; one transaction
        means a reader sees the workspace either installed or gone, never half of each.
        """
        async with self.engine.begin() as connection:
            for table in (self.bots, self.installations):
                await connection.execute(
                    table.delete().where(
                        table.c.client_id == self.client_id,
                        table.c.enterprise_id == enterprise_id,
                        table.c.team_id == team_id,
                    )
                )

    async def create_tables(self) -> None:
        raise RuntimeError("the Slack tables are created by `compact-bot db upgrade`")


def oauth_state_store(database: Database, *, expiration_seconds: int = 600) -> Any:
    """slack_sdk's OAuth `state` store on our engine (the table comes from migration 0002)."""
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=database.engine
    )
