"""Moving stored data from one `COMPACT_SECRET_KEY` to another in one transaction: the Slack
tokens are decrypted and encrypted again, the call-outs' reporter keys recomputed. Running
it twice changes nothing the second time (what is already under the new key is left)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.refs import UserRef
from storage.database import Database, SqlUnitOfWork
from storage.models import CalloutRow, PartnershipRow, SlackBotRow, SlackInstallationRow
from storage.slack_installations import TOKEN_COLUMNS, token_cipher

ReporterRekey = Callable[[str, str, str, Sequence[UserRef]], str | None]
"""(partnership slug, call-out id, its reporter key, who may have raised it) -> the key
under the new secret (the same key when it is already), None when nobody matches."""


@dataclass(frozen=True, slots=True)
class Rekeyed:
    """What a rotation did, counted (nothing about whom)."""

    tokens: int = 0
    tokens_already: int = 0
    tokens_unreadable: int = 0
    reporters: int = 0
    reporters_already: int = 0
    reporters_unmatched: int = 0

    def summary(self) -> str:
        return (
            f"Re-encrypted {self.tokens} Slack token(s) ({self.tokens_already} already under "
            f"the new key, {self.tokens_unreadable} readable under neither) and re-keyed "
            f"{self.reporters} call-out reporter(s) ({self.reporters_already} already, "
            f"{self.reporters_unmatched} matching nobody)."
        )


async def rekey(database: Database, *, old: bytes, new: bytes, reporter: ReporterRekey) -> Rekeyed:
    """Everything under `old` moved under `new`, committed together or not at all."""
    async with database.unit_of_work() as uow:
        tokens = await _reencrypt_tokens(uow.session, token_cipher(old), token_cipher(new))
        reporters = await _rekey_reporters(uow, reporter)
        await uow.commit()
    return Rekeyed(*tokens, *reporters)


async def _reencrypt_tokens(
    session: AsyncSession, old: Fernet, new: Fernet
) -> tuple[int, int, int]:
    counts = [0, 0, 0]  # re-encrypted, already, unreadable
    tables: tuple[Table, ...] = (SlackInstallationRow.__table__, SlackBotRow.__table__)  # type: ignore[assignment]
    for table in tables:
        columns = [table.c[name] for name in TOKEN_COLUMNS if name in table.c]
        rows = (await session.execute(select(table.c.id, *columns))).all()
        for row in rows:
            changes: dict[str, Any] = {}
            for column in columns:
                value = getattr(row, column.name)
                if value is None:
                    continue
                moved, outcome = _moved(value, old, new)
                counts[outcome] += 1
                if moved is not None:
                    changes[column.name] = moved
            if changes:
                await session.execute(update(table).where(table.c.id == row.id).values(changes))
    return counts[0], counts[1], counts[2]


def _moved(value: str, old: Fernet, new: Fernet) -> tuple[str | None, int]:
    """The token encrypted under `new` and 0; (None, 1) if it is already; (None, 2) if
    neither key reads it (left as it is: the workspace must be installed again)."""
    token = value.encode("ascii")
    try:
        new.decrypt(token)
        return None, 1
    except InvalidToken:
        pass
    try:
        clear = old.decrypt(token)
    except InvalidToken:
        return None, 2
    return new.encrypt(clear).decode("ascii"), 0


async def _rekey_reporters(uow: SqlUnitOfWork, reporter: ReporterRekey) -> tuple[int, int, int]:
    session = uow.session
    rows = (
        await session.execute(
            select(
                CalloutRow.id,
                CalloutRow.partnership_id,
                CalloutRow.reporter_key,
                CalloutRow.reporter_platform,
                CalloutRow.reporter_tenant,
                CalloutRow.reporter_user_id,
            )
            # Named call-outs keep no key: their reporter is stored beside them.
            .where(CalloutRow.reporter_key.is_not(None))
            .order_by(CalloutRow.partnership_id, CalloutRow.id)
        )
    ).all()
    by_partnership: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_partnership[row.partnership_id].append(row)
    counts = [0, 0, 0]  # re-keyed, already, unmatched
    for partnership_id, callouts in by_partnership.items():
        slug = await session.scalar(
            select(PartnershipRow.slug).where(PartnershipRow.id == partnership_id)
        )
        people = await uow.people.identities(partnership_id)
        for row in callouts:
            named = (
                (UserRef(row.reporter_platform, row.reporter_tenant, row.reporter_user_id),)
                if row.reporter_user_id is not None
                else ()
            )
            key = reporter(str(slug), row.id, row.reporter_key, (*named, *people))
            outcome = 2 if key is None else 1 if key == row.reporter_key else 0
            counts[outcome] += 1
            if outcome == 0:
                await session.execute(
                    update(CalloutRow).where(CalloutRow.id == row.id).values(reporter_key=key)
                )
    return counts[0], counts[1], counts[2]
