"""counted visits: each visit counted once in the dashboard's tally, at its latest version

Revision ID: 333bf28cd61c
Revises: 27cb271972b2
Create Date: 2026-11-29 17:00:00.000000

Visits counted before this revision have no row here: a later correction of one of them is counted as a
new visit in the tally (its evidence is still replaced, being keyed by the visit id).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '333bf28cd61c'
down_revision: str | None = '27cb271972b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('counted_visits',
    sa.Column('visit_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.Column('under_30', sa.Boolean(), nullable=False),
    sa.Column('missed', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_counted_visits'))
    )


def downgrade() -> None:
    op.drop_table('counted_visits')
