"""Past the bound on accepted work (issue 12): a Teams activity gets 503 (Teams retries it)
and changes nothing; what was accepted before still runs. The fake Bot Connector holds the
bot's sends, so the accepted work stays queued; no clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.teams.server import teams_server
from bot.addresses import DatabaseAddressBook
from storage.database import Database
from storage.models import InboxRow, OutboxRow, ProcessedRequestRow, RoundRow
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.harness import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    FAST_BACKOFF,
    teams_settings,
    teams_world,
)
from tests.app.harness import count_rows


async def test_a_full_queue_answers_503_and_loses_no_accepted_activity(
    database: Database, tmp_path: Path
) -> None:
    fake = await FakeConnector().start()
    settings = teams_settings(TEAMS_ALLOWED_SERVICE_URLS=fake.url, COMPACT_MAX_QUEUED_WORK=1)
    server = teams_server(settings, DatabaseAddressBook(database), backoff=FAST_BACKOFF)
    assert server is not None
    try:
        async with teams_world(database, tmp_path, connector=fake, server=server) as world:
            people = world.people
            fake.hold = asyncio.Event()
            status, _ = await people.command(ALICE, "reflect", mentions=(ALICE, BOB, CAROL))
            assert status == 201  # accepted: recorded in the inbox, answered
            keys_before = await count_rows(database, ProcessedRequestRow)

            # The one place is taken: Teams is told to come back later, nothing changes.
            status, _ = await people.command(BOB, "reflect", mentions=(BOB,))
            assert status == 503
            assert await people.reply(BOB, "an answer", thread="1700") == 503
            assert await people.personal(BOB, "help") == 503
            assert await count_rows(database, ProcessedRequestRow) == keys_before

            # The Connector lets the sends through: the accepted round goes on.
            fake.hold.set()
            await world.idle()
            assert await count_rows(database, RoundRow) == 1
            assert await count_rows(database, InboxRow) == 0
            assert await count_rows(database, OutboxRow) == 0  # everything owed was sent
            assert fake.in_channel(CHANNEL), "the round's header"
            # With room again, Teams' retry of a refused activity is taken.
            status, _ = await people.command(BOB, "help")
            assert status == 201
    finally:
        await fake.stop()
