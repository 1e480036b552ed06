"""The privacy suite an information-governance board can read: people play a round and
raise named, anonymous and "someone from my organisation" call-outs (withdrawn, discussed,
resolved, asked about and answered, told in the facilitators' daily summary) through the
console, the Slack stand-in and the Teams stand-in, on SQLite and PostgreSQL; then the
auditor looks at everything written and sent. Each assertion is a promise of
docs/privacy.md ("What the privacy suite checks")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.database import Database
from tests.app.test_cli import run
from tests.privacy.auditor import (
    LogTap,
    Reporter,
    Row,
    Snapshot,
    every_log_line,
    finer_than_a_day,
    snapshot,
    traces_in_rows,
    traces_in_texts,
)
from tests.privacy.drivers import DRIVERS, FACILITATOR, Callout, Driver, reporter_of

REPORTER = "bob"  # raises the anonymous call-outs
COLLEAGUE = "nkem"  # Bob's colleague at Northgate: raises OWN as "someone from Northgate"
NAMED = Callout("lis-h1", "eastmoor", "The figures changed after we had agreed them", "", "named")
FIRST = Callout(
    "lis-h1", "northgate", "Papers arrived the night before, again", "Notice", "anonymous"
)
SECOND = Callout("lead-r1", "nhsei", "Targets moved twice without warning", "A notice", "anonymous")
OWN = Callout("env-r1", "nhsei", "The review was shared before we had seen it", "", "organisation")
NORTHGATE = "Northgate Hospitals NHS Trust"  # the agenda may say it for OWN
QUESTION = "Which meeting was it?"
REPLIES = {"first": "The October board", "own": "The quarterly review"}


@dataclass(frozen=True)
class Step:
    """The database just before and just after one thing the reporter did."""

    before: Snapshot
    after: Snapshot

    @property
    def written(self) -> list[Row]:
        return self.after.written_since(self.before)


@dataclass(frozen=True)
class Watched:
    """A reporter the auditor looks for from the moment they first opened the form."""

    reporter: Reporter
    form_open: Snapshot
    sent_from: int  # how many messages had been sent then


@dataclass
class Audit:
    """What the auditor gathered while the reporters acted, and the moments it looked."""

    driver: Driver
    watched: dict[str, Watched]  # by handle: Bob and his colleague
    steps: dict[str, Step]  # "raised first", "replied own", "withdrew second"...
    end: Snapshot
    restamped: Snapshot
    refs: dict[str, str]
    logs: LogTap
    agenda: list[str]  # the facilitator's last agenda
    summary: list[str]  # what reached the facilitator when the clock passed the summary time
    export: str


async def facilitators_work(driver: Driver, refs: dict[str, str]) -> None:
    """The facilitator reads the agenda, discusses the first call-out and resolves it."""
    await driver.command(FACILITATOR, "agenda")
    await driver.command(FACILITATOR, f"discussed {refs['first']} Papers go out a week ahead")
    await driver.command(FACILITATOR, f"resolve {refs['first']} The chair checks on Mondays")


async def audit(driver: Driver, database_url: str) -> Audit:
    """The scenario: a round; Carol's named call-out; then, with the auditor listening from
    the moment Bob opens the form, Bob's two anonymous call-outs and his colleague's as
    "someone from Northgate"; the facilitator asks about Bob's first and hers, and each
    replies; the facilitator discusses and resolves the first; Bob withdraws the second; the
    clock passes the facilitators' daily summary."""
    database = driver.database
    await driver.play_round()
    await driver.open_callout_form("carol")
    refs = {"named": await driver.submit_callout("carol", NAMED)}
    steps: dict[str, Step] = {}
    watched: dict[str, Watched] = {}

    async def reporter_does(name: str, action: Awaitable[object]) -> None:
        before = await snapshot(database)
        await action
        steps[name] = Step(before, await snapshot(database))

    async def raise_callout(who: str, name: str, callout: Callout) -> None:
        """The step starts as the form opens, or when it is first opened, once it has (a
        newcomer is recorded then, in a transaction of its own, with its time)."""
        before, sent_from = await snapshot(database), driver.sent_count()
        await driver.open_callout_form(who)
        if who not in watched:  # from here on, everything is looked at for them
            before = await snapshot(database)
            watched[who] = Watched(await reporter_of(driver, who), before, sent_from)
        refs[name] = await driver.submit_callout(who, callout)
        steps[f"raised {name}"] = Step(before, await snapshot(database))

    with every_log_line() as logs:
        for who, name, callout in (
            (REPORTER, "first", FIRST),
            (REPORTER, "second", SECOND),
            (COLLEAGUE, "own", OWN),
        ):
            await raise_callout(who, name, callout)
        # The two-way thread: typed about the first, by the buttons about the colleague's.
        await driver.command(FACILITATOR, f"ask {refs['first']} {QUESTION}")
        await driver.ask_by_button(FACILITATOR, refs["own"], QUESTION)
        first, own = (f"reply {refs['first']} {REPLIES['first']}", REPLIES["own"])
        await reporter_does("replied first", driver.command(REPORTER, first))
        await reporter_does("replied own", driver.reply_by_button(COLLEAGUE, refs["own"], own))
        await facilitators_work(driver, refs)
        await reporter_does(
            "withdrew second", driver.command(REPORTER, f"withdraw {refs['second']}")
        )
        agenda_from = driver.sent_count()
        await driver.command(FACILITATOR, "agenda")
        agenda = driver.sent_privately_to(FACILITATOR, agenda_from)
        summary_from = driver.sent_count()
        await driver.wait(16)  # 08:00 the next morning in London: the daily summary is due
        summary = driver.sent_privately_to(FACILITATOR, summary_from)
        end = await snapshot(database)
        await driver.wiring.maintenance.restamp_anonymous_callouts()  # the hourly job
        restamped = await snapshot(database)
    exported = await asyncio.to_thread(
        run, ["export", "--format", "json", "--database-url", database_url], Path.cwd()
    )
    assert exported.returncode == 0, exported.stderr
    return Audit(
        driver, watched, steps, end, restamped, refs, logs, agenda, summary, exported.stdout
    )


