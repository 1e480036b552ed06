"""Keyed hashes that stand in for the reporter of a call-out: keyed and per call-out, so
they link to nobody (why, in docs/privacy.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

from rituals.refs import UserRef


class ReporterKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("COMPACT_SECRET_KEY must be at least 16 bytes long")
        self._secret = secret

    def key_for(self, partnership_slug: str, callout_id: str, user: UserRef) -> str:
        parts = (partnership_slug, callout_id, user.platform, user.tenant, user.user_id)
        message = "\x1f".join(parts)
        return hmac.new(self._secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

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
