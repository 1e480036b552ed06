"""Where the bot may send its Bot Framework token, and what `serve` refuses to start with
(docs/teams.md, "Boundaries"). No SDK here: plain URLs and settings."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from yarl import URL

# Microsoft's Bot Connector for Teams: the public cloud (every region is a path on this one
# host) and the US government clouds (GCC, GCC High, DoD).
MICROSOFT_BOT_CONNECTORS: Final = (
    "https://smba.trafficmanager.net/",
    "https://smba.infra.gcc.teams.microsoft.com/",
    "https://smba.infra.gov.teams.microsoft.us/",
    "https://smba.infra.dod.teams.microsoft.us/",
)
LOOPBACK_NAMES: Final = frozenset({"localhost"})
AUTH_OFF_REFUSAL: Final = (
    "TEAMS_AUTH=off with TEAMS_APP_PASSWORD set: a real bot must never serve Teams "
    "unauthenticated. Unset TEAMS_AUTH (or the password) and start again."
)
TEST_KEYS_NOT_LOOPBACK: Final = (
    "TEAMS_TEST_SIGNING_KEYS_URL is for tests only and must be a loopback URL "
    "(http://127.0.0.1:…); unset it anywhere real."
)


class ServiceUrlRefused(Exception):
    """A service URL off the allow-list: the bot's token must not go there."""

    def __init__(self, service_url: str) -> None:
        super().__init__(
            f"the service URL {service_url[:200]!r} is not on the allow-list "
            "(TEAMS_ALLOWED_SERVICE_URLS)"
        )


@dataclass(frozen=True, slots=True)
class _Prefix:
    scheme: str
    host: str
    port: int | None
    path: str  # ends with "/"

    def admits(self, url: URL) -> bool:
        path = url.path if url.path.endswith("/") else url.path + "/"
        return (
            url.scheme == self.scheme
            and (url.host or "").casefold() == self.host
            and url.port == self.port
            and path.startswith(self.path)
        )


def _prefix(text: str) -> _Prefix:
    url = _parse(text.strip())
    if url is None or url.user is not None or url.query_string or url.fragment:
        raise ValueError(f"not a service URL prefix: {text!r}")
    path = url.path if url.path.endswith("/") else url.path + "/"
    return _Prefix(url.scheme, (url.host or "").casefold(), url.port, path)


def _parse(text: str) -> URL | None:
    try:
        url = URL(text)
    except (TypeError, ValueError):
        return None
    if url.scheme not in ("https", "http") or not url.host or not url.is_absolute():
        return None
    return url


class ServiceUrls:
    """The allow-list of service URLs (scheme, host and port exactly; the path by prefix, on
    a segment boundary): checked when an address is stored and again before every call."""

    def __init__(self, prefixes: Iterable[str] = MICROSOFT_BOT_CONNECTORS) -> None:
        self._prefixes = tuple(_prefix(p) for p in prefixes if p.strip())
        if not self._prefixes:
            raise ValueError("TEAMS_ALLOWED_SERVICE_URLS lists no URL")

    @classmethod
    def from_setting(cls, value: str | None) -> ServiceUrls:
        """`TEAMS_ALLOWED_SERVICE_URLS` (comma-separated prefixes) replaces the default."""
        if value is None or not value.strip():
            return cls()
        return cls(value.split(","))

    def allows(self, service_url: object) -> bool:
        if not isinstance(service_url, str) or any(c.isspace() for c in service_url):
            return False
        url = _parse(service_url)
        if url is None or url.user is not None or url.password is not None:
            return False
        return any(prefix.admits(url) for prefix in self._prefixes)

    def check(self, service_url: object) -> str:
        """The URL itself if allowed; else `ServiceUrlRefused`."""
        if not self.allows(service_url):
            raise ServiceUrlRefused(str(service_url))
        assert isinstance(service_url, str)
        return service_url


def teams_configured(app_id: str | None, *, auth_off: bool) -> bool:
    """Whether Teams is served: an app id, or authentication off (local trials). Kept here,
    where importing costs nothing: the Agents SDK takes over half a second to import."""
    return auth_off or bool((app_id or "").strip())


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    name = host.strip().strip("[]").casefold()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(text: str) -> bool:
    url = _parse(text)
    return url is not None and is_loopback_host(url.host or "")


def serving_refusal(
    *, auth_off: bool, has_password: bool, host: str, signing_keys_url: str | None
) -> str | None:
    """Why `serve` must not start with these Teams settings (one line), or None."""
    if auth_off and has_password:
        return AUTH_OFF_REFUSAL
    if auth_off and not is_loopback_host(host):
        return (
            f"TEAMS_AUTH=off serves Teams without authentication, so only on a loopback "
            f"address: give --host 127.0.0.1 (not {host})."
        )
    if signing_keys_url and not is_loopback_url(signing_keys_url):
        return TEST_KEYS_NOT_LOOPBACK
    return None
