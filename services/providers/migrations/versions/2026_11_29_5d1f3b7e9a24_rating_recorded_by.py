"""ratings: the account that recorded or imported each (null for one recorded before it was kept)

Revision ID: 5d1f3b7e9a24
Revises: 2c6a8e4f0b17
Create Date: 2026-11-29 21:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5d1f3b7e9a24'
down_revision: str | None = '2c6a8e4f0b17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('recorded_by')
