"""Keyed hashes that stand in for the reporter of an anonymous call-out: keyed and per
call-out, so they link to nobody (why, in docs/privacy.md). A named call-out is recognised
by its stored reporter instead (`rituals/reporters.py`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

from rituals.callout import Callout
from rituals.refs import UserRef
from rituals.reporters import named_reporter_key


class ReporterKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("COMPACT_SECRET_KEY must be at least 16 bytes long")
        self._secret = secret

    def key_for(self, partnership_slug: str, callout_id: str, user: UserRef) -> str:
        parts = (partnership_slug, callout_id, user.platform, user.tenant, user.user_id)
        message = "\x1f".join(parts)
        return hmac.new(self._secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def key_at_raise(
        self, partnership_slug: str, callout_id: str, user: UserRef, *, anonymous: bool
    ) -> str:
        """The `reporter_key` a new call-out gets: the keyed hash only when anonymous."""
        if anonymous:
            return self.key_for(partnership_slug, callout_id, user)
        return named_reporter_key(user)

    def claim(self, callout: Callout, user: UserRef) -> str:
        """What `user` presents as `callout`'s reporter (to withdraw it, or see it as theirs):
        compared with its `reporter_key` by `Callout.raised_by`."""
        return self.key_at_raise(
            callout.partnership_slug, callout.id, user, anonymous=callout.anonymous
        )

    def find(
        self, partnership_slug: str, callout_id: str, key: str, candidates: Iterable[UserRef]
    ) -> UserRef | None:
        """Whoever among `candidates` the key belongs to (to tell an anonymous reporter)."""
        for user in candidates:
            if hmac.compare_digest(self.key_for(partnership_slug, callout_id, user), key):
                return user
        return None


def reporter_rekey(
    old: ReporterKeys, new: ReporterKeys
) -> Callable[[str, str, str, Sequence[UserRef]], str | None]:
    """For a key rotation: a call-out's reporter key under `new`, found (as status notices
    find an anonymous reporter) by recomputing it under `old` for each candidate; the key
    itself when it is already under `new`; None when it matches nobody."""

    def rekeyed(slug: str, callout_id: str, key: str, candidates: Sequence[UserRef]) -> str | None:
        if new.find(slug, callout_id, key, candidates) is not None:
            return key
        reporter = old.find(slug, callout_id, key, candidates)
        return None if reporter is None else new.key_for(slug, callout_id, reporter)

    return rekeyed
