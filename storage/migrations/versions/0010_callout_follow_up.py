"""Call-out follow-up: the partner that owns the next step, the agreed action and the review
date, recorded when a call-out is discussed.

Revision ID: 0010
Revises: 0008 (another branch may add 0009; the integrator relinks this to it)
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follow_up_owner", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("agreed_action", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("review_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("review_on")
        batch_op.drop_column("agreed_action")
        batch_op.drop_column("follow_up_owner")
