"""a referral's history also records an amendment and a cancellation (with the broker's reason), and who
asked for a step (the actor); its reason is one of a closed set (skip, decline and cancel reasons)

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
REASONS = {'referral_history': {'reason': (
    "reason IS NULL OR reason IN ('admitted_to_hospital', 'already_offered', 'area_not_covered', 'block_hours_used', "
    "'cap_exceeded', 'care_arranged_elsewhere', 'client_group_not_served', 'died', 'duplicate', 'embargoed', "
    "'inactive', 'inadequate_rating', 'missing_skill', 'moved_away', 'moved_to_residential_care', 'no_capacity', "
    "'no_longer_needed', 'no_staff_in_area', 'other', 'ramp_up_limit', 'skills', 'travel')")}}


def upgrade() -> None:
    drop_checks(BEFORE)
    create_checks(AFTER)
    create_checks(REASONS)
    with op.batch_alter_table('referral_history') as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral_history') as batch_op:
        batch_op.drop_column('actor')
    drop_checks(REASONS)
    drop_checks(AFTER)
    create_checks(BEFORE)
