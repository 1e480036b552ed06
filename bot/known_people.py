"""People this process has lately found recognised already in a partnership, and which
partnership holds a conversation, so that their next requests skip recognition's transaction
(docs/architecture.md, "Recognising people")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from rituals.refs import ConversationRef, UserRef

# Long enough to spare a partnership's replies a look-up each; short enough that a link moved
# or a person forgotten by another process is looked at again soon. Only ever a reason to skip
# a look-up that would have found them known: a stale entry delays recognition, never misplaces it.
REMEMBERED_FOR: Final = timedelta(minutes=10)
MOST_REMEMBERED: Final = 20_000


class KnownPeople:
    """In memory only; nothing here is written anywhere."""

    def __init__(
        self, remembered_for: timedelta = REMEMBERED_FOR, most: int = MOST_REMEMBERED
    ) -> None:
        self._remembered_for = remembered_for
        self._most = most
        self._holders: dict[ConversationRef, tuple[int, datetime]] = {}
        self._people: dict[tuple[int, UserRef], datetime] = {}

    def holds(self, conversation: ConversationRef, user: UserRef, now: datetime) -> bool:
        """Whether `user` was lately found recognised in the partnership holding `conversation`."""
        holder = self._holders.get(conversation.in_thread(None))
        if holder is None or now >= holder[1]:
            return False
        until = self._people.get((holder[0], user))
        return until is not None and now < until

    def remember(
        self, conversation: ConversationRef, partnership_id: int, user: UserRef, now: datetime
    ) -> None:
        if len(self._people) >= self._most or len(self._holders) >= self._most:
            self.forget()  # rare, and forgetting only costs a look-up each
        until = now + self._remembered_for
        self._holders[conversation.in_thread(None)] = (partnership_id, until)
        self._people[(partnership_id, user)] = until

    def forget(self) -> None:
        """After a compact file is loaded by this process: its people may have changed."""
        self._holders.clear()
        self._people.clear()

    def moved(self, conversation: ConversationRef) -> None:
        """After this process linked `conversation` (perhaps to another partnership)."""
        self._holders.pop(conversation.in_thread(None), None)
