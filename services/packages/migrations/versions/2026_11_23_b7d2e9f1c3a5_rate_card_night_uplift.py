"""rate card night uplift: visits in the council's night window (existing cards: none)

Revision ID: b7d2e9f1c3a5
Revises: a3c1f0b2d4e6
Create Date: 2026-11-23 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b7d2e9f1c3a5'
down_revision: str | None = 'a3c1f0b2d4e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('rate_cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('night_uplift_percent', sa.Numeric(precision=6, scale=2), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('rate_cards', schema=None) as batch_op:
        batch_op.drop_column('night_uplift_percent')
