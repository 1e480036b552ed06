"""The privacy suite an information-governance board can read: people play a round and
raise named and anonymous call-outs (withdrawn, discussed, resolved) through the console, the
Slack stand-in and the Teams stand-in, on SQLite and PostgreSQL; then the auditor looks at
everything written and sent. Each assertion is a promise of docs/privacy.md ("What the
privacy suite checks")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.database import Database
from tests.app.test_cli import run
from tests.privacy.auditor import (
    LogTap,
    Reporter,
    Snapshot,
    every_log_line,
    finer_than_a_day,
    snapshot,
    traces_in_rows,
    traces_in_texts,
)
from tests.privacy.drivers import DRIVERS, FACILITATOR, Callout, Driver, reporter_of

REPORTER = "bob"
NAMED = Callout("lis-h1", "eastmoor", "The figures changed after we had agreed them", "", False)
FIRST = Callout("lis-h1", "northgate", "Papers arrived the night before, again", "Notice", True)
SECOND = Callout("lead-r1", "nhsei", "Targets moved twice without warning", "A notice", True)


@dataclass
class Audit:
    """What the auditor gathered while the reporter acted, and the moments it looked."""

    driver: Driver
    reporter: Reporter
    form_open: Snapshot
    raised: Snapshot
    before_withdrawal: Snapshot
    withdrawn: Snapshot
    end: Snapshot
    restamped: Snapshot
    refs: dict[str, str]
    logs: LogTap
    sent_from: int
    export: str


Step = Callable[[Driver, dict[str, str]], Awaitable[None]]


async def facilitators_work(driver: Driver, refs: dict[str, str]) -> None:
    """The facilitator reads the agenda, discusses the first call-out and resolves it."""
    await driver.command(FACILITATOR, "agenda")
    await driver.command(FACILITATOR, f"discussed {refs['first']} Papers go out a week ahead")
    await driver.command(FACILITATOR, f"resolve {refs['first']} The chair checks on Mondays")


async def audit(driver: Driver, database_url: str, *, more: Step = facilitators_work) -> Audit:
    """The scenario: a round; Carol's named call-out; then, with the auditor listening from
    the moment Bob opens the form, Bob's two anonymous call-outs, `more` (the facilitator's
    work by default: a later scenario adds its own), and Bob withdrawing the second."""
    database = driver.database
    await driver.play_round()
    await driver.open_callout_form("carol")
    refs = {"named": await driver.submit_callout("carol", NAMED)}
    with every_log_line() as logs:
        sent_from = driver.sent_count()
        await driver.open_callout_form(REPORTER)
        form_open = await snapshot(database)
        reporter = await reporter_of(driver, REPORTER)
        refs["first"] = await driver.submit_callout(REPORTER, FIRST)
        raised = await snapshot(database)
        await driver.open_callout_form(REPORTER)
        refs["second"] = await driver.submit_callout(REPORTER, SECOND)
        await more(driver, refs)
        before_withdrawal = await snapshot(database)
        await driver.command(REPORTER, f"withdraw {refs['second']}")
        withdrawn = await snapshot(database)
        await driver.command(FACILITATOR, "agenda")
        end = await snapshot(database)
        await driver.wiring.maintenance.restamp_anonymous_callouts()  # the hourly job
        restamped = await snapshot(database)
    exported = await asyncio.to_thread(
        run, ["export", "--format", "json", "--database-url", database_url], Path.cwd()
    )
    assert exported.returncode == 0, exported.stderr
    return Audit(
        driver,
        reporter,
        form_open,
        raised,
        before_withdrawal,
        withdrawn,
        end,
        restamped,
        refs,
        logs,
        sent_from,
        exported.stdout,
    )


def check_everything(audit: Audit) -> None:
    """Every promise about an anonymous reporter, against everything the auditor gathered."""
    reporter, end = audit.reporter, audit.end
    assert reporter.person_id is not None  # known before the form opened: looked for too
    problems = [
        # 1. No row written from the moment the form opened names the reporter or points at
        #    their person.
        *traces_in_rows(end.written_since(audit.form_open), reporter),
        # 2. No log line (at DEBUG) names them.
        *traces_in_texts(audit.logs.lines, reporter, "log"),
        # 3. Nothing sent to anyone else names them.
        *traces_in_texts(audit.driver.sent_to_others(REPORTER, audit.sent_from), reporter, "sent"),
        # 4. Nor do the call-outs of `compact-bot export` (its reflections are named: people
        #    answered a round by name before the form opened).
        *traces_in_texts(_exported_callouts(audit.export), reporter, "export"),
        # 5. What the reporter's own actions wrote holds no moment finer than the day.
        *finer_than_a_day(audit.raised.written_since(audit.form_open)),
        *finer_than_a_day(audit.withdrawn.written_since(audit.before_withdrawal)),
        # 6. Nor does anything about an anonymous call-out's raising or withdrawal.
        *finer_than_a_day(_reporters_moments(end, audit.refs["first"])),
        *finer_than_a_day(_reporters_moments(end, audit.refs["second"])),
        # 7. Request keys are keyed hashes with the day (checked for names by 1).
        *finer_than_a_day(r for r in end.rows if r.table == "processed_requests"),
    ]
    # 8. On PostgreSQL, the transactions that raised and withdrew (their xmin) wrote
    #    nothing naming the reporter, and no moment finer than the day; 10. once the hourly
    #    re-stamp has run, no row is left carrying those transactions' ids.
    for moment, ref in ((audit.raised, "first"), (audit.withdrawn, "second")):
        xmin = moment.find("callouts", id=audit.refs[ref]).xmin
        if xmin is not None:
            together = moment.in_transaction(xmin)
            problems += traces_in_rows(together, reporter)
            problems += finer_than_a_day(together)
            problems += [
                f"{row} keeps the {ref} transaction's id"
                for row in audit.restamped.in_transaction(xmin)
            ]
    assert problems == []
    # 9. A named call-out keeps its reporter and no reporter hash beside them.
    named = end.find("callouts", id=audit.refs["named"])
    assert named.values["reporter_key"] is None and named.values["reporter_user_id"]
    # The scenario ran: the first call-out resolved, the second withdrawn by its reporter.
    statuses = {
        end.find("callouts", id=audit.refs[r]).values["status"] for r in ("first", "second")
    }
    assert statuses == {"resolved", "withdrawn"}


def _exported_callouts(exported: str) -> list[str]:
    callouts = json.loads(exported)["callouts"]
    assert callouts  # the named and the resolved call-outs at least
    return [json.dumps(c, ensure_ascii=False) for c in callouts]


def _reporters_moments(snapshot: Snapshot, ref: str) -> list[object]:
    """The call-out row as its reporter left it and its steps the reporter took."""
    row = snapshot.find("callouts", id=ref)
    steps = [
        r
        for r in snapshot.rows
        if r.table == "callout_status_changes"
        and r.values["callout_id"] == ref
        and r.values["to_status"] == "withdrawn"
    ]
    moments = {"raised_at": row.values["raised_at"]}
    if row.values["status"] == "withdrawn":
        moments["updated_at"] = row.values["updated_at"]
    return [type(row)(row.table, moments, row.xmin), *steps]


@pytest.mark.parametrize("platform", sorted(DRIVERS))
async def test_an_anonymous_reporter_leaves_no_trace(
    platform: str, database: Database, database_url: str, tmp_path: Path
) -> None:
    async with DRIVERS[platform](database, tmp_path) as driver:
        check_everything(await audit(driver, database_url))
