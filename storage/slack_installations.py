"""Slack workspace installs in our database through slack_sdk's own stores, every token
encrypted at rest (docs/slack.md, "Many workspaces"); reads
cached for `READ_CACHE_SECONDS`."""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar, cast

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import Column, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage.database import Database

TOKEN_COLUMNS: Final = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
_KEY_PURPOSE: Final = b"compact-rituals slack installation tokens v1"
# How long a read install is reused. This replica forgets a workspace at once when it saves or
# deletes it; another replica may still use the old install (or miss a new user install) for
# up to this long, and Slack refuses a revoked token meanwhile.
READ_CACHE_SECONDS: Final = 30.0
MAX_CACHED_READS: Final = 10_000

_Found = TypeVar("_Found", Bot, Installation)
# (what was read, enterprise id, team id, user id, enterprise-wide install)
_ReadKey = tuple[str, str | None, str | None, str | None, bool]


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
    """slack_sdk's async SQLAlchemy installation store on our engine, tokens encrypted.

    Bolt reads (and we decrypt) the installation on every request, so reads are kept for
    `READ_CACHE_SECONDS`; any save or delete of a workspace forgets what was read for it.
    A missing workspace install is read again each time (one installing now must not wait); a
    missing user install (most people never install) is remembered like a found one.
    """

    def __init__(
        self,
        *,
        client_id: str,
        database: Database,
        secret: bytes,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(client_id=client_id, engine=database.engine)
        cipher = token_cipher(secret)
        self.installations = _with_encrypted_tokens(self.installations, cipher)
        self.bots = _with_encrypted_tokens(self.bots, cipher)
        self._now = monotonic
        self._read: dict[_ReadKey, tuple[Bot | Installation | None, float]] = {}

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key: _ReadKey = ("bot", enterprise_id, team_id, None, bool(is_enterprise_install))
        return await self._cached(
            key,
            lambda: super(EncryptedInstallationStore, self).async_find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key: _ReadKey = ("install", enterprise_id, team_id, user_id, bool(is_enterprise_install))
        return await self._cached(
            key,
            lambda: super(EncryptedInstallationStore, self).async_find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )

    async def _cached(
        self, key: _ReadKey, read: Callable[[], Awaitable[_Found | None]]
    ) -> _Found | None:
        """A copy of what was read (bolt edits the installation it is given)."""
        now = self._now()
        hit = self._read.get(key)
        if hit is not None and hit[1] > now:
            return cast("_Found | None", copy.copy(hit[0]))
        found = await read()
        if found is not None or key[3] is not None:
            if len(self._read) >= MAX_CACHED_READS:
                self._read.clear()
            self._read[key] = (copy.copy(found), now + READ_CACHE_SECONDS)
        return found

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Drop what was read for a workspace (it was saved or deleted just now)."""
        for key in [
            k
            for k in self._read
            if k[2] == team_id or (enterprise_id is not None and k[1] == enterprise_id)
        ]:
            del self._read[key]

    async def async_save(self, installation: Installation) -> None:
        try:
            await super().async_save(installation)
        finally:
            self.forget(installation.enterprise_id, installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        try:
            await super().async_save_bot(bot)
        finally:
            self.forget(bot.enterprise_id, bot.team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        try:
            await super().async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        finally:
            self.forget(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        try:
            await super().async_delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        finally:
            self.forget(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Removes a workspace's bot and installation rows in one transaction.

        slack_sdk deletes the two in separate transactions, so for a moment after an uninstall
        the bot token would be gone while the user tokens were still stored; one transaction
        means a reader sees the workspace either installed or gone, never half of each.
        """
        try:
            async with self.engine.begin() as connection:
                for table in (self.bots, self.installations):
                    await connection.execute(
                        table.delete().where(
                            table.c.client_id == self.client_id,
                            table.c.enterprise_id == enterprise_id,
                            table.c.team_id == team_id,
                        )
                    )
        finally:
            self.forget(enterprise_id, team_id)

    async def create_tables(self) -> None:
        raise RuntimeError("the Slack tables are created by `compact-bot db upgrade`")


def oauth_state_store(database: Database, *, expiration_seconds: int = 600) -> Any:
    """slack_sdk's OAuth `state` store on our engine (the table comes from migration 0002)."""
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=database.engine
    )
