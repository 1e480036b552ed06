"""A console chat wired to the in-memory unit of work (or a real database, for the few tests
about what the database holds), with a clock the test moves by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from adapters.console.gateway import ConsoleGateway
from adapters.console.session import ConsoleSession, console_channel
from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.repositories import UnitOfWorkFactory
from bot.usecases.compacts import load_compact_file
from rituals.round.state import Round
from rituals.stored import ExportedReflection
from storage.database import Database
from tests.fakes.memory import MemoryDatabase

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "compact.yaml"
T0 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
SECRET = b"test-secret-key-with-enough-bytes"


def compact_with_ids(folder: Path, platform: str, id_for: Callable[[str], str]) -> Path:
    """The example compact, each person given an id on `platform` (`id_for(handle)`)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(
        r"^(\s+)email: (\w+)@(.*)$",
        lambda m: f'{m[1]}email: {m[2]}@{m[3]}\n{m[1]}ids: {{{platform}: "{id_for(m[2])}"}}',
        text,
        flags=re.MULTILINE,
    )
    path = folder / "compact.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class ManualClock:
    def __init__(self, start: datetime = T0) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, amount: timedelta) -> None:
        self.moment += amount


@dataclass
class Chat:
    """What everyone saw, line by line, and the wiring behind it."""

    session: ConsoleSession
    wiring: Wiring
    clock: ManualClock
    lines: list[str] = field(default_factory=list)

    async def play(self, script: str) -> list[str]:
        """Feed a script; returns only the lines printed while it ran."""
        start = len(self.lines)
        for line in script.strip("\n").splitlines():
            self.clock.advance(timedelta(seconds=5))
            await self.session.handle(line.strip())
        return self.lines[start:]

    def channel(self, lines: list[str] | None = None) -> str:
        return "\n".join(_messages(lines or self.lines, "[#"))

    def private(self, name: str, lines: list[str] | None = None) -> str:
        return "\n".join(_messages(lines or self.lines, f"[private to @{name}]"))

    @property
    def store(self) -> UnitOfWorkFactory:
        return self.wiring.database


def _messages(lines: list[str], prefix: str) -> list[str]:
    """Lines of the messages whose first line starts with `prefix` (continuations included)."""
    picked: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("["):
            inside = line.startswith(prefix)
        if inside:
            picked.append(line)
    return picked


async def open_chat(store: UnitOfWorkFactory, compact: Path = EXAMPLE) -> Chat:
    lines: list[str] = []
    clock = ManualClock()
    gateway = ConsoleGateway(lines.append)
    settings = Settings(DATABASE_URL="sqlite+aiosqlite://", COMPACT_FILE=compact)
    wiring = bootstrap(
        settings, gateways={"console": gateway}, clock=clock, database=store, secret=SECRET
    )
    await load_compact_file(wiring.services, compact, bind=(console_channel(),))
    session = ConsoleSession(
        wiring.app, lines.append, tick=wiring.maintenance.tick, advance_clock=clock.advance
    )
    return Chat(session, wiring, clock, lines)


async def count_rows(database: Database, row: type) -> int:
    """How many rows a table holds (what a test means by "stored", or "nothing stored")."""
    async with database.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(row)) or 0)


async def reflections(store: UnitOfWorkFactory) -> list[ExportedReflection]:
    """Every stored reflection, through the port (so any backend answers)."""
    async with store.unit_of_work() as uow:
        return await uow.reflections.export_rows(None)


def stored_rounds(store: MemoryDatabase) -> list[Round]:
    """Every round the in-memory store holds, open or closed (committed only)."""
    return [stored.round for stored in store.tables.rounds.values()]


def stored_names(store: MemoryDatabase) -> list[str]:
    """The display name of everyone the in-memory store holds."""
    return [person.display_name for person in store.tables.people.values()]
