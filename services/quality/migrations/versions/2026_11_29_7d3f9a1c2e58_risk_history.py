"""risk history: each provider's score and RAG as they changed, begun from the matrix as it stands

Revision ID: 7d3f9a1c2e58
Revises: e45f1e0a6bda
Create Date: 2026-11-29 19:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7d3f9a1c2e58'
down_revision: str | None = 'e45f1e0a6bda'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('score', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('rag', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_history'))
    )
    with op.batch_alter_table('risk_history', schema=None) as batch_op:
        batch_op.create_index('ix_risk_history_provider', ['provider_id', 'id'], unique=False)
    op.execute("INSERT INTO risk_history (provider_id, score, rag, at) "
               "SELECT provider_id, score, rag, assessed_at FROM provider_risk ORDER BY assessed_at, provider_id")


def downgrade() -> None:
    with op.batch_alter_table('risk_history', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_history_provider')
    op.drop_table('risk_history')
