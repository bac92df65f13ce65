"""known providers' declared capacity by area: the dashboard's capacity against demand

Revision ID: 9e2b7c4d1f60
Revises: 4b8e0f3a9d17
Create Date: 2026-11-29 21:00:00.000000

A provider known before this revision shows no capacity until its next event (every registry event carries
its whole state, capacity included).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9e2b7c4d1f60'
down_revision: str | None = '4b8e0f3a9d17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('known_providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('known_providers', schema=None) as batch_op:
        batch_op.drop_column('capacity')
