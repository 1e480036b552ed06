"""`/compact settings`: everyone sees when the digest goes out; facilitators change it."""

from __future__ import annotations

from datetime import time

from tests.app.harness import open_chat
from tests.fakes.memory import MemoryDatabase


async def test_facilitators_change_the_digest_schedule_and_others_only_see_it(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play("@bob: /compact settings")
    assert "Mondays at 09:00 (Europe/London); this channel gets it." in chat.private("bob", out)

    # A mistake is refused beside its field and nothing changes.
    out = await chat.play(
        """
        @alice: /compact settings
        @alice: thursday
        @alice: 25:99
        @alice: Europe/Paris
        @alice: yes
        @alice: yes
        """
    )
    assert "'25:99' is not a time of day" in chat.private("alice", out)
    async with memory.unit_of_work() as uow:
        pid = (await uow.compacts.latest_all())[0].partnership_id
        assert (await uow.schedules.get(pid)).weekday == 0

    out = await chat.play(
        """
        @alice: /compact settings
        @alice: thursday
        @alice: 16:30
        @alice: Europe/Paris
        @alice: yes
        @alice: yes
        """
    )
    assert "Saved. The weekly digest goes out Thursdays at 16:30 (Europe/Paris)" in chat.private(
        "alice", out
    )
    async with memory.unit_of_work() as uow:
        schedule = await uow.schedules.get(pid)
    assert (schedule.weekday, schedule.at, schedule.zone) == (3, time(16, 30), "Europe/Paris")
    out = await chat.play("@bob: /compact settings")
    assert "Thursdays at 16:30 (Europe/Paris)" in chat.private("bob", out)
