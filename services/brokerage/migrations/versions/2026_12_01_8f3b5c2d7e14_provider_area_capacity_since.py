"""provider_areas capacity_since: when the provider's declared capacity in the area last changed, beside the
area's row, so an area's snapshot sums the hours placed since then with a join (not a CASE of one branch
per provider); filled from known_providers.capacity_since

Revision ID: 8f3b5c2d7e14
Revises: 6c1d0e9a4b25
Create Date: 2026-12-01 06:30:00.000000
"""
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from shared.clock import as_utc
from shared.db import UtcDateTime


revision: str = '8f3b5c2d7e14'
down_revision: str | None = '6c1d0e9a4b25'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KNOWN_PROVIDERS = sa.table('known_providers', sa.column('id', sa.Uuid()), sa.column('capacity_since', sa.JSON()))
PROVIDER_AREAS = sa.table('provider_areas', sa.column('area', sa.String()), sa.column('provider_id', sa.Uuid()),
                          sa.column('capacity_since', UtcDateTime()))


def upgrade() -> None:
    with op.batch_alter_table('provider_areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity_since', sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    for provider_id, since in connection.execute(sa.select(KNOWN_PROVIDERS.c.id, KNOWN_PROVIDERS.c.capacity_since)):
        for area, at in (since or {}).items():
            connection.execute(
                PROVIDER_AREAS.update()
                .where(PROVIDER_AREAS.c.provider_id == provider_id, PROVIDER_AREAS.c.area == area)
                .values(capacity_since=as_utc(datetime.fromisoformat(at))))


def downgrade() -> None:
    with op.batch_alter_table('provider_areas', schema=None) as batch_op:
        batch_op.drop_column('capacity_since')
