"""APScheduler's job store table goes: the scheduler keeps its jobs in memory.

A stored APScheduler job is a pickle, so whoever could write that table could run code in the
scheduler's process. The jobs are now made from `digest_schedules` on every reconcile; what
a downtime missed is owed by the database (`digests_sent`), not by a stored job. Processes
that used SQLite kept the table in a file beside the database (`*.scheduler.sqlite3`), which
nothing reads any more and may be deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # IF EXISTS: a database may never have had it, or had it dropped by hand. The index goes
    # with its table.
    op.execute('DROP TABLE IF EXISTS apscheduler_jobs')


def downgrade() -> None:
    # Back to 0005's schema: the table as APScheduler 3's SQLAlchemyJobStore makes it, empty.
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)
