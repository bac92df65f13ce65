"""Rate cards (the cost-of-care model per area, versioned by effective date) and financial assessments."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, String, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base
from shared.db import UtcDateTime

MONEY = Numeric(12, 2)
PERCENT = Numeric(6, 2)


class RateCard(Base):
    __tablename__ = "rate_cards"
    __table_args__ = (UniqueConstraint("area", "effective_from"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    area: Mapped[str] = mapped_column(String(20), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    care_worker_hourly_pay: Mapped[Decimal] = mapped_column(MONEY)
    travel_minutes_per_visit: Mapped[int] = mapped_column(Integer)
    travel_hourly_pay: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    mileage_per_visit_miles: Mapped[Decimal] = mapped_column(MONEY)
    mileage_rate: Mapped[Decimal] = mapped_column(MONEY)
    on_cost_percent: Mapped[Decimal] = mapped_column(PERCENT)
    training_supervision_percent: Mapped[Decimal] = mapped_column(PERCENT)
    overhead_percent: Mapped[Decimal] = mapped_column(PERCENT)
    surplus_percent: Mapped[Decimal] = mapped_column(PERCENT)
    weekend_uplift_percent: Mapped[Decimal] = mapped_column(PERCENT)
    bank_holiday_uplift_percent: Mapped[Decimal] = mapped_column(PERCENT, server_default="0")
    night_uplift_percent: Mapped[Decimal] = mapped_column(PERCENT, server_default="0")
    client_hourly_charge_cap: Mapped[Decimal] = mapped_column(MONEY)
    client_weekly_charge_cap: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())


class FinancialAssessment(Base):
    """A Care Act financial assessment: what the person is assessed to pay a week, from a date."""

    __tablename__ = "financial_assessments"
    __table_args__ = (UniqueConstraint("client_ref", "effective_from"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    client_ref: Mapped[str] = mapped_column(String(100), index=True)
    assessed_weekly_contribution: Mapped[Decimal] = mapped_column(MONEY)
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
