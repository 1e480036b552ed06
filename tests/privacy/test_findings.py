"""The findings of issue 10, each gone: request keys that named people, a newcomer written
in their anonymous call-out's transaction, a reporter hash beside a named reporter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.console.session import console_channel, console_user
from bot.inbox import to_json
from bot.request_keys import RequestLedger
from bot.requests import Actor, CommandRequest
from storage.database import Database
from storage.models import CalloutRow, ProcessedRequestRow
from tests.app.harness import SECRET, T0, open_chat
from tests.contract.test_inbox_and_outbox import LEDGER
from tests.fakes.memory import MemoryDatabase
from tests.privacy.auditor import (
    finer_than_a_day,
    snapshot,
    traces_in_rows,
)
from tests.privacy.drivers import Callout, console_driver, reporter_of

ANONYMOUS = Callout("lis-h1", "northgate", "Papers arrived the night before", "Notice", "anonymous")
TEAMS_KEY = "teams:card:1003:callout:29:bob"
SECOND = timedelta(seconds=1)


async def test_request_keys_are_keyed_hashes_with_the_day(database: Database) -> None:
    ledger = RequestLedger(SECRET)
    async with database.unit_of_work() as uow:
        assert await ledger.first_time(uow, TEAMS_KEY, T0)
        assert not await ledger.first_time(uow, TEAMS_KEY, T0.replace(hour=23))  # a retry
        await uow.commit()
    async with database.unit_of_work() as uow:
        ((key, seen),) = (
            await uow.session.execute(
                select(ProcessedRequestRow.key, ProcessedRequestRow.first_seen_at)
            )
        ).all()
    assert re.fullmatch(r"[0-9a-f]{64}", key) and "bob" not in key
    assert seen == datetime(2026, 11, 23, tzinfo=UTC)
    # Keyed: another secret (or none) gives another value, so a dump cannot test guesses of
    # the key's parts without the secret.
    assert LEDGER.sealed(TEAMS_KEY) != key == ledger.sealed(TEAMS_KEY)


async def test_a_newcomer_is_recorded_apart_from_their_anonymous_callout(
    database: Database, tmp_path: Path
) -> None:
    """Zed is named in no compact file: opening the form records them, in a transaction of
    its own; the call-out's own transaction (its xmin, on PostgreSQL) writes nothing of them."""
    async with console_driver(database, tmp_path) as driver:
        await driver.open_callout_form("zed")
        form_open = await snapshot(database)
        zed = await reporter_of(driver, "zed")
        assert zed.person_id is not None  # recorded when the form opened
        ref = await driver.submit_callout("zed", ANONYMOUS)
        raised = await snapshot(database)
    written = raised.written_since(form_open)
    assert {row.table for row in written} == {"callouts"}
    assert traces_in_rows(written, zed) == [] and finer_than_a_day(written) == []
    xmin = raised.find("callouts", id=ref).xmin
    if xmin is not None:  # PostgreSQL
        assert traces_in_rows(raised.in_transaction(xmin), zed) == []
        person = raised.find("people", id=zed.person_id)
        assert person.xmin != xmin


async def test_a_named_callout_keeps_no_reporter_hash_and_stays_theirs(
    database: Database, tmp_path: Path
) -> None:
    named = Callout("lis-h1", "northgate", "Papers arrived late", "", "named")
    async with console_driver(database, tmp_path) as driver:
        await driver.open_callout_form("bob")
        ref = await driver.submit_callout("bob", named)
        async with database.unit_of_work() as uow:
            row = (await uow.session.execute(select(CalloutRow))).scalar_one()
        assert (row.reporter_key, row.reporter_user_id) == (None, "bob")
        # Found by their stored identity: Carol cannot withdraw it, Bob can, and is told.
        out = await driver.chat.play(f"@carol: /compact withdraw {ref}")
        assert "can't change" in driver.chat.private("carol", out).lower()
        await driver.chat.play("@alice: /compact discussed " + ref + " We talked")
        assert f"{ref} was discussed" in driver.chat.private("bob")
        await driver.command("bob", f"withdraw {ref}")
        async with database.unit_of_work() as uow:
            status = await uow.session.scalar(select(CalloutRow.status))
        assert status == "withdrawn"


async def test_an_inbox_row_from_before_hashed_keys_is_handled_once_then_dropped(
    memory: MemoryDatabase,
) -> None:
    """A request acknowledged by the old code (its row under the key in clear) when the
    service was upgraded: recovered, handled once, and gone, not claimed again forever."""
    chat = await open_chat(memory)
    alice = Actor(console_user("alice"), "alice")
    request = CommandRequest(alice, console_channel(), ("help",), (), request_id="console:old:1")
    kind, body = to_json(request)
    async with memory.unit_of_work() as uow:
        await uow.inbox.put("console:old:1", kind, body, T0, by="gone", until=T0 - SECOND)
        await uow.commit()
    assert await chat.wiring.inbox.recover() == 1
    chat.clock.advance(timedelta(minutes=1))  # past any lease the first recovery took
    assert await chat.wiring.inbox.recover() == 0
    async with memory.unit_of_work() as uow:
        assert await uow.inbox.count() == 0


async def test_an_unchanged_address_is_not_written_again(database: Database) -> None:
    """Teams keeps how to reach each person; the same address seen again (a process that
    restarted between a person opening the form and sending it) writes no row with the
    time of their call-out."""
    address = {"serviceUrl": "https://smba.example", "id": "29:bob"}
    async with database.unit_of_work() as uow:
        await uow.addresses.remember("teams", "user:29:bob", address, T0)
        await uow.commit()
    before = await snapshot(database)
    async with database.unit_of_work() as uow:
        await uow.addresses.remember("teams", "user:29:bob", address, T0 + SECOND)
        await uow.commit()
    assert (await snapshot(database)).written_since(before) == []
    async with database.unit_of_work() as uow:
        await uow.addresses.remember("teams", "user:29:bob", {**address, "id": "29:b"}, T0)
        assert await uow.addresses.recall("teams", "user:29:bob") == {**address, "id": "29:b"}
