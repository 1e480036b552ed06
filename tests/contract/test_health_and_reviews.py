"""The health view's facts and the review triggers' state: the same answers from the fake and
from SQL (people are opaque keys, so the cases compare what the keys group, not their text)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.repositories import UnitOfWorkFactory
from rituals.callout import CalloutStatus, Disclosure, mark_discussed
from rituals.health import HealthFacts, TriggerKind
from rituals.review import ReviewStatus, TriggerState
from rituals.round import events as ev
from rituals.stored import StoredCompact
from tests.storage.builders import ALICE, BOB, T0, load_compact, started_round, step
from tests.storage.test_callouts import raised

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
LONDON = ZoneInfo("Europe/London")


async def with_history(store: UnitOfWorkFactory) -> StoredCompact:
    """A round at T0 (alice of nhsei, bob of northgate, carol unknown) where alice and bob
    answer; co-1 anonymous (raised by alice at T0, discussed on day 2), co-2 named by bob."""
    compact = await load_compact(store)  # type: ignore[arg-type]
    round_ = started_round()
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("exc-h1", "env-r1")), T0)
    round_ = step(round_, ev.ReflectionSubmitted(BOB, "l", "v", ("env-r1",)), T0 + HOUR)
    ids = {"partnership_id": compact.partnership_id, "compact_version_id": compact.version_id}
    async with store.unit_of_work() as uow:
        await uow.rounds.add(round_, **ids)
        await uow.callouts.add(raised(compact), **ids)
        await uow.callouts.add(raised(compact, "co-2", anonymous=False, at=T0 + DAY), **ids)
        await uow.commit()
    discussed = mark_discussed(
        raised(compact), by_is_facilitator=True, learning_note="agreed", now=T0 + 2 * DAY
    ).callout
    async with store.unit_of_work() as uow:
        await uow.callouts.save(discussed, expected_version=1)
        await uow.commit()
    return compact


async def facts(store: UnitOfWorkFactory, pid: int, start: datetime) -> HealthFacts:
    async with store.unit_of_work() as uow:
        return await uow.health.facts(pid, start, T0 + 10 * DAY, LONDON)


async def test_health_facts_carry_sides_and_days_never_reporters(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_history(store)
    found = await facts(store, compact.partnership_id, T0 - DAY)
    assert [(r.organisation_id, r.clause_ids, r.submitted_at) for r in found.reflections] == [
        ("nhsei", ("exc-h1", "env-r1"), T0),
        ("northgate", ("env-r1",), T0 + HOUR),
    ]
    alice, bob = (r.person for r in found.reflections)
    assert {org: len(people) for org, people in found.members.items()} == {
        "nhsei": 1,
        "northgate": 1,
    }
    assert alice in found.members["nhsei"] and bob in found.members["northgate"]
    attended = [(a.person, a.organisation_id, a.held_at) for a in found.attendances]
    assert attended[:2] == [(alice, "nhsei", T0), (bob, "northgate", T0)]
    [(carol, carol_org, _)] = attended[2:]
    assert carol_org is None and carol not in {alice, bob} and "CAROL" not in carol
    anonymous, named = found.callouts
    assert (anonymous.disclosure, anonymous.reporter_organisation_id) == (
        Disclosure.ANONYMOUS,
        None,
    )
    assert (anonymous.status, anonymous.raised_on, anonymous.discussed_on) == (
        CalloutStatus.DISCUSSED,
        T0.date(),
        (T0 + 2 * DAY).date(),
    )
    assert anonymous.learning_notes == ("agreed",)
    assert (named.disclosure, named.reporter_organisation_id, named.status) == (
        Disclosure.NAMED,
        "northgate",
        CalloutStatus.OPEN,
    )
    assert (named.clause_id, named.about_organisation_id) == ("env-h1", "northgate")
    assert found.last_cited == {}


async def test_a_later_span_keeps_what_changed_in_it_and_the_last_citations_before(
    store: UnitOfWorkFactory,
) -> None:
    compact = await with_history(store)
    found = await facts(store, compact.partnership_id, T0 + 30 * timedelta(minutes=1))
    assert [r.clause_ids for r in found.reflections] == [("env-r1",)]
    assert found.attendances == []  # the round was held before the span
    # co-1 was raised before the span but discussed in it; co-2 was raised in it.
    assert [c.raised_on for c in found.callouts] == [T0.date(), (T0 + DAY).date()]
    assert found.last_cited == {"exc-h1": T0.date(), "env-r1": T0.date()}
    assert await facts(store, compact.partnership_id + 9, T0 - DAY) == HealthFacts(
        reflections=[], attendances=[], callouts=[], members={}, last_cited={}
    )


def state(clause: str, kind: TriggerKind, **changes: object) -> TriggerState:
    return TriggerState(clause, kind, "2026-Q4", **changes)  # type: ignore[arg-type]


async def test_review_triggers_keep_their_first_report_and_close_when_revised(
    store: UnitOfWorkFactory,
) -> None:
    compact = await load_compact(store)  # type: ignore[arg-type]
    pid = compact.partnership_id
    dates, quiet = TriggerKind.CALLOUT_DATES, TriggerKind.QUIET_IN_ACTIVE_HEADING
    async with store.unit_of_work() as uow:
        await uow.reviews.record(
            pid, [state("env-h1", dates, reported_in="2026-W48"), state("exc-r1", quiet)], T0
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.reviews.record(
            pid,
            [
                state("env-h1", dates, status=ReviewStatus.DISCUSSED, reported_in="2026-W49"),
                state("exc-r1", quiet, reported_in="2026-W49"),
            ],
            T0 + DAY,
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.reviews.states(pid, "2026-Q4")
        assert await uow.reviews.states(pid, "2027-Q1") == {}
        assert await uow.reviews.close_revised(pid, ["env-h1", "lis-r1"], 2, T0 + 2 * DAY) == 1
        assert await uow.reviews.close_revised(pid, ["env-h1"], 3, T0 + 2 * DAY) == 0
        await uow.commit()
    assert stored == {
        ("env-h1", dates): state(
            "env-h1", dates, status=ReviewStatus.DISCUSSED, reported_in="2026-W48"
        ),
        ("exc-r1", quiet): state("exc-r1", quiet, reported_in="2026-W49"),
    }
    async with store.unit_of_work() as uow:
        closed = (await uow.reviews.states(pid, "2026-Q4"))[("env-h1", dates)]
    assert (closed.status, closed.revised_in) == (ReviewStatus.REVISED, 2)
