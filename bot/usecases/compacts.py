"""Loading the compact file and showing the compact."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot import words
from bot.request_keys import record_first_time
from bot.requests import Actor
from bot.services import Services
from bot.usecases.audit_trail import record_link
from bot.usecases.health import close_reworded
from bot.usecases.place import Place, place_of
from bot.views import compact as views
from bot.views.rounds import notice
from rituals.compact import Compact
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError, NotAllowed, NotFound
from rituals.refs import ConversationRef
from rituals.review import reworded_clauses

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
    text = await asyncio.to_thread(read_compact_text, path)
    compact = parse_compact(text, source=str(path))
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        before = next(
            (c for c in await uow.compacts.latest_all() if c.partnership_slug == compact.slug),
            None,
        )
        stored, created = await uow.compacts.load(compact, source_text=text, now=now)
        for conversation in bind:
            await uow.channels.bind(stored.partnership_id, conversation)
        if created:
            reworded = reworded_clauses(None if before is None else before.compact, compact)
            await close_reworded(uow, stored, reworded, now)
        await uow.commit()
    log.info(
        "compact %s is at version %d (%s)",
        stored.partnership_slug,
        stored.version,
        "new" if created else "unchanged",
    )
    return LoadResult(compact, stored.version, created)


async def compact_for_chat(
    services: Services,
    given: Path | None,
    example: Path,
    *,
    bind: tuple[ConversationRef, ...] = (),
) -> LoadResult:
    """The compact a local chat plays: the file `given`, stored (a changed file becomes a new
    version); without one, the compact loaded most recently, so a compact loaded since is
    not replaced by the example; only an empty database gets `example`."""
    if given is not None:
        return await load_compact_file(services, given, bind=bind)
    async with services.database.unit_of_work() as uow:
        stored = await uow.compacts.latest_all()
        if not stored:
            newest = None
        else:
            newest = max(stored, key=lambda s: (s.loaded_at, s.version_id))
            for conversation in bind:
                await uow.channels.bind(newest.partnership_id, conversation)
            await uow.commit()
    if newest is None:
        return await load_compact_file(services, example, bind=bind)
    return LoadResult(newest.compact, newest.version, created=False)


def read_compact_text(path: Path) -> str:
    """A compact file's text; a missing file, a folder or text that is not UTF-8 is a
    `CompactFileError` in one line, like a mistake inside the file."""
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise CompactFileError("it is a folder, not a compact file") from None
    except OSError as problem:
        raise CompactFileError(f"cannot read it: {problem.strerror}") from None
    except UnicodeDecodeError as problem:
        line = path.read_bytes()[: problem.start].count(b"\n") + 1
        raise CompactFileError("it is not UTF-8 text; save it as UTF-8", line=line) from None


async def show_compact(
    services: Services, actor: Actor, conversation: ConversationRef, query: str
) -> None:
    async with services.database.unit_of_work() as uow:
        place = await place_of(uow, conversation)
    message = views.show(place.compact, place.stored.version, query)
    await services.tell(actor.user, message, near=conversation)


async def link_channel(
    services: Services,
    actor: Actor,
    conversation: ConversationRef,
    slug: str,
    *,
    request_key: str | None = None,
) -> None:
    """`/compact link <partnership>`: hold the partnership's rituals in this channel.

    Only a facilitator of that partnership may (recognised by the platform id the compact file
    gives them), so nobody can pull a partnership's rounds or digest into another channel.
    With one partnership stored, its slug may be left out.
    """
    channel = conversation.in_thread(None)
    async with services.database.unit_of_work() as uow:
        if request_key and not await record_first_time(uow, request_key, services.clock.now()):
            return  # a redelivery: the channel is linked already
        stored_all = await uow.compacts.latest_all()
        slugs = sorted(s.partnership_slug for s in stored_all)
        chosen = [s for s in stored_all if s.partnership_slug == slug.strip().lower()]
        if not slug.strip() and len(stored_all) == 1:
            chosen = stored_all
        if not chosen:
            raise NotFound(words.LINK_WHICH.format(slugs=", ".join(slugs) or "none"))
        stored = chosen[0]
        place = Place(stored.partnership_id, stored)
        person = await uow.people.find(stored.partnership_id, actor.user)
        if person is None or not place.is_facilitator(person):
            raise NotAllowed(words.LINK_ONLY_FACILITATORS)
        await uow.channels.bind(stored.partnership_id, channel)
        await record_link(uow, place, actor.user, channel, services.clock.now())
        await uow.commit()
    log.info("a channel was linked to partnership %s", stored.partnership_slug)
    await services.gateway(channel.platform).post(
        channel, notice(words.LINKED.format(name=stored.compact.name))
    )
