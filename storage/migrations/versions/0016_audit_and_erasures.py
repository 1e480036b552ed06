"""The audit trail of facilitator and operator actions, and the list of erased identities
(keyed hashes) that `compact-bot people forget --reapply` applies again after a restore.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_slug", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_person_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(
        "ix_audit_entries_partnership_at", "audit_entries", ["partnership_slug", "at"]
    )
    op.create_index(
        op.f("ix_audit_entries_actor_person_id"), "audit_entries", ["actor_person_id"]
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_slug", sa.String(length=64), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_on", sa.Date(), nullable=False),
        sa.Column(
            "reflections_too", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sa.UniqueConstraint(
            "partnership_slug",
            "identity_hash",
            name=op.f("uq_erasures_partnership_slug_identity_hash"),
        ),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_index(op.f("ix_audit_entries_actor_person_id"), table_name="audit_entries")
    op.drop_index("ix_audit_entries_partnership_at", table_name="audit_entries")
    op.drop_table("audit_entries")
