"""Slack's rules, kept: signatures, retries applied once, double-clicks, a 429 storm."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import select

from bot import actions
from storage.database import Database
from storage.models import CalloutRow, ProcessedRequestRow, ReflectionRow, RoundRow
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, slack_world
from tests.adapters.slack.test_slack_round import asked, header_of_or_none, next_prompt
from tests.app.harness import count_rows


async def test_forged_and_stale_signatures_are_refused_and_change_nothing(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        people = world.people
        body = urllib.parse.urlencode(
            {
                "team_id": "T0PARTNER",
                "channel_id": CHANNEL,
                "user_id": ALICE,
                "command": "/compact",
                "text": f"reflect <@{ALICE}|alice> <@{BOB}|bob>",
                "trigger_id": "1.2.3",
            }
        )
        calls_before = len(world.slack.calls)
        # Signed with another secret.
        forged = dict(people.signed_headers(body))
        forged["X-Slack-Signature"] = "v0=" + "0" * 64
        async with people._session.post(
            people.events_url,
            data=body,
            headers={**forged, "Content-Type": "application/x-www-form-urlencoded"},
        ) as reply:
            assert reply.status == 401
        # Correctly signed, but ten minutes old (a replayed request).
        status, _ = await people.send(
            body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
        )
        assert status == 401
        # No signature at all.
        async with people._session.post(
            people.events_url,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as reply:
            assert reply.status == 401
        assert await count_rows(database, RoundRow) == 0
        assert len(world.slack.calls) == calls_before


async def test_a_retried_event_is_applied_once(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await people.command(
            ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob> <@{CAROL}|carol>", channel=CHANNEL
        )
        header = await slack.wait_for(lambda: header_of_or_none(world))
        prompt = await next_prompt(world, header, 1)
        person = asked(prompt)
        # Slack delivers the reply and, having seen no 2xx in time, redelivers it with the
        # same event_id while the first delivery is still being handled.
        reply = {
            "type": "message",
            "channel": CHANNEL,
            "user": person,
            "text": "Honest updates",
            "ts": "1800000999.000100",
            "thread_ts": header.ts,
        }
        statuses = await asyncio.gather(
            *(people.event(reply, event_id="Ev0RETRIED", retry=retry) for retry in (None, 1, 2))
        )
        assert [status for status, _ in statuses] == [200, 200, 200]
        await next_prompt(world, header, 2)
        assert await count_rows(database, ReflectionRow) == 1
        acks = [m for m in slack.private_to(person) if "Thank you" in m.all_text]
        assert len(acks) == 1
        async with database.unit_of_work() as uow:
            keys = (await uow.session.execute(select(ProcessedRequestRow.key))).scalars().all()
        assert world.wiring.services.request_keys.sealed("slack:event:Ev0RETRIED") in keys


async def test_a_double_clicked_button_is_applied_once(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await people.command(ALICE, "reflect", channel=CHANNEL)  # gathering: "I'm here" buttons
        header = await slack.wait_for(lambda: header_of_or_none(world))
        await slack.wait_for(lambda: header_of_or_none(world).buttons())
        # The round is complete once its header's ts is stored as its thread (that bumps the
        # version too): only then is `before` the version the clicks start from.
        for _ in range(500):  # a loaded machine may take seconds
            async with database.unit_of_work() as uow:
                thread, before = (
                    await uow.session.execute(select(RoundRow.thread_id, RoundRow.version))
                ).one()
            if thread is not None:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the round's thread was never stored")
        keys_before = await count_rows(database, ProcessedRequestRow)
        await people.click(BOB, header, actions.ROUND_JOIN)
        await people.click(BOB, header, actions.ROUND_JOIN)  # the double-click
        await people.click(CAROL, header, actions.ROUND_JOIN)  # someone else: not a repeat
        await slack.wait_for(
            lambda: "<@U0CAROL>" in header_of_or_none(world).all_text, what="carol joined"
        )
        text = header_of_or_none(world).all_text
        assert text.count("<@U0BOB>") == 1
        async with database.unit_of_work() as uow:
            version = await uow.session.scalar(select(RoundRow.version))
        assert version == before + 2  # Bob joined, Carol joined: the repeat changed nothing
        async with database.unit_of_work() as uow:
            keys = (await uow.session.execute(select(ProcessedRequestRow.key))).scalars().all()
        assert len(keys) == keys_before + 2  # Bob's press and Carol's: the repeat left none
        # Bob pressing again later is still a repeat; no second "already here" message either.
        assert not [m for m in slack.private_to(BOB) if "already" in m.all_text.lower()]


async def test_a_429_storm_delays_messages_but_drops_none(
    database: Database, tmp_path: Path
) -> None:
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        slack.rate_limit(4, retry_after=2)
        await people.command(ALICE, f"reflect <@{ALICE}|alice> <@{BOB}|bob>", channel=CHANNEL)
        header = await slack.wait_for(lambda: header_of_or_none(world), within=20)
        await next_prompt(world, header, 1)
        assert len([c for c in slack.calls if c.status == 429]) == 4
        posts = [c for c in slack.method_calls("chat.postMessage") if c.status == 200]
        assert len(posts) >= 2  # header and first prompt, both delivered
        # Each 429 was waited out for its Retry-After (plus jitter), then tried again.
        assert len(world.retry_waits) == 4
        assert all(2 <= wait < 3 for wait in world.retry_waits)
        # And a call-out raised during a storm still gets its private acknowledgement.
        slack.rate_limit(2, retry_after=0)
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms()))[-1]
        await people.submit(
            BOB,
            modal,
            {
                "clause": "lis-r1",
                "partner": "nhsei",
                "what_happened": "Late papers",
                "disclosure": "named",
            },
        )
        await slack.wait_for(
            lambda: [m for m in slack.private_to(BOB) if "tabled" in m.all_text], within=20
        )
        assert await count_rows(database, CalloutRow) == 1
        assert len([c for c in slack.calls if c.status == 429]) == 6
        assert len(world.retry_waits) == 6
