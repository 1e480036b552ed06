"""Loading the compact file and showing the compact."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot import actions, words
from bot.messages import Actions, Button, Message, Paragraph
from bot.repositories import UnitOfWork
from bot.request_keys import request_key
from bot.requests import Actor
from bot.services import Services
from bot.usecases.audit_trail import record_link
from bot.usecases.health import close_reworded
from bot.usecases.place import CONSOLE, Place, known_person, place_of
from bot.usecases.recognition import recognise
from bot.views import compact as views
from bot.views.rounds import notice
from rituals.compact import Compact
from rituals.compact_diff import CompactChange, compact_change
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError, NotAllowed, NotFound
from rituals.refs import ConversationRef, UserRef
from rituals.review import reworded_clauses
from rituals.stored import StoredCompact

log = logging.getLogger("compact.load")


@dataclass(frozen=True, slots=True)
class LoadResult:
    compact: Compact
    version: int
    created: bool

    @property
    def slug(self) -> str:
        return self.compact.slug


@dataclass(frozen=True, slots=True)
class CompactPreview:
    """What storing a compact file would change (`compact diff`, and `compact load` before it
    asks); `stored_version` is the version it was compared with (None: a new partnership)."""

    compact: Compact
    text: str
    stored_version: int | None
    change: CompactChange


async def preview_compact_file(services: Services, path: Path) -> CompactPreview:
    """Parse `path` and compare it with the stored compact of its partnership; stores nothing."""
    text = await asyncio.to_thread(read_compact_text, path)
    compact = parse_compact(text, source=str(path))
    async with services.database.unit_of_work() as uow:
        before = await _stored(uow, compact.slug)
    change = compact_change(None if before is None else before.compact, compact)
    return CompactPreview(compact, text, None if before is None else before.version, change)


async def load_compact_file(
    services: Services,
    path: Path,
    *,
    bind: tuple[ConversationRef, ...] = (),
    confirmed: CompactPreview | None = None,
) -> LoadResult:
    """Parse and store `path`; a changed file becomes a new version, an unchanged one nothing.

    A malformed file raises `CompactFileError` (naming the line) before anything is written,
    so the stored compact stays as it was; so does a change that would leave the partnership
    without a facilitator, or declare another partnership's channel. With `confirmed`, the
    stored compact must still be the one that preview was made against.
    """
    text = await asyncio.to_thread(read_compact_text, path)
    compact = parse_compact(text, source=str(path))
    now = services.clock.now()
    async with services.database.unit_of_work() as uow:
        before = await _stored(uow, compact.slug)
        if confirmed is not None and confirmed.stored_version != (before and before.version):
            raise CompactFileError(words.COMPACT_CHANGED_SINCE)
        change = compact_change(None if before is None else before.compact, compact)
        if change.orphans_partnership:
            removed = ", ".join(change.facilitators_removed)
            raise CompactFileError(
                words.COMPACT_ORPHANED.format(slug=compact.slug, removed=removed)
            )
        stored, created = await uow.compacts.load(compact, source_text=text, now=now)
        await _declare_channels(uow, stored.partnership_id, compact)
        for conversation in bind:
            await uow.channels.bind(stored.partnership_id, conversation)
            if not compact.tenants_for(conversation.platform):  # its workspace counts now
                await uow.people.declare_file_ids(
                    stored.partnership_id,
                    compact.people,
                    conversation.platform,
                    conversation.tenant,
                )
        if created:
            reworded = reworded_clauses(None if before is None else before.compact, compact)
            await close_reworded(uow, stored, reworded, now)
        await uow.commit()
    services.known_people.forget()  # its people or channels may have changed
    log.info(
        "compact %s is at version %d (%s)",
        stored.partnership_slug,
        stored.version,
        "new" if created else "unchanged",
    )
    return LoadResult(compact, stored.version, created)


async def _stored(uow: UnitOfWork, slug: str) -> StoredCompact | None:
    partnership_id = await uow.compacts.partnership_id(slug)
    return None if partnership_id is None else await uow.compacts.latest_for(partnership_id)


async def _declare_channels(uow: UnitOfWork, partnership_id: int, compact: Compact) -> None:
    """Record the channels the file declares; one another partnership declares is refused."""
    wanted = [(c.platform, c.channel_id) for c in compact.channels]
    for platform, channel_id in wanted:
        holder = await uow.channels.declared_holder(platform, channel_id)
        if holder is not None and holder != partnership_id:
            other = await uow.compacts.latest_for(holder)
            raise CompactFileError(
                words.COMPACT_CHANNEL_TAKEN.format(
                    channel=f"{platform} {channel_id}",
                    other=other.partnership_slug if other else "another partnership",
                )
            )
    await uow.channels.declare(partnership_id, wanted)


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

    Only a facilitator of that partnership may (recognised by their profile's email or the
    id the compact file gives them, in the partnership's own workspace or tenant), so nobody
    can pull a partnership's rounds or digest into another channel. With one partnership
    stored, its slug may be left out. A channel another partnership holds moves only for
    someone who facilitates both, and only once they confirm (a second `/compact link`, or
    the button).
    """
    channel = conversation.in_thread(None)
    now = services.clock.now()
    ask: Message | None = None
    async with services.database.unit_of_work() as uow:
        wanted = await _chosen(uow, slug)
    recognised = await recognise(
        services, channel, (actor,), partnership_id=wanted.partnership_id, linking=True
    )
    async with services.database.unit_of_work() as uow:
        if request_key and not await services.request_keys.first_time(uow, request_key, now):
            return  # a redelivery: the channel is linked already
        place = await _chosen(uow, slug)
        if not await _facilitates(uow, place, actor):
            refusal = words.LINK_ONLY_FACILITATORS
            raise NotAllowed(words.REINSTALL_FOR_EMAILS if recognised.missing_scope else refusal)
        holder = await uow.channels.partnership_of(channel)
        if holder is None:
            holder = await uow.channels.declared_holder(channel.platform, channel.channel)
        if holder is not None and holder != place.partnership_id:
            other = await uow.compacts.latest_for(holder)
            other_name = other.compact.name if other else ""
            if other is None or not await _facilitates(uow, Place(holder, other), actor):
                raise NotAllowed(words.LINK_HELD_ELSEWHERE.format(other=other_name))
            asked = _move_asked(channel, holder, place.slug, actor.user)
            if await services.request_keys.first_time(uow, asked, now):
                ask = _move_question(place, other_name, channel)
        first_here = False
        if ask is None:
            first_here = await _bind_here(uow, place, channel)
            await record_link(uow, place, actor.user, channel, now)
        await uow.commit()
    if ask is not None:
        await services.tell(actor.user, ask, near=conversation)
        return
    log.info("a channel was linked to partnership %s", place.slug)
    text = words.LINKED.format(name=place.compact.name)
    if first_here:
        home = words.LINKED_HOME.format(platform=channel.platform.title(), tenant=channel.tenant)
        text = f"{text}\n{home}"
    await services.gateway(channel.platform).post(channel, notice(text))


