"""placement package_event_at: when the package event last applied to a placement happened, so an older
one arriving later (two replicas sharing the queue) changes nothing

Revision ID: 6c1d0e9a4b25
Revises: 3d6a8e1f2b74
Create Date: 2026-11-30 06:00:00.000000

Placements made before this revision have none: the next package event applies whatever its time.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '6c1d0e9a4b25'
down_revision: str | None = '3d6a8e1f2b74'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package_event_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('package_event_at')
