"""closed sets checked by the database: package status

Revision ID: 9e2b7d41c6a8
Revises: 9e4b2c7d1a36
Create Date: 2026-11-29 19:00:00.000000
"""
from collections.abc import Sequence

from shared.migrations import create_checks, drop_checks


revision: str = '9e2b7d41c6a8'
down_revision: str | None = '9e4b2c7d1a36'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {'packages': {'status': "status IN ('active', 'suspended', 'ended')"}}


def upgrade() -> None:
    create_checks(CHECKS)


def downgrade() -> None:
    drop_checks(CHECKS)
