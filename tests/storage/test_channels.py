"""Channels bound to partnerships."""

from __future__ import annotations

from storage.database import Database
from tests.storage.builders import CHANNEL, load_compact, make_compact


async def test_bind_is_idempotent_and_ignores_threads(database: Database) -> None:
    stored = await load_compact(database)
    pid = stored.partnership_id
    async with database.unit_of_work() as uow:
        await uow.channels.bind(pid, CHANNEL)
        await uow.channels.bind(pid, CHANNEL.in_thread("1700000000.000100"))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.channels.partnership_of(CHANNEL.in_thread("123.456")) == pid
        assert await uow.channels.channels_of(pid) == [CHANNEL]
        assert await uow.channels.partnership_of(CHANNEL.__class__("slack", "T9", "C1")) is None


async def test_binding_to_another_partnership_moves_the_channel(database: Database) -> None:
    one = await load_compact(database, make_compact(slug="one"))
    two = await load_compact(database, make_compact(slug="two"))
    async with database.unit_of_work() as uow:
        await uow.channels.bind(one.partnership_id, CHANNEL)
        await uow.commit()
    async with database.unit_of_work() as uow:
        await uow.channels.bind(two.partnership_id, CHANNEL)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.channels.partnership_of(CHANNEL) == two.partnership_id
        assert await uow.channels.channels_of(one.partnership_id) == []
        assert await uow.channels.channels_of(two.partnership_id) == [CHANNEL]
