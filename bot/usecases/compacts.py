"""Loading the compact file and showing the compact."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.requests import Actor
from bot.services import Services
from bot.usecases.place import place_of
from bot.views import compact as views
from rituals.compact import Compact
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError
from rituals.refs import ConversationRef

log = logging.getLogger("compact.load")


@dataclass(frozen=True, slots=True)
class LoadResult:
    compact: Compact
    version: int
    created: bool

    @property
    def slug(self) -> str:
        return self.compact.slug


async def load_compact_file(
    services: Services, path: Path, *, bind: tuple[ConversationRef, ...] = ()
) -> LoadResult:
    """Parse and store `path`; a changed file becomes a new version, an unchanged one nothing.

    A malformed file raises `CompactFileError` (naming the line) before anything is written,
    so the stored compact stays as it was.
    """
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as problem:
        raise CompactFileError(f"cannot read {path}: {problem.strerror}") from problem
    compact = parse_compact(text, source=str(path))
    async with services.database.unit_of_work() as uow:
        stored, created = await uow.compacts.load(
            compact, source_text=text, now=services.clock.now()
        )
        for conversation in bind:
            await uow.channels.bind(stored.partnership_id, conversation)
        await uow.commit()
    log.info(
        "compact %s is at version %d (%s)",
        stored.partnership_slug,
        stored.version,
        "new" if created else "unchanged",
    )
    return LoadResult(compact, stored.version, created)


async def show_compact(
    services: Services, actor: Actor, conversation: ConversationRef, query: str
) -> None:
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
    message = views.show(place.compact, place.stored.version, query)
    await services.tell(actor.user, message, near=conversation)
