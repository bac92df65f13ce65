"""invoices: who acknowledged each document (the account that recorded the ledger's posting)

Revision ID: 9e4b2c7d1a36
Revises: c4e8a1d2f7b3
Create Date: 2026-11-29 19:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9e4b2c7d1a36'
down_revision: str | None = 'c4e8a1d2f7b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_by')
