"""The composition root: settings in, a wired application out. Tests call it with fakes
(an in-memory unit-of-work factory among them); only here and in `bot.cli` does `bot`
meet `storage`."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.anonymity import ReporterKeys
from bot.app import CompactApp
from bot.config import Settings
from bot.directory import Directory
from bot.inbox import Inbox
from bot.keys import weak_key_message
from bot.limits import PersonLimit, Rate
from bot.links import PageLinks
from bot.maintenance import Maintenance
from bot.metrics import Metrics
from bot.ports import ChatGateway, Clock, SystemClock, UnitOfWorkFactory
from bot.profiles import Profiles
from bot.request_keys import RequestLedger
from bot.services import Services
from storage.database import Database

log = logging.getLogger("compact.bootstrap")


@dataclass(frozen=True)
class Wiring:
    app: CompactApp
    """The application behind the inbound port (adapters see it as `bot.inbound.Inbound`)."""
    maintenance: Maintenance
    database: UnitOfWorkFactory
    services: Services
    inbox: Inbox
    """Requests accepted before their acknowledgement: renewed and recovered by `serve`."""


def bootstrap(
    settings: Settings,
    *,
    gateways: Mapping[str, ChatGateway],
    clock: Clock | None = None,
    database: UnitOfWorkFactory | None = None,
    secret: bytes | None = None,
    metrics: Metrics | None = None,
) -> Wiring:
    # Tests pass an in-memory store; otherwise the SQL database at DATABASE_URL.
    db = database or Database.from_url(settings.database_url)
    key = secret or secret_key(settings)
    services = Services(
        database=db,
        gateways=dict(gateways),
        clock=clock or SystemClock(),
        reporter_keys=ReporterKeys(key),
        request_keys=RequestLedger(key),
        lease=timedelta(seconds=settings.work_lease_seconds),
        links=PageLinks(key, settings.public_url),
        metrics=metrics or Metrics(),
        profiles={p: g for p, g in gateways.items() if isinstance(g, Profiles)},
    )
    directories = {p: g for p, g in services.gateways.items() if isinstance(g, Directory)}
    rate = Rate(settings.person_rate_per_minute, settings.person_burst)
    app = CompactApp(services, directories, limit=PersonLimit(services.clock, rate))
    return Wiring(app, Maintenance(services), db, services, app.inbox)


def secret_key(settings: Settings, *, allow_generated: bool = True) -> bytes:
    """`COMPACT_SECRET_KEY` (refused, naming the way out, when obviously weak), or for a
    local SQLite database a key generated once and kept beside it (mode 0600), so anonymous
    reporters can still withdraw after a restart."""
    if settings.compact_secret_key is not None:
        configured = settings.compact_secret_key.get_secret_value().encode("utf-8")
        refusal = weak_key_message(configured)
        if refusal is not None:
            raise SystemExit(refusal)
        return configured
    url = make_url(settings.database_url)
    if not allow_generated or not url.drivername.startswith("sqlite") or not url.database:
        raise SystemExit(
            "COMPACT_SECRET_KEY is not set. Set it to the output of `compact-bot secret new` "
            "(at least 32 random bytes); it protects the anonymity of call-outs."
        )
    key_file = Path(url.database).with_suffix(".secret-key")
    if key_file.exists():
        return key_file.read_bytes().strip()
    key = secrets.token_urlsafe(32).encode("ascii")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.warning("COMPACT_SECRET_KEY is not set; generated a local one in %s", key_file)
    return key
