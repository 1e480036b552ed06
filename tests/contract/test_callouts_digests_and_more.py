"""Call-outs, the digest ledger, schedules and addresses: the same answers from the fake
and from SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from bot.repositories import UnitOfWorkFactory
from rituals.callout import CalloutStatus, FollowUp, mark_discussed, resolve, withdraw
from rituals.digest import CalloutFact
from rituals.errors import NotFound, StaleCallout
from rituals.reporters import as_stored
from rituals.schedule import DigestSchedule
from rituals.stored import StoredCompact
from tests.storage.builders import T0, load_compact
from tests.storage.test_callouts import ALICE_KEY, raised

DAY = timedelta(days=1)
DAY0 = T0.replace(hour=0)  # the day T0 falls in, as an anonymous reporter's moments are kept


async def with_callouts(store: UnitOfWorkFactory) -> StoredCompact:
    """co-2 (named, raised on day 1) and co-1 (anonymous, raised at T0)."""
    compact = await load_compact(store)  # type: ignore[arg-type]
    async with store.unit_of_work() as uow:
        for callout in (raised(compact, "co-2", anonymous=False, at=T0 + DAY), raised(compact)):
            await uow.callouts.add(
                callout,
                partnership_id=compact.partnership_id,
                compact_version_id=compact.version_id,
            )
        await uow.commit()
    return compact


async def test_a_callout_comes_back_and_an_anonymous_one_keeps_no_reporter(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    async with store.unit_of_work() as uow:
        anonymous = await uow.callouts.get(pid, "co-1")
        named = await uow.callouts.get_stored(pid, "co-2")
        assert await uow.callouts.get(pid + 9, "co-1") is None
        assert await uow.callouts.get(pid, "co-9") is None
    assert anonymous == as_stored(raised(compact)) and anonymous.reporter is None
    assert anonymous.raised_at == DAY0  # an anonymous reporter's moment: the day only
    assert named is not None and named.version == 1
    assert named.callout == raised(compact, "co-2", anonymous=False, at=T0 + DAY)
    assert (named.partnership_id, named.compact_version_id) == (pid, compact.version_id)


async def test_a_callout_citing_what_is_not_there_is_refused(store: UnitOfWorkFactory) -> None:
    compact = await load_compact(store)  # type: ignore[arg-type]
    ids = {"partnership_id": compact.partnership_id, "compact_version_id": compact.version_id}
    async with store.unit_of_work() as uow:
        with pytest.raises(NotFound):
            await uow.callouts.add(replace(raised(compact), clause_id="zzz-9"), **ids)
        with pytest.raises(NotFound):
            await uow.callouts.add(
                replace(raised(compact), about_organisation_id="atlantis"), **ids
            )
        with pytest.raises(ValueError):
            await uow.callouts.add(replace(raised(compact), compact_version=7), **ids)


async def test_saves_compare_and_swap_and_the_agenda_holds_live_ones(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    first = raised(compact)
    discussed = mark_discussed(
        first, by_is_facilitator=True, learning_note="agreed", now=T0 + 2 * DAY
    ).callout
    async with store.unit_of_work() as uow:
        saved = await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()
    assert saved.version == 2 and saved.callout == as_stored(discussed)
    async with store.unit_of_work() as uow:
        with pytest.raises(StaleCallout):
            await uow.callouts.save(discussed, expected_version=1)
        agenda = await uow.callouts.open_agenda(pid)
        assert [c.id for c in agenda] == ["co-1", "co-2"]  # oldest first
        done = resolve(discussed, by_is_facilitator=True, now=T0 + 3 * DAY).callout
        await uow.callouts.save(done, expected_version=2)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [c.id for c in await uow.callouts.open_agenda(pid)] == ["co-2"]
        stored = await uow.callouts.get(pid, "co-1")
    assert stored is not None and stored.status is CalloutStatus.RESOLVED
    assert stored.history == done.history


async def test_digest_facts_and_export_leave_the_reporter_out(store: UnitOfWorkFactory) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    discussed = mark_discussed(
        raised(compact), by_is_facilitator=True, learning_note="agreed", now=T0 + 5 * DAY
    ).callout
    async with store.unit_of_work() as uow:
        await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()
    async with store.unit_of_work() as uow:
        late = await uow.callouts.facts_between(pid, T0 + 4 * DAY, T0 + 6 * DAY)
        early = await uow.callouts.facts_between(pid, DAY0, DAY0 + DAY)
        exported = await uow.callouts.export_rows(None)
        assert await uow.callouts.export_rows(pid + 9) == []
    assert late == [
        CalloutFact(
            "env-h1",
            CalloutStatus.DISCUSSED,
            DAY0,
            T0 + 5 * DAY,
            None,
            "agreed",
            notes=((T0 + 5 * DAY, "agreed"),),
        )
    ]
    assert [(f.clause_id, f.raised_at) for f in early] == [("env-h1", DAY0)]
    assert [(e.callout_id, e.status, e.discussed_on) for e in exported] == [
        ("co-1", "discussed", (T0 + 5 * DAY).date()),
        ("co-2", "open", None),
    ]
    assert exported[0].anonymous and exported[0].raised_on == T0.date()


async def test_withdrawn_callouts_leave_the_export_and_the_quiet_clauses(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    async with store.unit_of_work() as uow:
        assert await uow.reflections.clause_last_mentioned(pid) == {"env-h1": T0 + DAY}
        assert await uow.reflections.clause_last_mentioned(pid, include_callouts=False) == {}
        stored = await uow.callouts.get(pid, "co-1")
        assert stored is not None
        taken_back = withdraw(stored, reporter_key=ALICE_KEY, now=T0 + DAY).callout
        await uow.callouts.save(taken_back, expected_version=1)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [e.callout_id for e in await uow.callouts.export_rows(pid)] == ["co-2"]
        everything = await uow.callouts.export_rows(pid, include_withdrawn=True)
        assert [e.status for e in everything] == ["withdrawn", "open"]
        assert await uow.reflections.clause_last_mentioned(pid, before=T0 + DAY) == {}


async def test_the_digest_ledger(store: UnitOfWorkFactory) -> None:
    pid = (await load_compact(store)).partnership_id  # type: ignore[arg-type]
    hour = timedelta(hours=1)
    async with store.unit_of_work() as uow:
        assert await uow.digests.claim(pid, "W1", T0)
        assert await uow.digests.claim(pid, "W2", T0 + hour)
        assert not await uow.digests.claim(pid, "W1", T0 + hour, stale_after=2 * hour)
        assert await uow.digests.claim(pid, "W1", T0 + 2 * hour, stale_after=2 * hour)
        await uow.digests.record_post(pid, "W1", "slack:C1:1.0", T0 + 3 * hour)
        await uow.digests.record_post(pid, "W1", "slack:C2:2.0", T0 + 3 * hour)
        assert await uow.digests.posted(pid, "W1") == ["slack:C1:1.0", "slack:C2:2.0"]
        assert await uow.digests.unsent(T0 + 3 * hour, T0) == [(pid, "W2"), (pid, "W1")]
        assert await uow.digests.unsent(T0 + 3 * hour, T0 + hour) == [(pid, "W1")]
        await uow.digests.mark_sent(pid, "W1", ["slack:C1:1.0"], T0 + 4 * hour)
        await uow.digests.mark_sent(pid, "W0", [], T0 + 4 * hour)  # never claimed: recorded
        assert not await uow.digests.claim(pid, "W1", T0 + 9 * DAY, stale_after=hour)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.digests.was_sent(pid, "W1") and not await uow.digests.was_sent(pid, "W2")
        assert await uow.digests.posted(pid, "W1") == ["slack:C1:1.0"]
        assert await uow.digests.posted(pid, "W9") == []
        assert await uow.digests.sent_periods(pid) == ["W0", "W1"]
        assert await uow.digests.unsent(T0 + 9 * DAY, T0 - DAY) == [(pid, "W2")]
        wanted = [(pid, "W1"), (pid, "W3"), (pid + 9, "W2")]
        assert await uow.digests.claimed_among(wanted) == {(pid, "W1")}
        assert await uow.digests.claimed_among([]) == set()


async def test_schedules_default_and_save(store: UnitOfWorkFactory) -> None:
    pid = (await load_compact(store)).partnership_id  # type: ignore[arg-type]
    thursday = DigestSchedule(3, time(16, 30), "Europe/Paris", enabled=False)
    async with store.unit_of_work() as uow:
        assert await uow.schedules.get(pid) == DigestSchedule()
        await uow.schedules.save(pid, DigestSchedule(1), T0)
        await uow.schedules.save(pid, thursday, T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.schedules.get(pid) == thursday
        assert await uow.schedules.all([pid, pid + 9]) == {pid: thursday, pid + 9: DigestSchedule()}


async def test_addresses_are_remembered_and_replaced(store: UnitOfWorkFactory) -> None:
    async with store.unit_of_work() as uow:
        await uow.addresses.remember("teams", "conv-1", {"serviceUrl": "https://a"}, T0)
        await uow.addresses.remember("teams", "conv-1", {"serviceUrl": "https://b"}, T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.addresses.recall("teams", "conv-1") == {"serviceUrl": "https://b"}
        assert await uow.addresses.recall("slack", "conv-1") is None


async def test_every_learning_note_is_kept_dated_in_facts_and_export(
    store: UnitOfWorkFactory,
) -> None:
    """Discussed with one note, resolved with another: both reach the digest and the export."""
    compact = await with_callouts(store)
    pid = compact.partnership_id
    discussed = mark_discussed(
        raised(compact), by_is_facilitator=True, learning_note="agreed", now=T0 + 2 * DAY
    ).callout
    done = resolve(
        discussed, by_is_facilitator=True, learning_note="notice given", now=T0 + 3 * DAY
    ).callout
    async with store.unit_of_work() as uow:
        await uow.callouts.save(done, expected_version=1)
        await uow.commit()
    async with store.unit_of_work() as uow:
        [fact] = await uow.callouts.facts_between(pid, T0 + DAY + DAY, T0 + 4 * DAY)
        exported = await uow.callouts.export_rows(pid)
    assert fact.notes == ((T0 + 2 * DAY, "agreed"), (T0 + 3 * DAY, "notice given"))
    assert exported[0].learning_notes == (
        f"{(T0 + 2 * DAY).date()}: agreed",
        f"{(T0 + 3 * DAY).date()}: notice given",
    )


async def test_withdrawn_since_lists_call_outs_withdrawn_from_a_moment(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    async with store.unit_of_work() as uow:
        stored = await uow.callouts.get(pid, "co-1")
        assert stored is not None
        taken_back = withdraw(stored, reporter_key=ALICE_KEY, now=T0 + 2 * DAY).callout
        await uow.callouts.save(taken_back, expected_version=1)
        await uow.commit()
    async with store.unit_of_work() as uow:
        recent = await uow.callouts.withdrawn_since(pid, T0 + DAY)
        later = await uow.callouts.withdrawn_since(pid, T0 + 3 * DAY)
        elsewhere = await uow.callouts.withdrawn_since(pid + 9, T0)
    assert [c.id for c in recent] == ["co-1"] and recent[0].status is CalloutStatus.WITHDRAWN
    assert later == [] and elsewhere == []


async def test_the_follow_up_agreed_in_discussion_is_kept_through_resolution(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    agreed = FollowUp("trust-b", "Send papers a week ahead", date(2026, 12, 14))
    discussed = mark_discussed(
        raised(compact),
        by_is_facilitator=True,
        learning_note="agreed",
        now=T0 + DAY,
        follow_up=agreed,
    ).callout
    async with store.unit_of_work() as uow:
        await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()
    async with store.unit_of_work() as uow:
        [on_agenda] = [c for c in await uow.callouts.open_agenda(pid) if c.id == "co-1"]
        done = resolve(on_agenda, by_is_facilitator=True, now=T0 + 2 * DAY).callout
        await uow.callouts.save(done, expected_version=2)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.callouts.get(pid, "co-1")
        untouched = await uow.callouts.get(pid, "co-2")
    assert on_agenda.follow_up == agreed
    assert stored is not None and stored.follow_up == agreed
    assert untouched is not None and untouched.follow_up == FollowUp()
