"""visit performance: the latest report per provider and period; evidence described in words

Revision ID: c4af1e3a4165
Revises: 333bf28cd61c
Create Date: 2026-11-29 18:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c4af1e3a4165'
down_revision: str | None = '333bf28cd61c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=300), server_default='', nullable=False))

    op.create_table('visit_performance',
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('planned_visits', sa.Integer(), nullable=False),
    sa.Column('logged_visits', sa.Integer(), nullable=False),
    sa.Column('missed_visits', sa.Integer(), nullable=False),
    sa.Column('punctual_visits', sa.Integer(), nullable=False),
    sa.Column('timed_visits', sa.Integer(), nullable=False),
    sa.Column('compliance_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('punctuality_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('call_logging_target_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('punctuality_target_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider_id', 'period_start', 'period_end', name=op.f('pk_visit_performance'))
    )


def downgrade() -> None:
    op.drop_table('visit_performance')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('detail')
