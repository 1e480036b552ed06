"""Opaque keys for people, shared by every read that counts distinct people (the health view,
the digest) so the group-size rule sees one person as one person."""

from __future__ import annotations

import hashlib

from rituals.refs import UserRef


def person_key(person_id: int | None, user: UserRef) -> str:
    """An opaque key for a person: their row, else a hash of an identity nobody owns."""
    if person_id is not None:
        return f"person-{person_id}"
    digest = hashlib.sha256(f"{user.platform}\0{user.tenant}\0{user.user_id}".encode())
    return f"someone-{digest.hexdigest()[:16]}"
