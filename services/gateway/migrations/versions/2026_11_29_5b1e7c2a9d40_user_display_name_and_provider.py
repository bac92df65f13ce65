"""users: a display name shown to other staff, and the provider a provider's staff user works for

Revision ID: 5b1e7c2a9d40
Revises: d37361cbec3d
Create Date: 2026-11-29 18:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5b1e7c2a9d40'
down_revision: str | None = 'd37361cbec3d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('provider_id')
        batch_op.drop_column('display_name')
