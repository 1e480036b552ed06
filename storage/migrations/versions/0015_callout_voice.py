"""The reporter's disclosure, the two-way thread and the facilitators' daily summary: the
organisation a "someone from my organisation" call-out shows, the thread's questions and
replies, and which days' summaries are claimed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_organisation", sa.String(length=64), nullable=True))
    op.create_table(
        "callout_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("callout_id", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["callout_id"],
            ["callouts.id"],
            name=op.f("fk_callout_messages_callout_id_callouts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_callout_messages_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callout_messages")),
    )
    op.create_index(
        "ix_callout_messages_partnership_day",
        "callout_messages",
        ["partnership_id", "on_day"],
        unique=False,
    )
    op.create_index(
        "ix_callout_messages_callout", "callout_messages", ["callout_id"], unique=False
    )
    op.create_table(
        "facilitator_summaries",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_facilitator_summaries_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("partnership_id", "day", name=op.f("pk_facilitator_summaries")),
    )


def downgrade() -> None:
    op.drop_table("facilitator_summaries")
    op.drop_index("ix_callout_messages_callout", table_name="callout_messages")
    op.drop_index("ix_callout_messages_partnership_day", table_name="callout_messages")
    op.drop_table("callout_messages")
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("reporter_organisation")
