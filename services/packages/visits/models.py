"""Delivered visits as providers report them, unique by the provider's own visit id."""

import uuid
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base
from shared.db import UtcDateTime


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("provider_id", "provider_visit_id"),
        Index("ix_visits_package_date", "package_id", "date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    provider_visit_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"))
    date: Mapped[date] = mapped_column(Date)
    weekend: Mapped[bool] = mapped_column(Boolean)
    planned_start: Mapped[time] = mapped_column(Time)
    actual_start: Mapped[time | None] = mapped_column(Time, nullable=True)
    planned_minutes: Mapped[int] = mapped_column(Integer)
    actual_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    carers: Mapped[int] = mapped_column(Integer)
    missed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
