"""Keeping the latest visit performance report of each provider and period, and reading it for the matrix."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.performance.domain import Targets
from services.quality.performance.models import VisitPerformance
from services.quality.settings import QualitySettings
from services.quality.upsert import locked_row
from shared.contracts.packages import VisitPerformanceReported

PERIOD_KEY = ("provider_id", "period_start", "period_end")


def targets_from(settings: QualitySettings) -> Targets:
    return Targets(call_logging_percent=settings.call_logging_target_percent,
                   punctuality_percent=settings.punctuality_target_percent)


async def keep_latest(
    session: AsyncSession, *, report: VisitPerformanceReported, reported_at: datetime, targets: Targets
) -> bool:
    """Holds the report in place of the period's earlier one, unless a later one is held already (a restated
    period may overtake the first on the broker). True when kept: its evidence then replaces the period's."""
    values = {
        **report.model_dump(include={*PERIOD_KEY, "planned_visits", "logged_visits", "missed_visits",
                                     "punctual_visits", "timed_visits", "compliance_percent",
                                     "punctuality_percent"}),
        "call_logging_target_percent": targets.call_logging_percent,
        "punctuality_target_percent": targets.punctuality_percent,
        "reported_at": reported_at,
    }
    row = await locked_row(session, VisitPerformance, key=PERIOD_KEY, values=values)
    if row.reported_at > reported_at:
        return False
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return True


async def latest_reports(
    session: AsyncSession, *, provider_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, VisitPerformance]:
    """Each provider's report of the period that ended last (providers with none are left out)."""
    latest = (select(VisitPerformance.provider_id, func.max(VisitPerformance.period_end).label("period_end"))
              .where(VisitPerformance.provider_id.in_(provider_ids)).group_by(VisitPerformance.provider_id)
              .subquery())
    rows = await session.scalars(
        select(VisitPerformance)
        .join(latest, and_(VisitPerformance.provider_id == latest.c.provider_id,
                           VisitPerformance.period_end == latest.c.period_end))
        .order_by(VisitPerformance.period_start)
    )
    return {row.provider_id: row for row in rows}
