"""Membership: `/compact iam <org>` from someone the compact file does not place is a claim a
facilitator approves or declines (the pending one is kept on the person's row); channels the
compact file declares, adopted with their workspace or tenant when first used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declared_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_declared_channels_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_channels")),
        sa.UniqueConstraint(
            "platform", "channel_id", name=op.f("uq_declared_channels_platform_channel_id")
        ),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_people_claimed_organisation_id_organisations",
            "organisations",
            ["claimed_organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    op.drop_table("declared_channels")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_people_claimed_organisation_id_organisations", type_="foreignkey"
        )
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_organisation_id")
