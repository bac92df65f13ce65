"""referral facts imported: placements brought in by brokerage's import have no time to source

Revision ID: e45f1e0a6bda
Revises: c4af1e3a4165
Create Date: 2026-11-29 17:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e45f1e0a6bda'
down_revision: str | None = 'c4af1e3a4165'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referral_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('referral_facts', schema=None) as batch_op:
        batch_op.drop_column('imported')
