"""Signed, expiring links to a partnership's pages (docs/dashboard.md).

A link names one person and one partnership and is good for 24 hours: no account to create,
and a forwarded link stops working by itself. The person is named by a keyed digest of
their identity, so the address bar, a browser's history or a forwarded e-mail never shows a
platform user id or an e-mail address. The HMAC key is derived from `COMPACT_SECRET_KEY`
with HKDF under a label of its own, so it is independent of the call-out reporter keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rituals.refs import UserRef

LINK_LIFETIME: Final = timedelta(hours=24)
_LABEL: Final = b"compact-rituals/page-links/v1"
_VERSION: Final = "1"
DASHBOARD: Final = "dashboard"


def minutes_page(day: date) -> str:
    """The page name a minutes link is good for (one meeting's papers)."""
    return f"minutes/{day.isoformat()}"


class LinkRefused(Exception):
    """The link is expired, altered, or for another page: the page says to ask again."""


@dataclass(frozen=True, slots=True)
class PageGrant:
    """What a valid link allows: `page` of partnership `slug`, for `person`, until `expires`."""

    slug: str
    page: str
    person: str
    expires: datetime


class PageLinks:
    """Makes and checks the signed links; `base_url` is where people reach `serve`."""

    def __init__(self, secret: bytes, base_url: str) -> None:
        if len(secret) < 16:
            raise ValueError("COMPACT_SECRET_KEY must be at least 16 bytes long")
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            secret
        )
        self.base_url = base_url.rstrip("/")

    def person_for_user(self, user: UserRef) -> str:
        return self._person("user", user.platform, user.tenant, user.user_id)

    def person_for_email(self, email: str) -> str:
        return self._person("email", email.strip().lower())

    def url(self, slug: str, page: str, person: str, now: datetime) -> str:
        """The full address of `page` (DASHBOARD, or `minutes_page(day)`) for `person`."""
        token = self.token(PageGrant(slug, page, person, now + LINK_LIFETIME))
        path = f"/p/{quote(slug, safe='')}"
        if page != DASHBOARD:
            path += "/" + quote(page, safe="/")
        return f"{self.base_url}{path}?t={token}"

    def token(self, grant: PageGrant) -> str:
        claims = {
            "p": grant.slug,
            "g": grant.page,
            "s": grant.person,
            "x": int(grant.expires.timestamp()),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{_VERSION}.{payload}.{self._sign(payload)}"

    def check(self, token: str, *, slug: str, page: str, now: datetime) -> PageGrant:
        """The grant `token` carries, if it is genuine, unexpired and for this very page."""
        version, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        expected = self._sign(payload).encode("utf-8")
        if version != _VERSION or not hmac.compare_digest(expected, signature.encode("utf-8")):
            raise LinkRefused("the link's signature does not match")
        try:
            claims = json.loads(_unb64(payload))
            grant = PageGrant(
                str(claims["p"]),
                str(claims["g"]),
                str(claims["s"]),
                datetime.fromtimestamp(int(claims["x"]), tz=now.tzinfo),
            )
        except (ValueError, KeyError, TypeError):
            raise LinkRefused("the link's content is not readable") from None
        if grant.slug != slug or grant.page != page:
            raise LinkRefused("the link is for another page")
        if now >= grant.expires:
            raise LinkRefused("the link has expired")
        return grant

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("utf-8"), hashlib.sha256).digest())

    def _person(self, *parts: str) -> str:
        message = "\x1f".join(("person", *parts)).encode("utf-8")
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest()[:12])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
