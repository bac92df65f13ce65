"""Referrals, the history of every cascade decision on them, and placements (hours placed)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from shared.db import UtcDateTime


class Referral(Base):
    """A request to source care. `round` grows with every fresh run of the cascade (a retry), and a
    provider is offered a referral at most once per round. `external_ref` is the council's own key of
    a placement brought in by the placements import (none otherwise): unique, so importing it again
    finds this referral and never makes a second one."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("status IN ('sourcing', 'placed', 'unsourced', 'cancelled')", name="status"),
        Index("ix_referrals_status_created", "status", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    client_ref: Mapped[str] = mapped_column(String(50))
    area: Mapped[str] = mapped_column(String(20), index=True)
    client_group: Mapped[str] = mapped_column(String(40))
    needs: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(30))
    start_on: Mapped[date] = mapped_column(Date)
    visits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    short_visit_justification: Mapped[dict[str, bool] | None] = mapped_column(JSON, nullable=True)
    health_share_percent: Mapped[int] = mapped_column(Integer)
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=1)
    placed_with: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryEntry(Base):
    """One step of the cascade on a referral (API.md: considered, skipped, offered, answers, placed...)."""

    __tablename__ = "referral_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    event: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")


class Placement(Base):
    """Hours placed with a provider: made by brokerage at placement, kept right by package events.
    The unique referral id is the database's guarantee of one placement per referral."""

    __tablename__ = "placements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, nullable=True)
    package_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, nullable=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    area: Mapped[str] = mapped_column(String(20))
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[str] = mapped_column(String(20), default="active")
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
