"""The SQLite file holds call-outs and encrypted tokens: it is created readable by its owner
only, and so are its -wal and -shm side files."""

from __future__ import annotations

import stat
from pathlib import Path

from storage.database import Database
from storage.migrate import upgrade_async


async def test_a_new_sqlite_database_and_its_side_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    await upgrade_async(f"sqlite+aiosqlite:///{path}")
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.unit_of_work() as uow:
            await uow.compacts.latest_all()  # a connection in WAL mode: -wal and -shm exist
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    finally:
        await database.dispose()
    assert modes == {f.name: 0o600 for f in files}
