"""Review triggers: which clauses were proposed for review in a span, whether a digest has
announced them, and whether facilitators discussed them or the clause was revised.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_triggers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('span_label', sa.String(length=32), nullable=False),
    sa.Column('clause_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reported_in', sa.String(length=32), nullable=True),
    sa.Column('revised_in', sa.Integer(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_review_triggers_partnership_id_partnerships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_triggers')),
    sa.UniqueConstraint('partnership_id', 'span_label', 'clause_key', 'kind', name=op.f('uq_review_triggers_partnership_id_span_label_clause_key_kind'))
    )


def downgrade() -> None:
    op.drop_table('review_triggers')
