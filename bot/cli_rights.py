"""`compact-bot people|retention|partnership|audit`: each person's rights over their data,
run by the operator (docs/privacy.md, "Your rights"). Wired into `bot.cli` by
`add_rights_commands`; the SQL work is in `storage/erasure.py`."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

import sqlalchemy.exc
import typer

from bot import words
from bot.anonymity import ReporterKeys
from bot.config import Settings
from bot.erasure_keys import ErasureKeys
from bot.ports import SystemClock
from storage import erasure
from storage.database import Database
from storage.migrate import upgrade_async

T = TypeVar("T")
EXIT_NOBODY: Final = 1
EXIT_USAGE: Final = 2

people_cli = typer.Typer(help="A person's data: export it, or erase it.", no_args_is_help=True)
retention_cli = typer.Typer(help="Erasing what has been kept long enough.", no_args_is_help=True)
partnership_cli = typer.Typer(help="Partnerships as a whole.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Database URL (default: $DATABASE_URL).")
]
OnlyPartnership = Annotated[
    str | None, typer.Option("--partnership", help="Only this partnership (its slug).")
]
Who = Annotated[str, typer.Argument(help="A handle (@bob), an email, a name or a user id.")]


def add_rights_commands(cli: typer.Typer) -> None:
    cli.add_typer(people_cli, name="people")
    cli.add_typer(retention_cli, name="retention")
    cli.add_typer(partnership_cli, name="partnership")
    cli.command("audit")(audit)


def _within(database_url: str | None, work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Run `work` on the migrated database, with the CLI's handling of an unusable one."""
    from bot.cli import _first_line, _run, _settings

    settings = _settings(database_url=database_url)

    async def run() -> T:
        await upgrade_async(settings.database_url)
        database = Database.from_url(settings.database_url)
        try:
            return await work(settings, database)
        finally:
            await database.dispose()

    try:
        return _run(settings, lambda: asyncio.run(run()))
    except sqlalchemy.exc.IntegrityError as problem:  # rolled back: nothing was changed
        raise _fail(words.RIGHTS_REFUSED.format(problem=_first_line(problem)), 1) from None


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _operator() -> str:
    """Who runs the command, for the audit trail: the account on this machine."""
    try:
        return f"operator {getpass.getuser()}"
    except (KeyError, OSError):
        return "operator (unknown account)"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


async def _one_person(database: Database, who: str, slug: str | None) -> erasure.Candidate:
    found = await erasure.find_people(database, who, slug)
    if len(found) > 1:
        listed = "; ".join(c.describe() for c in found)
        raise _fail(words.PEOPLE_AMBIGUOUS.format(who=who, count=len(found), listed=listed), 2)
    if not found:
        raise LookupError(who)
    return found[0]


