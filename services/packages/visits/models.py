"""Visits as providers report them (unique by the provider's own visit id), with every earlier version of
a corrected visit kept beside it."""

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Time,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base
from shared.db import UtcDateTime, partial_index

NOT_VOIDED = "voided_at IS NULL"
Day = date
"""A calendar date (within `Visit`, `date` names its column)."""


class Visit(Base):
    """The current version of a reported visit. What it is paid (`paid_minutes` per carer, and the `rule`
    that says why) is worked out under the council's policy when it is reported or corrected; an unplanned
    visit counts only once approved, a voided one never."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("provider_id", "provider_visit_id"),
        Index("ix_visits_package_date", "package_id", "date"),
        Index("ix_visits_date", "date"),
        partial_index("uq_visits_package_slot", "package_id", "date", "planned_start", unique=True, where=NOT_VOIDED),
        CheckConstraint("outcome IN ('delivered', 'missed', 'cancelled_by_client', 'frustrated')", name="outcome"),
        CheckConstraint("approval IS NULL OR approval IN ('pending', 'approved', 'refused')", name="approval"),
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
    outcome: Mapped[str] = mapped_column(String(30))
    notice_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), nullable=True)
    late_by_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    paid_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    rule: Mapped[str | None] = mapped_column(String(30), nullable=True)
    overrun_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    """Minutes past the planned ones (rounded up to the increment), paid only by an approved extension or
    from the week's banked minutes."""
    extension_approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    week_start: Mapped[Day] = mapped_column(Date)
    """The Monday of the visit's week: banking limits what a package's over-runs are paid by the week."""
    approval: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """Null for a visit the schedule planned; an unplanned visit (on a day its package's schedule does not
    have) is pending until a broker approves or refuses it."""
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
    corrected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class VisitRevision(Base):
    """A version of a visit that a correction replaced, kept as it was reported, with why it changed."""

    __tablename__ = "visit_revisions"
    __table_args__ = (UniqueConstraint("visit_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reported: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    correction_reason: Mapped[str] = mapped_column(String(500))
