"""People this process has lately found recognised already in a partnership, so that their
next requests skip recognition's look-ups (docs/architecture.md, "Recognising people")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from rituals.refs import UserRef

# Long enough to spare a partnership's replies a look-up each; short enough that a person
# erased, or a compact file loaded, by another process is looked at again soon.
REMEMBERED_FOR: Final = timedelta(minutes=10)
MOST_REMEMBERED: Final = 20_000


class KnownPeople:
    """In memory only; nothing here is written anywhere. Keyed by partnership, which the
    caller reads afresh each time: a conversation linked elsewhere is never mistaken."""

    def __init__(
        self, remembered_for: timedelta = REMEMBERED_FOR, most: int = MOST_REMEMBERED
    ) -> None:
        self._remembered_for = remembered_for
        self._most = most
        self._until: dict[tuple[int, UserRef], datetime] = {}

    def holds(self, partnership_id: int, user: UserRef, now: datetime) -> bool:
        until = self._until.get((partnership_id, user))
        return until is not None and now < until

    def remember(self, partnership_id: int, user: UserRef, now: datetime) -> None:
        if len(self._until) >= self._most:
            self.forget()  # rare, and forgetting only costs a look-up each
        self._until[(partnership_id, user)] = now + self._remembered_for

    def forget(self) -> None:
        """After a compact file is loaded by this process: its people may have changed."""
        self._until.clear()
