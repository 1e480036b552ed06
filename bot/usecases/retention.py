"""Retention: erase what has been kept long enough, by the periods in each partnership's
compact file (`privacy.retention`) and the fixed ones below (docs/privacy.md, "Your rights").
Run daily by the scheduler and by `compact-bot retention run`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from bot import words
from bot.repositories import UnitOfWork
from bot.request_keys import REQUEST_KEYS_KEPT
from bot.services import Services
from rituals.compact import RetentionPeriods

# What a reporter wrote on a call-out they withdrew: long enough for them to change their
# mind and ask about it, not long enough to become a record about them.
WITHDRAWN_TEXTS_KEPT: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class RetentionDone:
    """What one run erased, counted (nothing about what or whom)."""

    withdrawn_texts: int = 0
    callouts: int = 0
    rounds: int = 0
    audit_entries: int = 0
    request_keys: int = 0

    def summary(self) -> str:
        return words.RETENTION_DONE.format(
            withdrawn_texts=self.withdrawn_texts,
            callouts=self.callouts,
            rounds=self.rounds,
            audit_entries=self.audit_entries,
            request_keys=self.request_keys,
        )


async def run_retention(services: Services) -> RetentionDone:
    """One transaction: everything past its period goes, or (on failure) nothing does."""
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        done = await _erase(uow, now)
        await uow.commit()
    return done


async def _erase(uow: UnitOfWork, now: datetime) -> RetentionDone:
    callouts = rounds = audit_entries = 0
    stored_all = await uow.compacts.latest_all()
    for stored in stored_all:
        periods = stored.compact.privacy.retention
        pid = stored.partnership_id
        if periods.resolved_callouts is not None:
            before = now - timedelta(days=periods.resolved_callouts)
            callouts += await uow.retention.delete_finished_callouts(pid, before)
        if periods.reflections is not None:
            rounds += await uow.retention.delete_closed_rounds(
                pid, now - timedelta(days=periods.reflections)
            )
        if periods.audit is not None:
            before = now - timedelta(days=periods.audit)
            audit_entries += await uow.audit.delete_before(stored.partnership_slug, before)
    default_audit = RetentionPeriods().audit
    if default_audit is not None:  # the trail of partnerships deleted since
        kept = [s.partnership_slug for s in stored_all]
        before = now - timedelta(days=default_audit)
        audit_entries += await uow.audit.delete_orphans_before(kept, before)
    return RetentionDone(
        withdrawn_texts=await uow.retention.erase_withdrawn_texts(now - WITHDRAWN_TEXTS_KEPT),
        callouts=callouts,
        rounds=rounds,
        audit_entries=audit_entries,
        request_keys=await uow.requests.forget_before(now - REQUEST_KEYS_KEPT),
    )
