"""`compact-bot`: the command line, and the composition root that wires adapters in.

This is the one module of `bot/` allowed to import adapters (see the import-linter
contracts in pyproject.toml): something has to plug them in. Slack and Teams are imported
only by the commands that use them (together a couple of seconds of start-up otherwise).
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import gc
import json
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar

import sqlalchemy
import sqlalchemy.exc
import typer

from adapters.console.gateway import ConsoleGateway
from adapters.console.renderer import render
from adapters.console.runner import ConsoleApp, run_console
from adapters.console.session import console_channel
from bot import failpoints, inbox, words
from bot.addresses import DatabaseAddressBook
from bot.bootstrap import Wiring, bootstrap, secret_key
from bot.cli_rights import add_rights_commands
from bot.config import PACKAGED_COMPACT, Settings
from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.ports import ChatGateway, Clock
from bot.services import Services
from bot.usecases.compacts import (
    compact_for_chat,
    load_compact_file,
    preview_compact_file,
    read_compact_text,
)
from bot.usecases.digest_send import SendResult
from bot.usecases.round_status import open_round, round_standing
from bot.views.compact import change_lines
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError
from rituals.stored import ExportedCallout, ExportedReflection
from storage.database import Database
from storage.migrate import schema_problem, upgrade, upgrade_async

if TYPE_CHECKING:
    from aiohttp import web

    from adapters.slack.server import SlackServer
    from bot.web import PlatformServer

log = logging.getLogger("compact.cli")
# How long `serve` waits on SIGTERM for requests being answered (work acknowledged already
# has each platform's own bounded wait after this).
SHUTDOWN_TIMEOUT_SECONDS: Final = 10.0
T = TypeVar("T")

cli = typer.Typer(
    name="compact-bot",
    help="Compact Rituals: closing reflections, no-blame call-outs and a weekly digest.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True)
slack_cli = typer.Typer(help="Setting up the Slack app.", no_args_is_help=True)
compact_cli = typer.Typer(help="The compact file.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(compact_cli, name="compact")
cli.add_typer(slack_cli, name="slack")
digest_cli = typer.Typer(help="The weekly digest.", no_args_is_help=True)
cli.add_typer(digest_cli, name="digest")
teams_cli = typer.Typer(help="Setting up the Microsoft Teams app.", no_args_is_help=True)
cli.add_typer(teams_cli, name="teams")
add_rights_commands(cli)  # people, retention, partnership, audit (bot/cli_rights.py)

CompactOption = Annotated[
    Path | None, typer.Option("--compact", help="Compact YAML file (default: $COMPACT_FILE).")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Database URL (default: $DATABASE_URL).")
]


def _settings(compact: Path | None = None, database_url: str | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if compact is not None:
        overrides["COMPACT_FILE"] = compact
    if database_url is not None:
        overrides["DATABASE_URL"] = database_url
    return Settings(**overrides)


# What an unreachable or unusable database raises, whichever driver is behind the URL.
DATABASE_DOWN: Final = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.ArgumentError,
    ConnectionError,
    socket.gaierror,
    TimeoutError,
)
EXIT_USAGE: Final = 2
EXIT_DATABASE: Final = 3


def _run(settings: Settings, work: Callable[[], T]) -> T:
    """Run a command's work; an unreachable database is one clear line and exit 3, not a
    traceback."""
    missing = _missing_sqlite_folder(settings.database_url)
    if missing is not None:
        typer.echo(
            f"Cannot use the database at {_shown_url(settings.database_url)}: "
            f"there is no folder {missing}",
            err=True,
        )
        raise typer.Exit(EXIT_DATABASE)
    try:
        return work()
    except DATABASE_DOWN as problem:
        typer.echo(
            f"Cannot use the database at {_shown_url(settings.database_url)}: "
            f"{_first_line(problem)}",
            err=True,
        )
        raise typer.Exit(EXIT_DATABASE) from None


def _missing_sqlite_folder(url: str) -> Path | None:
    """The folder a SQLite file would go in, when it does not exist (SQLite's own error
    names no path, and its driver's thread prints a traceback on the way out)."""
    try:
        parsed = sqlalchemy.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(parsed.database or "").parent
    return None if folder.is_dir() else folder


def _shown_url(url: str) -> str:
    try:
        return sqlalchemy.make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "(an unreadable DATABASE_URL)"


def _first_line(problem: BaseException) -> str:
    """The driver's own words when SQLAlchemy wraps them, without SQL or links."""
    inner = getattr(problem, "orig", None) or problem
    text = str(inner).strip() or type(inner).__name__
    return text.splitlines()[0]


@cli.command()
def console(compact: CompactOption = None, database_url: DatabaseOption = None) -> None:
    """Play the rituals in this terminal: speak as anyone with `@name: message`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(compact, database_url)
    try:
        _run(settings, lambda: asyncio.run(_console(settings)))
    except KeyboardInterrupt:
        typer.echo("")  # Ctrl-C: leave the prompt's line, no traceback
        raise typer.Exit(130) from None
    except CompactFileError as problem:
        typer.echo(
            f"The compact file {settings.compact_path} cannot be loaded: {problem}", err=True
        )
        raise typer.Exit(2) from None


async def _console(settings: Settings) -> None:
    await upgrade_async(settings.database_url)
    database = Database.from_url(settings.database_url)

    async def wire(gateways: dict[str, ChatGateway], clock: Clock) -> ConsoleApp:
        wiring = bootstrap(settings, gateways=gateways, clock=clock, database=database)
        return ConsoleApp(
            wiring.app, wiring.maintenance.tick, await console_greeting(wiring.services, settings)
        )

    try:
        await run_console(wire)
    finally:
        await database.dispose()


async def console_greeting(services: Services, settings: Settings) -> list[str]:
    """Store (or reuse) the compact the console plays, and greet with it and with where an
    open round stands (a console restarted mid-round carries on)."""
    channel = console_channel()
    loaded = await compact_for_chat(
        services, settings.compact_file, settings.compact_path, bind=(channel,)
    )
    compact = loaded.compact
    people = ", ".join(
        f"@{p.handle} ({compact.organisation(p.organisation_id).name}"
        f"{', facilitator' if p.handle in compact.facilitators else ''})"
        for p in compact.people
    )
    lines = [
        f"Compact Rituals console — {compact.name}, compact version {loaded.version}.",
        f"People: {people}.",
        "Speak as anyone with `@name: message`. Try `@alice: /compact reflect @alice @bob "
        "@carol`, `@bob: /compact callout`, `@alice: /compact agenda`, `/compact help`.",
    ]
    open_now = await open_round(services, channel)
    if open_now is not None:
        lines.extend(render(round_standing(open_now)))
    return lines


@db_cli.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None, revision: str = "head") -> None:
    """Apply the database migrations (Alembic) up to `revision`."""
    settings = _settings(database_url=database_url)
    _run(settings, lambda: upgrade(settings.database_url, revision))
    typer.echo(f"Database is at revision {revision}.")


@compact_cli.command("check")
def compact_check(path: Path) -> None:
    """Validate a compact file without storing it."""
    try:
        compact = parse_compact(read_compact_text(path), source=str(path))
    except CompactFileError as problem:
        typer.echo(f"{path}: {problem}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{path}: OK — {len(compact.clauses)} clauses in {len(compact.themes)} themes, "
        f"{len(compact.organisations)} organisations, {len(compact.people)} people."
    )


@compact_cli.command("load")
def compact_load(
    path: Path,
    database_url: DatabaseOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Store the changes without asking (for scripts).")
    ] = False,
) -> None:
    """Store a compact file; a changed file becomes a new version, old answers keep theirs.

    What changes is printed first; a change to a stored compact is stored once confirmed."""
    settings = _settings(compact=path, database_url=database_url)

    async def load() -> None:
        await upgrade_async(settings.database_url)
        wiring = bootstrap(settings, gateways={})
        try:
            preview = await preview_compact_file(wiring.services, path)
            for line in change_lines(preview.compact, preview.stored_version, preview.change):
                typer.echo(line)
            needs_asking = preview.change.changes_anything and not preview.change.new_partnership
            if needs_asking and not yes:
                _confirm_or_exit(path)
            result = await load_compact_file(wiring.services, path, confirmed=preview)
        finally:
            await wiring.database.dispose()
        state = "new version" if result.created else "unchanged"
        typer.echo(f"{result.slug}: compact version {result.version} ({state}).")

    _compact_command(settings, path, load)


@compact_cli.command("diff")
def compact_diff(path: Path, database_url: DatabaseOption = None) -> None:
    """Print what storing a compact file would change; stores nothing."""
    settings = _settings(compact=path, database_url=database_url)

    async def diff() -> None:
        await upgrade_async(settings.database_url)
        wiring = bootstrap(settings, gateways={})
        try:
            preview = await preview_compact_file(wiring.services, path)
        finally:
            await wiring.database.dispose()
        for line in change_lines(preview.compact, preview.stored_version, preview.change):
            typer.echo(line)
        if preview.change.orphans_partnership:
            removed = ", ".join(preview.change.facilitators_removed)
            problem = words.COMPACT_ORPHANED.format(slug=preview.compact.slug, removed=removed)
            typer.echo(f"{path}: {problem}", err=True)
            raise typer.Exit(EXIT_USAGE)

    _compact_command(settings, path, diff)


def _confirm_or_exit(path: Path) -> None:
    """Ask on the terminal; with none (a script, a pipe), exit 2 and say to pass --yes."""
    if not _has_terminal():
        typer.echo(words.LOAD_NEEDS_YES.format(path=path), err=True)
        raise typer.Exit(EXIT_USAGE)
    if not typer.confirm(words.LOAD_CONFIRM, default=False):
        typer.echo(words.LOAD_NOT_CONFIRMED.format(path=path), err=True)
        raise typer.Exit(1)


def _has_terminal() -> bool:
    return sys.stdin.isatty()


def _compact_command(
    settings: Settings, path: Path, work: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    try:
        _run(settings, lambda: asyncio.run(work()))
    except CompactFileError as problem:
        typer.echo(f"{path}: {problem}", err=True)
        raise typer.Exit(2) from None


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class ExportRecords(StrEnum):
    REFLECTIONS = "reflections"
    CALLOUTS = "callouts"


@cli.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.JSON,
    records: Annotated[
        ExportRecords | None,
        typer.Option(help="Only these records (CSV needs one kind; default reflections)."),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Export stored reflections and call-outs (never who raised a call-out)."""
    settings = _settings(database_url=database_url)
    if output is not None and not output.parent.is_dir():
        typer.echo(f"Cannot write {output}: there is no folder {output.parent}.", err=True)
        raise typer.Exit(EXIT_USAGE)
    data = _run(settings, lambda: asyncio.run(_export_rows(settings)))
    try:
        stream = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    except OSError as problem:
        typer.echo(f"Cannot write {output}: {problem.strerror}.", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        if format is ExportFormat.JSON:
            chosen = {k: v for k, v in data.items() if records is None or k == records.value}
            json.dump(chosen, stream, indent=2, ensure_ascii=False, default=str)
            stream.write("\n")
        else:
            kind = (records or ExportRecords.REFLECTIONS).value
            _write_csv(stream, data[kind], EXPORT_COLUMNS[kind])
    finally:
        if output:
            stream.close()


# The columns of each kind of record, so an export with no rows still has its header.
EXPORT_COLUMNS: Final = {
    "reflections": [f.name for f in dataclasses.fields(ExportedReflection)],
    "callouts": [f.name for f in dataclasses.fields(ExportedCallout)],
}


async def _export_rows(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    await upgrade_async(settings.database_url)
    database = Database.from_url(settings.database_url)
    try:
        async with database.unit_of_work() as uow:
            reflections = await uow.reflections.export_rows(None)
            callouts = await uow.callouts.export_rows(None)
    finally:
        await database.dispose()
    return {
        "reflections": [dataclasses.asdict(row) for row in reflections],
        "callouts": [dataclasses.asdict(row) for row in callouts],
    }


def _write_csv(stream: Any, rows: list[dict[str, Any]], columns: list[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})


def _csv_cell(value: Any) -> Any:
    """Flatten lists, and defuse text a spreadsheet would run as a formula (=, +, -, @)."""
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@cli.command()
def serve(
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Reach Slack over Socket Mode (SLACK_APP_TOKEN).")
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(help="Interface (default 0.0.0.0; with TEAMS_AUTH=off, 127.0.0.1)."),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: $PORT, else 3000).")] = None,
) -> None:
    """Serve Slack (`/slack/events`), Teams (`/api/messages`), `/healthz`, `/readyz` and
    `/metrics` over HTTP. On SIGTERM: stop taking requests, finish acknowledged work (a
    bounded wait), release the scheduler's lease, exit 0."""
    from aiohttp import web  # only here: the other commands start faster without it

    settings = _settings()
    configure_logging(settings.log_format)
    host = _teams_safe_host(settings, host)
    web.run_app(
        _serving(settings, socket_mode=socket_mode),
        loop=_event_loop(),
        host=host,
        port=port if port is not None else settings.port,
        print=lambda text: log.info("%s", text.strip()),
        access_log=None,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    log.info("stopped")


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop for serving: asyncio's, faster at sockets, where most of a busy
    server's time goes (docs/benchmarks.md)."""
    try:
        import uvloop
    except ImportError:  # not built for Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _teams_safe_host(settings: Settings, host: str | None) -> str:
    """The interface to bind, after the Teams start-up checks (adapters/teams/boundaries.py):
    an unauthenticated Teams endpoint listens on loopback only, and never with a password."""
    from adapters.teams.boundaries import serving_refusal

    auth_off = settings.teams_auth == "off"
    chosen = host or ("127.0.0.1" if auth_off else "0.0.0.0")  # noqa: S104
    refusal = serving_refusal(
        auth_off=auth_off,
        has_password=settings.teams_app_password is not None,
        host=chosen,
        signing_keys_url=settings.teams_test_signing_keys_url,
    )
    if refusal is not None:
        typer.echo(refusal, err=True)
        raise typer.Exit(2)
    return chosen


async def _serving(settings: Settings, *, socket_mode: bool) -> web.Application:
    """Migrate, wire every configured platform, store the compact, and build the server."""
    from bot.scheduler import DigestScheduler
    from bot.web import build_web_app

    await upgrade_async(settings.database_url)
    database = Database.from_url(settings.database_url)
    secret = secret_key(settings)
    failpoints.configure()
    metrics = Metrics()
    platforms = _platform_servers(
        settings, database, secret, socket_mode=socket_mode, metrics=metrics
    )
    if not platforms:
        log.warning(
            "No platform is configured: set SLACK_SIGNING_SECRET (or use --socket-mode with "
            "SLACK_APP_TOKEN) for Slack, TEAMS_APP_ID for Teams. Serving /healthz only."
        )
    wiring = bootstrap(
        settings,
        gateways={p.platform: p.gateway for p in platforms},
        database=database,
        secret=secret,
        metrics=metrics,
    )
    await _store_compact(wiring, settings)
    scheduler = DigestScheduler(wiring.maintenance, settings.database_url)

    async def keep_inbox() -> None:
        # Claims renewed here; work a dead process left, recovered by the scheduler's leader.
        await inbox.keep_up(wiring.inbox, lambda: scheduler.is_leader)

    wiring.services.metrics.leader.set_function(lambda: float(scheduler.is_leader))
    token = settings.metrics_token

    async def readiness() -> str | None:
        return await schema_problem(database.engine)

    web_app = build_web_app(
        wiring.app,
        platforms,
        maintenance=wiring.maintenance,
        background=[scheduler.run, keep_inbox],
        readiness=readiness,
        metrics_token=token.get_secret_value() if token is not None else None,
    )

    async def dispose(_app: web.Application) -> None:
        await database.dispose()

    web_app.on_cleanup.append(dispose)
    _settle_heap()
    return web_app


def _settle_heap() -> None:
    """What was built to serve lives as long as the process: frozen out of the collector's
    full passes, which otherwise walk all of it (about 180,000 objects) every few seconds
    under load, holding up every request for over 100 ms (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


def _platform_servers(
    settings: Settings,
    database: Database,
    secret: bytes,
    *,
    socket_mode: bool,
    sending_only: bool = False,
    metrics: Metrics | None = None,
) -> list[PlatformServer]:
    from adapters.teams.boundaries import teams_configured

    platforms: list[PlatformServer] = []
    slack = slack_server(
        settings,
        database,
        secret,
        socket_mode=socket_mode,
        sending_only=sending_only,
        retry_sleep=metrics.counted_sleep("slack") if metrics else None,
    )
    if slack is not None:
        platforms.append(slack)
    if not teams_configured(settings.teams_app_id, auth_off=settings.teams_auth == "off"):
        return platforms  # without importing the Agents SDK (over half a second)
    from adapters.teams.connector import Backoff
    from adapters.teams.server import teams_server

    # Teams keeps its conversation references in the database, through the AddressBook port.
    backoff = Backoff(sleep=metrics.counted_sleep("teams")) if metrics else None
    teams = teams_server(settings, DatabaseAddressBook(database), backoff=backoff)
    if teams is not None:
        platforms.append(teams)
    return platforms


def slack_server(
    settings: Settings,
    database: Database,
    secret: bytes,
    *,
    socket_mode: bool,
    sending_only: bool = False,
    retry_sleep: Callable[[float], Awaitable[None]] | None = None,
) -> SlackServer | None:
    """Slack, if configured: HTTP needs the signing secret, Socket Mode the app token; tokens
    come from SLACK_BOT_TOKEN, or from OAuth installs kept (encrypted) in our database.
    `sending_only` (e.g. `digest send`): a token is enough, nothing is served."""
    signing = settings.slack_signing_secret
    app_token = settings.slack_app_token
    if socket_mode and app_token is None:
        raise SystemExit("--socket-mode needs SLACK_APP_TOKEN (an xapp- app-level token).")
    if sending_only:
        if settings.slack_bot_token is None and settings.slack_client_id is None:
            return None
    elif signing is None and not socket_mode:
        return None
    from adapters.slack.server import SlackOAuth, SlackServer
    from storage.slack_installations import EncryptedInstallationStore, oauth_state_store

    oauth = None
    if settings.slack_client_id and settings.slack_client_secret:
        oauth = SlackOAuth(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            installation_store=EncryptedInstallationStore(
                client_id=settings.slack_client_id, database=database, secret=secret
            ),
            state_store=oauth_state_store(database),
        )
    token = settings.slack_bot_token
    if token is None and oauth is None:
        raise SystemExit(
            "Slack is configured but has no token: set SLACK_BOT_TOKEN (one workspace), or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (install into many)."
        )
    return SlackServer(
        api_url=settings.slack_api_url,
        signing_secret=signing.get_secret_value() if signing else None,
        bot_token=token.get_secret_value() if token and oauth is None else None,
        app_token=app_token.get_secret_value() if socket_mode and app_token else None,
        oauth=oauth,
        retry_sleep=retry_sleep or asyncio.sleep,
        max_queued_work=settings.max_queued_work,
    )


@slack_cli.command("manifest")
def slack_manifest(
    url: Annotated[
        str | None, typer.Option(help="Public base URL of `compact-bot serve` (https://host).")
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="For Socket Mode: no request URLs.")
    ] = False,
) -> None:
    """Print the Slack app manifest (YAML) to paste when creating the app."""
    from adapters.slack.manifest import manifest_yaml

    if url is None and not socket_mode:
        typer.echo("Give --url https://your-host (or --socket-mode).", err=True)
        raise typer.Exit(2)
    if url is not None and not url.startswith("https://") and not socket_mode:
        typer.echo("Slack only sends requests to https:// URLs.", err=True)
        raise typer.Exit(2)
    typer.echo(manifest_yaml(url=url, socket_mode=socket_mode), nl=False)


@teams_cli.command("package")
def teams_package_command(
    app_id: Annotated[
        str, typer.Option("--app-id", help="The bot's Microsoft App ID (TEAMS_APP_ID).")
    ],
    host: Annotated[
        str, typer.Option(help="Public host of `compact-bot serve`, e.g. compact.example.org.")
    ],
    output: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path(
        "compact-teams.zip"
    ),
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "Compact",
    version: Annotated[str, typer.Option(help="The package version (raise it to update).")] = (
        "1.0.0"
    ),
) -> None:
    """Write the Teams app package (manifest.json and icons, zipped) to upload to Teams."""
    from adapters.teams.manifest import package as teams_package

    try:
        data = teams_package(app_id=app_id, host=host, name=name, version=version)
    except ValueError:
        typer.echo(f"--app-id must be the bot's Microsoft App ID (a GUID): {app_id!r}", err=True)
        raise typer.Exit(2) from None
    try:
        output.write_bytes(data)
        output.chmod(0o644)  # a package to hand on, readable whatever the umask
    except OSError as problem:
        typer.echo(f"Cannot write {output}: {problem.strerror}.", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(
        f"Wrote {output}: upload it in Teams (Apps > Manage your apps > Upload an app). "
        f"Its privacy and terms links are https://{host}/privacy and /terms, which "
        "`compact-bot serve` answers."
    )


@digest_cli.command("send")
def digest_send(
    partnership: Annotated[
        str | None, typer.Option("--partnership", help="The partnership's slug.")
    ] = None,
    all_partnerships: Annotated[bool, typer.Option("--all", help="Every partnership.")] = False,
    period: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2026-W48 (default: the current week).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Send the weekly digest now, to every channel it goes to; a period already sent is not
    sent again (run twice, or twice at once, it posts once)."""
    if (partnership is None) == (not all_partnerships):
        typer.echo("Name one partnership with --partnership SLUG, or use --all.", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(database_url=database_url)
    try:
        results = _run(settings, lambda: asyncio.run(_send_digests(settings, partnership, period)))
    except (LookupError, ValueError) as problem:
        typer.echo(problem.args[0] if problem.args else str(problem), err=True)
        raise typer.Exit(2) from None
    for result in results:
        where = f" ({len(result.posted)} message(s))" if result.posted else ""
        typer.echo(f"{result.slug} {result.period}: {result.outcome.value}{where}")


async def _send_digests(
    settings: Settings, slug: str | None, period: str | None
) -> list[SendResult]:
    await upgrade_async(settings.database_url)
    database = Database.from_url(settings.database_url)
    secret = secret_key(settings)
    platforms = _platform_servers(settings, database, secret, socket_mode=False, sending_only=True)
    gateways: dict[str, ChatGateway] = {p.platform: p.gateway for p in platforms}
    console_lines: list[str] = []
    gateways.setdefault("console", ConsoleGateway(console_lines.append))
    wiring = bootstrap(settings, gateways=gateways, database=database, secret=secret)
    try:
        return await wiring.maintenance.send_digests(slug, period)
    finally:
        for line in console_lines:
            typer.echo(line)
        for platform in platforms:
            await platform.stop()
        await database.dispose()


async def _store_compact(wiring: Wiring, settings: Settings) -> None:
    """`COMPACT_FILE` is stored at every start (a changed file becomes a new version);
    without it, an empty database gets the packaged example so the bot answers at once."""
    if settings.compact_file is None:
        async with wiring.database.unit_of_work() as uow:
            if await uow.compacts.latest_all():
                return
        log.warning("COMPACT_FILE is not set; storing the example compact (%s)", PACKAGED_COMPACT)
    result = await load_compact_file(wiring.services, settings.compact_path)
    log.info("compact %s: version %d", result.slug, result.version)


# --- The partnership's pages: operator links and meeting papers (docs/dashboard.md) ---------------
dashboard_cli = typer.Typer(help="The partnership's dashboard page.", no_args_is_help=True)
cli.add_typer(dashboard_cli, name="dashboard")
PartnershipOption = Annotated[str, typer.Option("--partnership", help="The partnership's slug.")]


@dashboard_cli.command("link")
def dashboard_link(
    partnership: PartnershipOption,
    person: Annotated[str, typer.Option("--for", help="The e-mail of the person it is for.")],
    database_url: DatabaseOption = None,
) -> None:
    """Print a signed link to the partnership's dashboard, for one person, valid 24 hours."""
    from bot.usecases.dashboard import operator_link

    settings = _settings(database_url=database_url)

    async def link() -> str:
        await upgrade_async(settings.database_url)
        wiring = bootstrap(settings, gateways={})
        try:
            async with wiring.database.unit_of_work() as uow:
                if await uow.compacts.partnership_id(partnership) is None:
                    raise LookupError(f"There is no partnership called '{partnership}'.")
            return operator_link(wiring.services, partnership, person)
        finally:
            await wiring.database.dispose()

    try:
        typer.echo(asyncio.run(link()))
    except LookupError as problem:
        typer.echo(str(problem).strip("'\""), err=True)
        raise typer.Exit(2) from None


@cli.command("minutes")
def minutes_command(
    partnership: PartnershipOption,
    day: Annotated[str, typer.Option("--date", help="The meeting's day, e.g. 2026-11-24.")],
    database_url: DatabaseOption = None,
) -> None:
    """Print a meeting's papers as Markdown: the reflections and the call-outs discussed."""
    from bot.usecases.dashboard import minutes_data, parse_day
    from bot.views.minutes import minutes_markdown
    from rituals.errors import RitualError

    settings = _settings(database_url=database_url)

    async def papers() -> str:
        await upgrade_async(settings.database_url)
        wiring = bootstrap(settings, gateways={})
        try:
            return minutes_markdown(
                await minutes_data(wiring.services, partnership, parse_day(day))
            )
        finally:
            await wiring.database.dispose()

    try:
        typer.echo(asyncio.run(papers()), nl=False)
    except RitualError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


# --- The secret key: a good new one, and moving the data onto it (docs/privacy.md) ------------
secret_cli = typer.Typer(help="COMPACT_SECRET_KEY: make one, rotate to it.", no_args_is_help=True)
cli.add_typer(secret_cli, name="secret")


@secret_cli.command("new")
def secret_new() -> None:
    """Print a new random key for COMPACT_SECRET_KEY (48 random bytes)."""
    from bot.keys import new_secret_key

    typer.echo(new_secret_key())


@secret_cli.command("rotate")
def secret_rotate(
    old_key_file: Annotated[
        Path, typer.Option("--old-key-file", help="A file holding the key used until now.")
    ],
    database_url: DatabaseOption = None,
) -> None:
    """Move the stored data from the old key to COMPACT_SECRET_KEY, in one transaction: the
    Slack tokens are encrypted again, the call-outs' reporter keys recomputed. Safe to rerun."""
    from bot.anonymity import ReporterKeys, reporter_rekey
    from storage.rekey import rekey

    settings = _settings(database_url=database_url)
    new = secret_key(settings, allow_generated=False)
    try:
        old = old_key_file.read_bytes().strip()
        old_keys = ReporterKeys(old)
    except (OSError, ValueError) as problem:
        typer.echo(f"Cannot use the old key in {old_key_file}: {_first_line(problem)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None

    async def rotate() -> str:
        await upgrade_async(settings.database_url)
        database = Database.from_url(settings.database_url)
        try:
            done = await rekey(
                database, old=old, new=new, reporter=reporter_rekey(old_keys, ReporterKeys(new))
            )
        finally:
            await database.dispose()
        return done.summary()

    typer.echo(_run(settings, lambda: asyncio.run(rotate())))


def main() -> None:
    cli()