async def _bind_here(uow: UnitOfWork, place: Place, channel: ConversationRef) -> bool:
    """Bind `channel`; with no workspace listed in the file, this one counts now (the file's
    ids hold here). True when it is the partnership's first workspace on that platform."""
    listed = place.compact.tenants_for(channel.platform)
    first_here = channel.platform != CONSOLE and not listed
    first_here = first_here and not await uow.people.home_tenants(
        place.partnership_id, channel.platform
    )
    await uow.channels.bind(place.partnership_id, channel)
    if not listed:
        await uow.people.declare_file_ids(
            place.partnership_id, place.compact.people, channel.platform, channel.tenant
        )
    return first_here


def _move_asked(channel: ConversationRef, holder: int, slug: str, user: UserRef) -> str:
    """The key of "this move was asked about", kept a day (`REQUEST_KEYS_KEPT`): the same
    `/compact link` again within it is the confirmation."""
    return request_key(
        channel.platform, "link-move", channel.tenant, channel.channel, str(holder), slug,
        user.tenant, user.user_id,
    )  # fmt: skip


def _move_question(place: Place, other: str, channel: ConversationRef) -> Message:
    text = words.LINK_CONFIRM_MOVE.format(other=other, name=place.compact.name, slug=place.slug)
    button = Button(words.LINK_MOVE_BUTTON, actions.LINK_MOVE, f"{place.slug} {channel.channel}")
    return Message(text, (Paragraph.of(text), Actions((button,))))


async def _chosen(uow: UnitOfWork, slug: str) -> Place:
    """The partnership `/compact link` names (the only one stored, when none is named)."""
    stored_all = await uow.compacts.latest_all()
    slugs = sorted(s.partnership_slug for s in stored_all)
    chosen = [s for s in stored_all if s.partnership_slug == slug.strip().lower()]
    if not slug.strip() and len(stored_all) == 1:
        chosen = stored_all
    if not chosen:
        raise NotFound(words.LINK_WHICH.format(slugs=", ".join(slugs) or "none"))
    return Place(chosen[0].partnership_id, chosen[0])


async def _facilitates(uow: UnitOfWork, place: Place, actor: Actor) -> bool:
    person = await known_person(uow, place, actor.user)
    return person is not None and place.is_facilitator(person)
