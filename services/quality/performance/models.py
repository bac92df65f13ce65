"""The latest report of each provider's visits over each payment period."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.database import Base
from shared.db import UtcDateTime

PERCENT = Numeric(5, 2)


class VisitPerformance(Base):
    """One provider's period as its latest invoice run reported it (a re-run restates the period and
    replaces the row), with the targets its evidence was judged against, so the matrix shows both."""

    __tablename__ = "visit_performance"

    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date, primary_key=True)
    planned_visits: Mapped[int] = mapped_column(Integer)
    logged_visits: Mapped[int] = mapped_column(Integer)
    missed_visits: Mapped[int] = mapped_column(Integer)
    punctual_visits: Mapped[int] = mapped_column(Integer)
    timed_visits: Mapped[int] = mapped_column(Integer)
    compliance_percent: Mapped[Decimal] = mapped_column(PERCENT)
    punctuality_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    call_logging_target_percent: Mapped[Decimal] = mapped_column(PERCENT)
    punctuality_target_percent: Mapped[Decimal] = mapped_column(PERCENT)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
