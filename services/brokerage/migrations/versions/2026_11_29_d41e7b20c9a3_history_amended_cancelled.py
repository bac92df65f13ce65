"""a referral's history also records an amendment and a cancellation (with the broker's reason), and who
asked for a step (the actor)

Revision ID: d41e7b20c9a3
Revises: 7c31e4b9a2d0
Create Date: 2026-11-29 20:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_checks, drop_checks


revision: str = 'd41e7b20c9a3'
down_revision: str | None = '7c31e4b9a2d0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ("'considered', 'skipped', 'offered', 'accepted', 'declined', 'expired', 'withdrawn', 'placed', 'awarded', "
          "'unsourced', 'imported'")
BEFORE = {'referral_history': {'event': f"event IN ({EVENTS})"}}
AFTER = {'referral_history': {'event': f"event IN ({EVENTS}, 'amended', 'cancelled')"}}


def upgrade() -> None:
    drop_checks(BEFORE)
    create_checks(AFTER)
    with op.batch_alter_table('referral_history') as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral_history') as batch_op:
        batch_op.drop_column('actor')
    drop_checks(AFTER)
    create_checks(BEFORE)