def check_everything(audit: Audit) -> None:
    """Every promise about an anonymous or "my organisation" reporter, against everything
    the auditor gathered."""
    end, refs = audit.end, audit.refs
    hidden = ("first", "second", "own")  # the call-outs that do not name their reporter
    problems: list[str] = []
    for who, seen in audit.watched.items():
        reporter = seen.reporter
        assert reporter.person_id is not None  # known when the form opened: looked for too
        problems += [
            # 1. No row written from the moment they opened the form names them or points
            #    at their person.
            *traces_in_rows(end.written_since(seen.form_open), reporter),
            *traces_in_rows(audit.restamped.written_since(seen.form_open), reporter),
            # 2. No log line (at DEBUG) names them.
            *traces_in_texts(audit.logs.lines, reporter, "log"),
            # 3. Nothing sent to anyone else names them: messages, cards, modals, the
            #    agenda, the questions, the facilitators' daily summary.
            *traces_in_texts(audit.driver.sent_to_others(who, seen.sent_from), reporter, "sent"),
            # 4. Nor do the call-outs of `compact-bot export` (its reflections are named:
            #    people answered a round by name before the form opened).
            *traces_in_texts(_exported_callouts(audit.export), reporter, "export"),
        ]
    problems += [
        # 5. What the reporter's own actions wrote (raising, replies, withdrawal) holds no
        #    moment finer than the day.
        *(p for step in audit.steps.values() for p in finer_than_a_day(step.written)),
        # 6. Nor does anything about those call-outs' raising or withdrawal, nor any
        #    question or reply about them.
        *(p for ref in hidden for p in finer_than_a_day(_reporters_moments(end, refs[ref]))),
        # 7. Request keys are keyed hashes with the day (checked for names by 1).
        *finer_than_a_day(r for r in end.rows if r.table == "processed_requests"),
    ]
    # 8. On PostgreSQL, the transactions that raised, replied and withdrew (their xmin) wrote
    #    nothing naming either reporter, and no moment finer than the day; 10. once the
    #    hourly re-stamp has run, no row is left carrying those transactions' ids.
    for name, step in audit.steps.items():
        xmin = _written_by(step, refs, name).xmin
        if xmin is not None:
            together = step.after.in_transaction(xmin)
            for seen in audit.watched.values():
                problems += traces_in_rows(together, seen.reporter)
            problems += finer_than_a_day(together)
            problems += [
                f"{row} keeps the transaction id of '{name}'"
                for row in audit.restamped.in_transaction(xmin)
            ]
    assert problems == []
    # 9. A named call-out keeps its reporter and no reporter hash beside them.
    named = end.find("callouts", id=refs["named"])
    assert named.values["reporter_key"] is None and named.values["reporter_user_id"]
    # 11. "Someone from my organisation" shows the organisation (what she chose) and stores
    #     it, never her (1 and 3 checked that nothing names her; she keeps only the key).
    own = end.find("callouts", id=refs["own"])
    assert (own.values["reporter_organisation"], own.values["reporter_user_id"]) == (
        "northgate",
        None,
    )
    agenda = "\n".join(audit.agenda)
    assert f"raised by someone from {NORTHGATE}" in agenda
    # The scenario ran: the first call-out resolved, the second withdrawn by its reporter,
    # the open one's question answered on the agenda, and the summary sent.
    statuses = {name: end.find("callouts", id=refs[name]).values["status"] for name in hidden}
    assert statuses == {"first": "resolved", "second": "withdrawn", "own": "open"}
    assert QUESTION in agenda and REPLIES["own"] in agenda, agenda
    summary = "\n".join(audit.summary)
    assert "since your last summary" in summary, summary
    assert f"New: {refs['own']}" in summary and f"{refs['second']} (clause" in summary, summary