@people_cli.command("export")
def people_export(
    who: Who,
    partnership: OnlyPartnership = None,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Everything stored about one person, as JSON (a subject access request)."""

    async def export(_settings: Settings, database: Database) -> dict[str, Any]:
        person = await _one_person(database, who, partnership)
        now = SystemClock().now()
        return await erasure.export_person(
            database, person.person_id, operator=_operator(), now=now
        )

    try:
        data = _within(database_url, export)
    except LookupError:
        raise _fail(words.PEOPLE_NOBODY.format(who=who), EXIT_NOBODY) from None
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        # Readable by its owner only: it is one person's data.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as problem:
        raise _fail(f"Cannot write {output}: {problem.strerror}.", EXIT_USAGE) from None
    typer.echo(words.PEOPLE_EXPORTED.format(output=output))


@people_cli.command("forget")
def people_forget(
    who: Annotated[
        str | None, typer.Argument(help="A handle, an email, a name or a user id.")
    ] = None,
    partnership: OnlyPartnership = None,
    with_reflections: Annotated[
        bool, typer.Option("--with-reflections", help="Delete their reflections too.")
    ] = False,
    reapply: Annotated[
        bool,
        typer.Option("--reapply", help="Forget again everyone erased before (after a restore)."),
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Erase a person: identities, name, email, addresses; their reflections stay as
    "a former participant" (or go, with --with-reflections); their call-outs lose any link
    to them. One transaction; running it again changes nothing."""
    if reapply == (who is not None):
        raise _fail(words.PEOPLE_FORGET_USAGE, EXIT_USAGE)

    def keys(settings: Settings) -> tuple[ErasureKeys, ReporterKeys]:
        from bot.bootstrap import secret_key

        secret = secret_key(settings)
        return ErasureKeys(secret), ReporterKeys(secret)

    async def again(settings: Settings, database: Database) -> str:
        hashes, reporters = keys(settings)
        count = await erasure.reapply_erasures(
            database,
            hashes=hashes.hashes,
            reporter_key=reporters.key_for,
            operator=_operator(),
            now=SystemClock().now(),
        )
        return words.PEOPLE_REAPPLIED.format(count=count)

    async def forget(settings: Settings, database: Database) -> str:
        assert who is not None
        hashes, reporters = keys(settings)
        try:
            person = await _one_person(database, who, partnership)
        except LookupError:
            if await erasure.already_erased(database, who, partnership, hashes.hashes):
                return words.PEOPLE_ALREADY_FORGOTTEN.format(who=who)
            raise
        done = await erasure.forget_person(
            database,
            person.person_id,
            hashes=hashes.hashes,
            reporter_key=reporters.key_for,
            with_reflections=with_reflections,
            operator=_operator(),
            now=SystemClock().now(),
        )
        kept = (
            words.PEOPLE_REFLECTIONS_DELETED if with_reflections else words.PEOPLE_REFLECTIONS_KEPT
        )
        lines = [
            words.PEOPLE_FORGOTTEN.format(
                who=person.describe(),
                identities=done.identities,
                reflections=kept.format(count=done.reflections),
                callouts=done.named_callouts,
                rounds=done.rounds,
            )
        ]
        if person.handle:
            lines.append(words.PEOPLE_STILL_IN_FILE.format(handle=person.handle))
        return "\n".join(lines)

    try:
        typer.echo(_within(database_url, again if reapply else forget))
    except LookupError:
        raise _fail(words.PEOPLE_NOBODY.format(who=who), EXIT_NOBODY) from None


@retention_cli.command("run")
def retention_run(database_url: DatabaseOption = None) -> None:
    """Erase now what has been kept long enough (the scheduler does it daily); prints what
    it erased, counted."""
    from bot.bootstrap import bootstrap

    async def run(settings: Settings, database: Database) -> str:
        wiring = bootstrap(settings, gateways={}, database=database)
        done = await wiring.maintenance.run_retention()
        return done.summary()

    typer.echo(_within(database_url, run))


@partnership_cli.command("delete")
def partnership_delete(
    slug: Annotated[str, typer.Argument(help="The partnership's slug.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask (for scripts).")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Remove a partnership that has ended, and everything stored with it, after you type its
    slug to confirm (or with --yes)."""
    if not yes:
        if not _is_terminal():
            raise _fail(words.PARTNERSHIP_DELETE_NEEDS_YES, EXIT_USAGE)
        typed = typer.prompt(words.PARTNERSHIP_DELETE_CONFIRM.format(slug=slug), default="")
        if typed.strip() != slug:
            raise _fail(words.PARTNERSHIP_DELETE_NOT_CONFIRMED.format(slug=slug), EXIT_NOBODY)

    async def delete(_settings: Settings, database: Database) -> str:
        done = await erasure.delete_partnership(
            database, slug, operator=_operator(), now=SystemClock().now()
        )
        rows = ", ".join(f"{table} {count}" for table, count in sorted(done.rows.items()))
        return words.PARTNERSHIP_DELETED.format(
            slug=slug, total=sum(done.rows.values()), rows=rows or "none"
        )

    try:
        typer.echo(_within(database_url, delete))
    except LookupError:
        raise _fail(words.PARTNERSHIP_UNKNOWN.format(slug=slug), EXIT_USAGE) from None


def audit(partnership: OnlyPartnership = None, database_url: DatabaseOption = None) -> None:
    """The audit trail of facilitator and operator actions: who did what, and when."""

    async def read(_settings: Settings, database: Database) -> list[str]:
        async with database.unit_of_work() as uow:
            entries = await uow.audit.entries(partnership)
        return [
            words.AUDIT_LINE.format(
                at=f"{e.at:%Y-%m-%d %H:%M:%S}Z",
                partnership=e.partnership_slug or "-",
                actor=e.actor,
                action=e.action.value,
                subject=e.subject,
            ).rstrip()
            for e in entries
        ]

    lines = _within(database_url, read)
    typer.echo("\n".join(lines) if lines else words.AUDIT_EMPTY)
