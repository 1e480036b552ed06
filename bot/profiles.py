"""An outbound port some platforms offer: the email in a person's profile, so the people a
compact file lists are recognised without ids written by hand (docs/slack.md, docs/teams.md)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from rituals.refs import ConversationRef, UserRef

MISSING_SCOPE: Final = "missing_scope"
"""The app was installed before it asked to read emails: an admin must reinstall it."""
RATE_LIMITED: Final = "rate_limited"
FAILED: Final = "failed"

PROFILE_LIFETIME: Final = 15 * 60.0  # seconds: a profile's email can change, rarely
PROFILES_KEPT: Final = 50_000


@dataclass(frozen=True, slots=True)
class Profile:
    """What the platform says about a person: their email (None: none shown, e.g. a bot or a
    guest) and the workspace or tenant they belong to (a Slack Connect or Teams guest's own)."""

    email: str | None
    home_tenant: str


class ProfileUnavailable(Exception):
    """The platform could not say now (`reason`: `MISSING_SCOPE`, `RATE_LIMITED`, `FAILED`);
    the person stays unknown and is looked up again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the profile look-up failed: {reason}")
        self.reason = reason


@runtime_checkable
class Profiles(Protocol):
    async def profile(self, user: UserRef, near: ConversationRef) -> Profile:
        """`user`'s profile, seen from the conversation `near`; raises `ProfileUnavailable`."""
        ...


class ProfileCache:
    """Profiles already looked up, for `PROFILE_LIFETIME` seconds, at most `PROFILES_KEPT`
    (a busy channel costs no look-up per message, and rate limits are spared)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._kept: OrderedDict[UserRef, tuple[Profile, float]] = OrderedDict()

    def get(self, user: UserRef) -> Profile | None:
        found = self._kept.get(user)
        if found is None or found[1] < self._monotonic():
            return None
        return found[0]

    def put(self, user: UserRef, profile: Profile) -> None:
        self._kept[user] = (profile, self._monotonic() + PROFILE_LIFETIME)
        self._kept.move_to_end(user)
        if len(self._kept) > PROFILES_KEPT:
            self._kept.popitem(last=False)
