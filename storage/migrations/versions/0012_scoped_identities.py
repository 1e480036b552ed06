"""Scoped identities: how each platform identity is known (`source`), and no more identities
for any tenant (`*`); the compact file's ids are recognised again per workspace or tenant.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=8), nullable=True))
    # An identity for any tenant let a bare user id carry facilitator powers into any
    # workspace; the file's ids are matched again, per tenant, the next time people speak.
    op.execute("DELETE FROM person_identities WHERE tenant = '*'")


def downgrade() -> None:
    with op.batch_alter_table("person_identities", schema=None) as batch_op:
        batch_op.drop_column("source")
