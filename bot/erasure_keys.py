"""Keyed hashes of erased identities, for the erasure list (`compact-bot people forget`):
HMAC-SHA256 under a key derived from `COMPACT_SECRET_KEY` with HKDF under a label of its own,
so the list names nobody to whoever holds the database without the key, and is independent
of the reporter keys and the page links (docs/privacy.md, "Your rights")."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL: Final = b"compact-rituals erasure list v1"


class ErasureKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("COMPACT_SECRET_KEY must be at least 16 bytes long")
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            secret
        )

    def hashes(
        self, slug: str, user_ids: Sequence[str], email: str | None, handle: str | None
    ) -> set[str]:
        """One hash per platform user id, for the email and for the compact file's handle
        (both in any case), within a partnership."""
        values = [("user", user_id) for user_id in user_ids]
        if email:
            values.append(("email", email.strip().lower()))
        if handle:
            values.append(("handle", handle.strip().removeprefix("@").lower()))
        return {self._hash(slug, kind, value) for kind, value in values}

    def _hash(self, slug: str, kind: str, value: str) -> str:
        message = "\x1f".join((slug, kind, value)).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
