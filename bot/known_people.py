"""People this process has lately found already recognised in a conversation's partnership,
so that their next requests skip recognition's transaction (docs/architecture.md,
"Recognising people")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from rituals.refs import ConversationRef, UserRef

# Long enough to spare a round's replies a look-up each; short enough that a link moved or a
# person forgotten by another process is looked at again soon (it only delays recognition).
REMEMBERED_FOR: Final = timedelta(minutes=10)
MOST_REMEMBERED: Final = 20_000


class KnownPeople:
    """In memory only, per conversation (its partnership may change) and person."""

    def __init__(
        self, remembered_for: timedelta = REMEMBERED_FOR, most: int = MOST_REMEMBERED
    ) -> None:
        self._remembered_for = remembered_for
        self._most = most
        self._until: dict[tuple[ConversationRef, UserRef], datetime] = {}

    def holds(self, conversation: ConversationRef, user: UserRef, now: datetime) -> bool:
        until = self._until.get((conversation.in_thread(None), user))
        return until is not None and now < until

    def remember(self, conversation: ConversationRef, user: UserRef, now: datetime) -> None:
        if len(self._until) >= self._most:
            self._until.clear()  # rare, and forgetting only costs a look-up each
        self._until[(conversation.in_thread(None), user)] = now + self._remembered_for

    def forget(self) -> None:
        """After a change to who is where made by this process (a link, a move)."""
        self._until.clear()
