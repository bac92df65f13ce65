"""referral external_ref: the council's key of a placement brought in by the placements import

Revision ID: 5a9122fbd8f5
Revises: bf2e29a1a586
Create Date: 2026-11-29 17:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5a9122fbd8f5'
down_revision: str | None = 'bf2e29a1a586'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_ref', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_referrals_external_ref'), ['external_ref'])


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_referrals_external_ref'), type_='unique')
        batch_op.drop_column('external_ref')
