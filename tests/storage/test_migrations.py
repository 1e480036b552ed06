"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from rituals.round import events as ev
from storage.database import Database, make_engine
from storage.migrate import downgrade, schema_differences, upgrade_async
from storage.models import Base, PersonIdentityRow, ReflectionClauseRow, ReflectionRow
from tests.storage.builders import ALICE, BOB, T0, add_round, load_compact, started_round, step

HOUR = timedelta(hours=1)


async def _differences(url: str) -> list[object]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(schema_differences)
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(names)
    finally:
        await engine.dispose()


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert await _differences(database_url) == []


async def test_upgrade_from_inside_an_event_loop_is_a_no_op_at_head(database_url: str) -> None:
    await upgrade_async(database_url)
    assert await _differences(database_url) == []


async def test_downgrade_to_base_and_back(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "0007")
    assert "review_triggers" not in await _tables(database_url)  # 0008 added it
    await asyncio.to_thread(downgrade, database_url, "0006")
    assert not {"inbox", "outbox"} & await _tables(database_url)  # 0007 added them
    await asyncio.to_thread(downgrade, database_url, "0005")
    assert "apscheduler_jobs" in await _tables(database_url)  # the old pickled job store
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _tables(database_url) <= {"alembic_version"}
    await upgrade_async(database_url)
    # At head, 0006 has dropped the job store and 0007 added the inbox and outbox: the
    # tables are the models' tables.
    assert await _tables(database_url) == {*Base.metadata.tables, "alembic_version"}
    assert "apscheduler_jobs" not in Base.metadata.tables
    assert {"inbox", "outbox", "review_triggers"} <= set(Base.metadata.tables)
    assert await _differences(database_url) == []


async def test_replicas_starting_at_once_migrate_one_after_the_other(postgresql_url: str) -> None:
    """Four `compact-bot db upgrade` processes on one empty PostgreSQL database (replicas
    starting together): all succeed, and the schema is the models' schema."""
    import os
    import sys
    import uuid
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from tests.conftest import _execute_autocommit

    base = make_url(postgresql_url)
    name = f"migrate_race_{uuid.uuid4().hex[:8]}"
    await _execute_autocommit(base, f'CREATE DATABASE "{name}"')
    target = base.set(database=name).render_as_string(hide_password=False)
    try:
        command = [str(Path(sys.executable).with_name("compact-bot")), "db", "upgrade"]
        env = {**os.environ, "DATABASE_URL": target}
        runs = [
            await asyncio.create_subprocess_exec(
                *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            for _ in range(4)
        ]
        outputs = [(await run.communicate())[0].decode() for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
        assert await _differences(target) == []
    finally:
        await _execute_autocommit(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_clause_links_get_their_reflections_time_when_migrated(database: Database) -> None:
    """Migration 0005 fills the new `reflection_clauses.submitted_at` from each link's
    reflection, so a database with history keeps its "last cited" dates."""
    compact = await load_compact(database)
    round_ = started_round()
    round_ = step(round_, ev.ReflectionSubmitted(ALICE, "l", "v", ("exc-h1", "env-r1")), T0)
    round_ = step(round_, ev.ReflectionSubmitted(BOB, "l", "v", ("env-r1",)), T0 + HOUR)
    await add_round(database, round_, compact)
    url = database.engine.url.render_as_string(hide_password=False)
    await database.dispose()

    await asyncio.to_thread(downgrade, url, "0004")
    await upgrade_async(url)

    async with database.unit_of_work() as uow:
        links = (
            await uow.session.execute(
                select(ReflectionRow.author_user_id, ReflectionClauseRow.submitted_at).join(
                    ReflectionRow, ReflectionRow.id == ReflectionClauseRow.reflection_id
                )
            )
        ).all()
        last = await uow.reflections.clause_last_mentioned(compact.partnership_id)
    assert sorted(links) == [
        (ALICE.user_id, T0),
        (ALICE.user_id, T0),
        (BOB.user_id, T0 + HOUR),
    ]
    assert last == {"exc-h1": T0, "env-r1": T0 + HOUR}


async def test_identities_for_any_tenant_are_dropped_when_migrated(database: Database) -> None:
    """Migration 0012: a bare user id stored for any workspace (`*`) no longer names anyone;
    identities scoped to a workspace stay."""
    compact = await load_compact(database)
    url = database.engine.url.render_as_string(hide_password=False)
    await database.dispose()
    await asyncio.to_thread(downgrade, url, "0010")
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO person_identities (person_id, partnership_id, platform, tenant,"
                    " user_id) SELECT person_id, partnership_id, platform, '*', 'U_ANYWHERE'"
                    " FROM person_identities WHERE user_id = 'U_ALICE'"
                )
            )
    finally:
        await engine.dispose()
    await upgrade_async(url)

    async with database.unit_of_work() as uow:
        anywhere = await uow.people.find(
            compact.partnership_id, ALICE._replace(user_id="U_ANYWHERE")
        )
        rows = (
            await uow.session.execute(
                select(
                    PersonIdentityRow.tenant, PersonIdentityRow.user_id, PersonIdentityRow.source
                )
            )
        ).all()
    assert anywhere is None
    assert sorted(rows) == [(ALICE.tenant, "U_ALICE", None), (BOB.tenant, "U_BOB", None)]


async def test_reporter_traces_are_dropped_when_migrated(database: Database) -> None:
    """Migration 0014: a named call-out loses its reporter hash, an anonymous one keeps the
    day it was raised and withdrawn, and request keys stored in clear are dropped."""
    from storage.models import CalloutRow, CalloutStatusChangeRow, ProcessedRequestRow
    from tests.storage.test_callouts import add, raised

    compact = await load_compact(database)
    await add(database, compact, raised(compact, "co-anon", anonymous=True))
    await add(database, compact, raised(compact, "co-named", anonymous=False))
    url = database.engine.url.render_as_string(hide_password=False)
    await database.dispose()
    await asyncio.to_thread(downgrade, url, "0010")
    async with database.unit_of_work() as uow:  # as 0010 stored them: exact times, keys
        await uow.session.execute(
            update(CalloutRow).values(reporter_key="a-hash", raised_at=T0, updated_at=T0 + HOUR)
        )
        await uow.session.execute(
            update(CalloutRow).where(CalloutRow.id == "co-anon").values(status="withdrawn")
        )
        await uow.session.execute(
            insert(CalloutStatusChangeRow).values(
                callout_id="co-anon", seq=0, from_status="open", to_status="withdrawn",
                at=T0 + HOUR, note="",
            )
        )  # fmt: skip
        await uow.session.execute(
            insert(ProcessedRequestRow).values(key="teams:card:1:callout:29:bob", first_seen_at=T0)
        )
        await uow.commit()
    await database.dispose()

    await upgrade_async(url)

    day = T0.replace(hour=0)
    async with database.unit_of_work() as uow:
        rows = {
            r.id: (r.reporter_key, r.raised_at, r.updated_at)
            for r in (await uow.session.execute(select(CalloutRow))).scalars()
        }
        step_at = await uow.session.scalar(select(CalloutStatusChangeRow.at))
        keys = (await uow.session.execute(select(ProcessedRequestRow.key))).scalars().all()
    assert rows == {"co-anon": ("a-hash", day, day), "co-named": (None, T0, T0 + HOUR)}
    assert step_at == day and keys == []
