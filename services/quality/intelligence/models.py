"""Concerns, contract monitoring visits and service-user feedback, as officers record them."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.database import Base
from shared.db import UtcDateTime


class Concern(Base):
    __tablename__ = "concerns"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    package_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class MonitoringVisit(Base):
    __tablename__ = "monitoring_visits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    package_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_on: Mapped[date] = mapped_column(Date)
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    comments: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
