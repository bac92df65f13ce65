"""closed sets checked by the database: referral status and urgency, decline reason

Revision ID: 4b8e0f3a9d17
Revises: 7d3f9a1c2e58
Create Date: 2026-11-29 19:00:00.000000
"""
from collections.abc import Sequence

from shared.migrations import create_checks, drop_checks


revision: str = '4b8e0f3a9d17'
down_revision: str | None = '7d3f9a1c2e58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    'referral_facts': {
        'status': "status IN ('sourcing', 'placed', 'unsourced', 'cancelled')",
        'urgency': "urgency IN ('hospital_discharge', 'crisis', 'routine')",
    },
    'decline_facts': {
        'reason': "reason IN ('no_capacity', 'no_staff_in_area', 'skills', 'travel', 'other')",
    },
}


def upgrade() -> None:
    create_checks(CHECKS)


def downgrade() -> None:
    drop_checks(CHECKS)
