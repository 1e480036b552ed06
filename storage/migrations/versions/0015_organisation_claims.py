"""Organisation claims: `/compact iam <org>` from someone the compact file does not place is
a claim a facilitator approves or declines; the pending one is kept on the person's row.

Revision ID: 0015
Revises: 0010 (other branches add 0011-0014; the integrator relinks this to them)
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_people_claimed_organisation_id_organisations", type_="foreignkey"
        )
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_organisation_id")
