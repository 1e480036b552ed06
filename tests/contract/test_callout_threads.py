"""The two-way thread, "someone from my organisation" call-outs and the daily summary ledger:
the same answers from the fake and from SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta

from bot.repositories import UnitOfWorkFactory
from rituals.callout import Disclosure
from rituals.callout_thread import ThreadMessage, ThreadSide
from rituals.reporters import as_stored
from tests.contract.test_callouts_digests_and_more import with_callouts
from tests.storage.builders import T0, load_compact
from tests.storage.test_callouts import raised

DAY = timedelta(days=1)
TODAY = T0.date()


def question(callout_id: str, text: str, day: date = TODAY) -> ThreadMessage:
    return ThreadMessage(callout_id, ThreadSide.QUESTION, text, day, T0)


def answer(callout_id: str, text: str, day: date = TODAY) -> ThreadMessage:
    return ThreadMessage(callout_id, ThreadSide.REPLY, text, day, None)


async def test_a_thread_comes_back_in_order_with_only_the_day_of_an_anonymous_reply(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_callouts(store)
    pid = compact.partnership_id
    written = [
        question("co-1", "What happened first?"),
        answer("co-1", "The target moved on Monday."),
        question("co-2", "Who was in the room?"),
        question("co-1", "And since?", TODAY + DAY),
    ]
    async with store.unit_of_work() as uow:
        for message in written:
            await uow.threads.add(pid, message)
        await uow.commit()
    async with store.unit_of_work() as uow:
        threads = await uow.threads.of_callouts(pid, ["co-1", "co-2"])
        assert await uow.threads.of_callouts(pid + 9, ["co-1"]) == {}
        asked = await uow.threads.count_on(pid, "co-1", ThreadSide.QUESTION, TODAY)
        replied = await uow.threads.count_on(pid, "co-1", ThreadSide.REPLY, TODAY)
        replies = await uow.threads.replies_between(pid, TODAY - DAY, TODAY)
        none_yet = await uow.threads.replies_between(pid, TODAY + DAY, TODAY + 2 * DAY)
    assert threads == {"co-1": [written[0], written[1], written[3]], "co-2": [written[2]]}
    assert threads["co-1"][1].at is None
    assert (asked, replied) == (1, 1)
    assert replies == [written[1]] and none_yet == []


async def test_a_my_organisation_callout_keeps_the_organisation_not_the_person(
    store: UnitOfWorkFactory,
) -> None:
    compact = await load_compact(store)  # type: ignore[arg-type]
    callout = replace(raised(compact, "co-org"), reporter_organisation_id="northgate")
    async with store.unit_of_work() as uow:
        await uow.callouts.add(
            callout, partnership_id=compact.partnership_id, compact_version_id=compact.version_id
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.callouts.get(compact.partnership_id, "co-org")
    assert loaded == as_stored(callout)  # raised as someone unnamed: the day only
    assert loaded.disclosure is Disclosure.ORGANISATION and loaded.reporter is None


async def test_each_days_summary_is_claimed_once(store: UnitOfWorkFactory) -> None:
    compact = await load_compact(store)  # type: ignore[arg-type]
    pid = compact.partnership_id
    async with store.unit_of_work() as uow:
        assert await uow.summaries.last_day(pid) is None
        assert await uow.summaries.claim(pid, TODAY, T0)
        assert not await uow.summaries.claim(pid, TODAY, T0 + timedelta(minutes=1))
        assert await uow.summaries.claim(pid, TODAY - DAY, T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.summaries.last_day(pid) == TODAY
        assert not await uow.summaries.claim(pid, TODAY, T0)


async def test_health_facts_show_a_my_organisation_callouts_side_and_nobody(
    store: UnitOfWorkFactory,
) -> None:
    compact = await load_compact(store)  # type: ignore[arg-type]
    callout = replace(raised(compact, "co-org"), reporter_organisation_id="eastmoor")
    async with store.unit_of_work() as uow:
        await uow.callouts.add(
            callout, partnership_id=compact.partnership_id, compact_version_id=compact.version_id
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        found = await uow.health.facts(compact.partnership_id, T0 - DAY, T0 + DAY, UTC)
    [fact] = found.callouts
    assert (fact.disclosure, fact.reporter_organisation_id) == (Disclosure.ORGANISATION, "eastmoor")
