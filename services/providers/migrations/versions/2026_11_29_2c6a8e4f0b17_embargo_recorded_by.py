"""embargoes: the account that imposed each (null for one a quality escalation imposed)

Revision ID: 2c6a8e4f0b17
Revises: 19e62b062027
Create Date: 2026-11-29 20:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '2c6a8e4f0b17'
down_revision: str | None = '19e62b062027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('embargoes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('embargoes', schema=None) as batch_op:
        batch_op.drop_column('recorded_by')
