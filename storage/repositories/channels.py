"""Which partnership a conversation belongs to, so a command there finds its compact."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rituals.refs import ConversationRef
from storage.models import ChannelRow, DeclaredChannelRow
from storage.repositories._sql import insert_if_absent, rowcount

# Built once: every request recognising people asks it (Core, on the session's connection).
_HOLDER: Final = select(ChannelRow.partnership_id).where(
    ChannelRow.platform == bindparam("platform"),
    ChannelRow.tenant == bindparam("tenant"),
    ChannelRow.channel_id == bindparam("channel_id"),
)


class ChannelRepository:
    """Binds channels (never threads) to partnerships."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def bind(
        self, partnership_id: int, conversation: ConversationRef, *, digest: bool = True
    ) -> None:
        """Bind the conversation's channel to the partnership; binding again is harmless.

        A channel belongs to one partnership at a time: binding it to another moves it.
        `digest`: whether the weekly digest goes there (not to a person's chat with the bot);
        set when the channel is first bound, and kept (a facilitator's choice) afterwards.
        """
        key = (
            ChannelRow.platform == conversation.platform,
            ChannelRow.tenant == conversation.tenant,
            ChannelRow.channel_id == conversation.channel,
        )
        moved = await rowcount(
            self._session,
            update(ChannelRow).where(*key).values(partnership_id=partnership_id),
        )
        if moved:
            return
        inserted = await insert_if_absent(
            self._session,
            insert(ChannelRow).values(
                partnership_id=partnership_id,
                platform=conversation.platform,
                tenant=conversation.tenant,
                channel_id=conversation.channel,
                receives_digest=digest,
            ),
        )
        if inserted is None:
            # Bound by a concurrent request a moment ago; the last binding wins, as above.
            await rowcount(
                self._session,
                update(ChannelRow).where(*key).values(partnership_id=partnership_id),
            )

    async def partnership_of(self, conversation: ConversationRef) -> int | None:
        """The partnership the conversation's channel is bound to (its thread is ignored)."""
        connection = await self._session.connection()
        channel = {
            "platform": conversation.platform,
            "tenant": conversation.tenant,
            "channel_id": conversation.channel,
        }
        return (await connection.execute(_HOLDER, channel)).scalar()

    async def channels_of(
        self, partnership_id: int, *, digest_only: bool = False
    ) -> list[ConversationRef]:
        """Channels bound to the partnership (with `digest_only`, those its digest goes to),
        oldest first."""
        statement = (
            select(ChannelRow.platform, ChannelRow.tenant, ChannelRow.channel_id)
            .where(ChannelRow.partnership_id == partnership_id)
            .order_by(ChannelRow.id)
        )
        if digest_only:
            statement = statement.where(ChannelRow.receives_digest.is_(True))
        rows = await self._session.execute(statement)
        return [ConversationRef(p, t, c) for p, t, c in rows.all()]

    async def set_digest(self, conversation: ConversationRef, digest: bool) -> None:
        """Whether the weekly digest goes to this (bound) channel."""
        await rowcount(
            self._session,
            update(ChannelRow)
            .where(
                ChannelRow.platform == conversation.platform,
                ChannelRow.tenant == conversation.tenant,
                ChannelRow.channel_id == conversation.channel,
            )
            .values(receives_digest=digest),
        )

    async def receives_digest(self, conversation: ConversationRef) -> bool:
        value = await self._session.scalar(
            select(ChannelRow.receives_digest).where(
                ChannelRow.platform == conversation.platform,
                ChannelRow.tenant == conversation.tenant,
                ChannelRow.channel_id == conversation.channel,
            )
        )
        return bool(value)

    async def declared_holder(self, platform: str, channel_id: str) -> int | None:
        """The partnership whose compact file declares this channel, if any."""
        return await self._session.scalar(
            select(DeclaredChannelRow.partnership_id).where(
                DeclaredChannelRow.platform == platform,
                DeclaredChannelRow.channel_id == channel_id,
            )
        )

    async def declare(self, partnership_id: int, channels: Sequence[tuple[str, str]]) -> None:
        """The (platform, channel id) pairs the partnership's file declares, replacing the
        ones it declared before (a channel bound already stays bound)."""
        await self._session.execute(
            delete(DeclaredChannelRow).where(DeclaredChannelRow.partnership_id == partnership_id)
        )
        for platform, channel_id in channels:
            self._session.add(
                DeclaredChannelRow(
                    partnership_id=partnership_id, platform=platform, channel_id=channel_id
                )
            )
        await self._session.flush()
