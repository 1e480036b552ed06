"""Fewer traces of who raised a call-out: named call-outs keep no reporter key (the named
reporter is stored beside it anyway, and a key there would let a database dump test guesses
of COMPACT_SECRET_KEY); anonymous call-outs keep the day they were raised and withdrawn, not
the second; request keys stored in clear are dropped (from now on they are keyed hashes
with the day only, kept for a day or two).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CALLOUTS = sa.table(
    "callouts",
    sa.column("id", sa.String()),
    sa.column("anonymous", sa.Boolean()),
    sa.column("status", sa.String()),
    sa.column("reporter_key", sa.String()),
    sa.column("raised_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)
_STEPS = sa.table(
    "callout_status_changes",
    sa.column("callout_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("to_status", sa.String()),
    sa.column("at", UtcDateTime()),
)


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def upgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.alter_column("reporter_key", existing_type=sa.String(length=128), nullable=True)
    connection = op.get_bind()
    connection.execute(
        sa.update(_CALLOUTS).where(_CALLOUTS.c.anonymous.is_(False)).values(reporter_key=None)
    )
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_callouts_no_reporter_key_when_named"), "anonymous OR reporter_key IS NULL"
        )
    anonymous = connection.execute(
        sa.select(_CALLOUTS.c.id, _CALLOUTS.c.status, _CALLOUTS.c.raised_at, _CALLOUTS.c.updated_at)
        .where(_CALLOUTS.c.anonymous.is_(True))
    ).all()
    for callout_id, status, raised_at, updated_at in anonymous:
        coarse = {"raised_at": _day(raised_at)}
        if status == "withdrawn":
            coarse["updated_at"] = _day(updated_at)
        connection.execute(sa.update(_CALLOUTS).where(_CALLOUTS.c.id == callout_id).values(coarse))
        withdrawals = connection.execute(
            sa.select(_STEPS.c.seq, _STEPS.c.at).where(
                _STEPS.c.callout_id == callout_id, _STEPS.c.to_status == "withdrawn"
            )
        ).all()
        for seq, at in withdrawals:
            connection.execute(
                sa.update(_STEPS)
                .where(_STEPS.c.callout_id == callout_id, _STEPS.c.seq == seq)
                .values(at=_day(at))
            )
    op.execute("DELETE FROM processed_requests")


def downgrade() -> None:
    # The coarse times and the dropped keys cannot come back; named call-outs get a
    # placeholder key (the column was required), which matches nobody.
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_callouts_no_reporter_key_when_named"), type_="check")
    op.execute("UPDATE callouts SET reporter_key = 'named' WHERE reporter_key IS NULL")
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.alter_column("reporter_key", existing_type=sa.String(length=128), nullable=False)
