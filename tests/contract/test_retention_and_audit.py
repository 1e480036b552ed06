"""Retention and the audit trail: the daily job's erasures, with the clock moved by hand, the
same on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.repositories import UnitOfWorkFactory
from bot.usecases.retention import RetentionDone
from rituals.audit import AuditAction, AuditEntry
from rituals.callout import mark_discussed, resolve, withdraw
from rituals.compact import PrivacySettings, RetentionPeriods
from rituals.round import events as ev
from rituals.stored import StoredCompact
from tests.app.harness import ManualClock
from tests.storage.builders import ALICE, BOB, T0, load_compact, make_compact, started_round, step
from tests.storage.test_callouts import ALICE_KEY, raised

DAY = timedelta(days=1)
PERIODS = RetentionPeriods(reflections=90, resolved_callouts=60, audit=120)


async def retention_after(store: UnitOfWorkFactory, days: float) -> RetentionDone:
    """The daily job, run `days` after T0."""
    clock = ManualClock(T0 + timedelta(days=days))
    wiring = bootstrap(Settings(), gateways={}, clock=clock, database=store, secret=b"s" * 32)
    return await wiring.maintenance.run_retention()


async def partnership(store: UnitOfWorkFactory) -> StoredCompact:
    compact = make_compact(privacy=PrivacySettings(retention=PERIODS))
    return await load_compact(store, compact)  # type: ignore[arg-type]


async def add_callouts(store: UnitOfWorkFactory, stored: StoredCompact) -> None:
    """co-w: discussed on day 1, withdrawn on day 2; co-r: resolved on day 1; co-o: open."""
    withdrawn = mark_discussed(
        raised(stored, "co-w"), by_is_facilitator=True, learning_note="We learned X", now=T0 + DAY
    ).callout
    withdrawn = withdraw(withdrawn, reporter_key=ALICE_KEY, now=T0 + 2 * DAY).callout
    resolved = resolve(
        raised(stored, "co-r"), by_is_facilitator=True, learning_note="Fixed", now=T0 + DAY
    ).callout
    async with store.unit_of_work() as uow:
        for callout in (withdrawn, resolved, raised(stored, "co-o")):
            await uow.callouts.add(
                callout, partnership_id=stored.partnership_id, compact_version_id=stored.version_id
            )
        await uow.commit()


async def callouts(
    store: UnitOfWorkFactory, stored: StoredCompact
) -> dict[str, tuple[str, str, str]]:
    async with store.unit_of_work() as uow:
        found = {}
        for ref in ("co-w", "co-r", "co-o"):
            callout = await uow.callouts.get(stored.partnership_id, ref)
            if callout is not None:
                found[ref] = (callout.what_happened, callout.what_would_help, callout.learning_note)
    return found


async def test_a_withdrawn_callouts_reporter_texts_go_after_30_days_and_the_learning_stays(
    store: UnitOfWorkFactory,
) -> None:
    stored = await partnership(store)
    await add_callouts(store, stored)

    # Withdrawn on day 2, an anonymous reporter's step stored as that day: not yet 30 days.
    early = await retention_after(store, 2 + 29)
    assert early.withdrawn_texts == 0
    assert (await callouts(store, stored))["co-w"][0] != ""

    done = await retention_after(store, 2 + 30.1)
    assert done.withdrawn_texts == 1
    after = await callouts(store, stored)
    assert after["co-w"] == ("", "", "We learned X")
    assert after["co-o"][0] and after["co-r"][0], "only the withdrawn one is touched"
    assert (await retention_after(store, 2 + 31)).withdrawn_texts == 0  # nothing left to erase


async def test_finished_callouts_go_after_the_partnerships_period(store: UnitOfWorkFactory) -> None:
    stored = await partnership(store)
    await add_callouts(store, stored)
    assert (await retention_after(store, 1 + 59)).callouts == 0
    done = await retention_after(store, 2 + 61)
    assert done.callouts == 2  # resolved on day 1, withdrawn on day 2
    assert set(await callouts(store, stored)) == {"co-o"}, "an open call-out is never deleted"


async def test_closed_rounds_go_with_their_reflections_after_the_period(
    store: UnitOfWorkFactory,
) -> None:
    stored = await partnership(store)
    round_ = started_round("old", now=T0)
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "learned", "valued"), T0)
    closed = step(round_, ev.RoundEnded(BOB), T0)
    async with store.unit_of_work() as uow:
        await uow.rounds.add(
            closed, partnership_id=stored.partnership_id, compact_version_id=stored.version_id
        )
        await uow.commit()
    assert (await retention_after(store, 89)).rounds == 0
    assert (await retention_after(store, 91)).rounds == 1
    async with store.unit_of_work() as uow:
        assert await uow.rounds.get("old") is None
        assert await uow.reflections.export_rows(stored.partnership_id) == []


async def test_the_audit_trail_and_request_keys_are_kept_for_their_periods(
    store: UnitOfWorkFactory,
) -> None:
    stored = await partnership(store)
    async with store.unit_of_work() as uow:
        await uow.audit.record(AuditEntry(T0, stored.partnership_slug, "@alice", AuditAction.LINK))
        await uow.audit.record(AuditEntry(T0, "gone", "operator x", AuditAction.PARTNERSHIP_DELETE))
        await uow.requests.first_time("slack:event:Ev1", T0)
        await uow.commit()
    first = await retention_after(store, 2.5)  # a key is kept with its day: 24 to 48 hours
    assert (first.audit_entries, first.request_keys) == (0, 1)
    assert (await retention_after(store, 121)).audit_entries == 1  # the partnership's: 120 days
    default = RetentionPeriods().audit
    assert default is not None
    assert (await retention_after(store, default + 1)).audit_entries == 1  # the deleted one's
    async with store.unit_of_work() as uow:
        assert await uow.audit.entries() == []


async def test_kept_forever_when_the_file_says_so(store: UnitOfWorkFactory) -> None:
    forever = RetentionPeriods(reflections=None, resolved_callouts=None, audit=None)
    compact = make_compact(privacy=PrivacySettings(retention=forever))
    stored = await load_compact(store, compact)  # type: ignore[arg-type]
    await add_callouts(store, stored)
    done = await retention_after(store, 10_000)
    assert done.callouts == 0
    assert done.withdrawn_texts == 1, "a withdrawn call-out's texts go whatever the file says"
    assert (await callouts(store, stored))["co-r"][2] == "Fixed"
