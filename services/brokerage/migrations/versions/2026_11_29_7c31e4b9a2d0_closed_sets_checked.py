"""closed sets checked by the database: urgency, client group, history events, tiers, decline reasons,
placement and webhook delivery statuses

Revision ID: 7c31e4b9a2d0
Revises: 5a9122fbd8f5
Create Date: 2026-11-29 19:00:00.000000
"""
from collections.abc import Sequence

from shared.migrations import create_checks, drop_checks


revision: str = '7c31e4b9a2d0'
down_revision: str | None = '5a9122fbd8f5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIERS = "'block', 'primary', 'framework', 'second_tier'"
CHECKS = {
    'referrals': {
        'urgency': "urgency IN ('hospital_discharge', 'crisis', 'routine')",
        'client_group': "client_group IN ('older_people', 'learning_disability', 'physical_disability', "
                        "'mental_health', 'carer_support')",
    },
    'referral_history': {
        'event': "event IN ('considered', 'skipped', 'offered', 'accepted', 'declined', 'expired', 'withdrawn', "
                 "'placed', 'awarded', 'unsourced', 'imported')",
        'tier': f"tier IS NULL OR tier IN ({TIERS})",
    },
    'offers': {
        'tier': f"tier IN ({TIERS})",
        'decline_reason': "decline_reason IS NULL OR decline_reason IN ('no_capacity', 'no_staff_in_area', 'skills', "
                          "'travel', 'other')",
    },
    'placements': {'status': "status IN ('active', 'suspended', 'ended')"},
    'webhook_deliveries': {'status': "status IN ('pending', 'delivered', 'failed')"},
}


def upgrade() -> None:
    create_checks(CHECKS)


def downgrade() -> None:
    drop_checks(CHECKS)