def _written_by(step: Step, refs: dict[str, str], name: str) -> Row:
    """The row the reporter's step `name` ("raised first", "replied own"...) wrote."""
    action, ref = name.split()
    if action == "replied":
        return step.after.find("callout_messages", callout_id=refs[ref], side="reply")
    return step.after.find("callouts", id=refs[ref])


def _exported_callouts(exported: str) -> list[str]:
    callouts = json.loads(exported)["callouts"]
    assert callouts  # the named and the resolved call-outs at least
    return [json.dumps(c, ensure_ascii=False) for c in callouts]


def _reporters_moments(snapshot: Snapshot, ref: str) -> list[Row]:
    """The call-out row as its reporter left it, the steps the reporter took, and the
    questions and replies about it."""
    row = snapshot.find("callouts", id=ref)
    steps = [
        r
        for r in snapshot.rows
        if r.table == "callout_status_changes"
        and r.values["callout_id"] == ref
        and r.values["to_status"] == "withdrawn"
    ]
    thread = [
        r for r in snapshot.rows if r.table == "callout_messages" and r.values["callout_id"] == ref
    ]
    moments = {"raised_at": row.values["raised_at"]}
    if row.values["status"] == "withdrawn":
        moments["updated_at"] = row.values["updated_at"]
    return [Row(row.table, moments, row.xmin), *steps, *thread]


@pytest.mark.parametrize("platform", sorted(DRIVERS))
async def test_an_anonymous_reporter_leaves_no_trace(
    platform: str, database: Database, database_url: str, tmp_path: Path
) -> None:
    async with DRIVERS[platform](database, tmp_path) as driver:
        check_everything(await audit(driver, database_url))
