"""The registry's tables. Lists (skills, client groups, branches, grades) are JSON: they are read and
written whole with their provider or rating, never queried by element."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.providers.database import Base
from shared.db import UtcDateTime, partial_index

HOURS = Numeric(12, 2)
_OPEN = "lifted_at IS NULL AND ended_at IS NULL"


class Provider(Base):
    __tablename__ = "providers"
    __table_args__ = (CheckConstraint("status IN ('active', 'inactive', 'deregistered')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    cqc_location_id: Mapped[str | None] = mapped_column(String(50), unique=True)
    cqc_provider_id: Mapped[str | None] = mapped_column(String(50))
    care_inspectorate_id: Mapped[str | None] = mapped_column(String(50), unique=True)
    postcode: Mapped[str | None] = mapped_column(String(20))
    local_authority: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[list[str]] = mapped_column(JSON)
    client_groups: Mapped[list[str]] = mapped_column(JSON)
    branches: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("tier IN ('block', 'primary', 'framework', 'second_tier')", name="tier"),
        Index("ix_contracts_area_tier", "area", "tier"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    tier: Mapped[str] = mapped_column(String(20))
    weekly_hours_cap: Mapped[Decimal | None] = mapped_column(HOURS)
    block_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("provider_id", "regulator", "published_on"),
        CheckConstraint("regulator IN ('cqc', 'care_inspectorate')", name="regulator"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    regulator: Mapped[str] = mapped_column(String(30))
    overall: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict[str, Any]] = mapped_column(
        JSON, doc="CQC: the five key questions; Care Inspectorate: grades 1-6 by theme")
    published_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(100), doc="The account that recorded or imported it")


class Embargo(Base):
    __tablename__ = "embargoes"
    __table_args__ = (
        CheckConstraint("scope IN ('all', 'area', 'client_group')", name="scope"),
        CheckConstraint("imposed_by IN ('regulator', 'council', 'voluntary')", name="imposed_by"),
        partial_index("ix_embargoes_open_ends_on", "ends_on", where=_OPEN),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    client_group: Mapped[str | None] = mapped_column(String(30))
    imposed_by: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    imposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    """The account that imposed it; null for the council embargo a quality escalation imposed."""
    escalation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    lift_suggested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Capacity(Base):
    __tablename__ = "capacity"

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)
    weekly_hours: Mapped[Decimal] = mapped_column(HOURS)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
