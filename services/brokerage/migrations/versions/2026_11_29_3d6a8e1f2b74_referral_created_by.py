"""referral created_by: the broker who made a referral, so they are told of what happens to it

Revision ID: 3d6a8e1f2b74
Revises: d41e7b20c9a3
Create Date: 2026-11-29 21:00:00.000000

Referrals made before this revision, and placements brought in by the import, have none.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3d6a8e1f2b74'
down_revision: str | None = 'd41e7b20c9a3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_referrals_created_by'), ['created_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_created_by'))
        batch_op.drop_column('created_by')
