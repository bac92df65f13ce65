"""sync_state: how far the CQC change feed has been synced, and the periodic job's lease

Revision ID: 7a4c2e9d1f35
Revises: 5d1f3b7e9a24
Create Date: 2026-11-29 21:15:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7a4c2e9d1f35'
down_revision: str | None = '5d1f3b7e9a24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sync_state',
    sa.Column('feed', sa.String(length=50), nullable=False),
    sa.Column('synced_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('feed', name=op.f('pk_sync_state'))
    )


def downgrade() -> None:
    op.drop_table('sync_state')
