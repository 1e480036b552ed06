"""Acknowledged Slack work runs a bounded number at a time, per workspace and in all."""

from __future__ import annotations

import asyncio

from adapters.slack.listeners import InFlight


async def test_a_busy_workspace_waits_for_its_own_slots_without_holding_up_another() -> None:
    in_flight = InFlight(slots=4, per_workspace=2)
    release = asyncio.Event()
    running: list[str] = []

    async def work(team: str) -> None:
        async with in_flight.slot(team):
            running.append(team)
            await release.wait()

    busy = [asyncio.create_task(work("T_BUSY")) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert running == ["T_BUSY", "T_BUSY"]  # the other three wait their workspace's turn

    async with asyncio.timeout(1):  # another workspace still gets a slot at once
        async with in_flight.slot("T_OTHER"):
            pass

    release.set()
    await asyncio.gather(*busy)
    assert running == ["T_BUSY"] * 5
