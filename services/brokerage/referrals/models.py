"""Referrals, the history of every cascade decision on them, and placements (hours placed)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from services.brokerage.referrals.domain import HISTORY_REASONS, HistoryEvent
from shared.contracts.brokerage import ReferralStatus
from shared.contracts.common import ClientGroup, Tier, Urgency
from shared.contracts.packages import PackageStatus
from shared.db import EnumText, UtcDateTime, one_of


class Referral(Base):
    """A request to source care. `round` grows with every fresh run of the cascade (a retry), and a
    provider is offered a referral at most once per round. `external_ref` is the council's own key of
    a placement brought in by the placements import (none otherwise): unique, so importing it again
    finds this referral and never makes a second one. `created_by`: the subject of the broker who made
    it (their notifications); none for a placement brought in or a referral made before it was kept."""

    __tablename__ = "referrals"
    __table_args__ = (
        one_of("status", ReferralStatus),
        one_of("urgency", Urgency),
        one_of("client_group", ClientGroup),
        Index("ix_referrals_status_created", "status", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    client_ref: Mapped[str] = mapped_column(String(50))
    area: Mapped[str] = mapped_column(String(20), index=True)
    client_group: Mapped[ClientGroup] = mapped_column(EnumText(ClientGroup, 40))
    needs: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[Urgency] = mapped_column(EnumText(Urgency, 30))
    start_on: Mapped[date] = mapped_column(Date)
    visits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    short_visit_justification: Mapped[dict[str, bool] | None] = mapped_column(JSON, nullable=True)
    health_share_percent: Mapped[int] = mapped_column(Integer)
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[ReferralStatus] = mapped_column(EnumText(ReferralStatus, 20))
    round: Mapped[int] = mapped_column(Integer, default=1)
    placed_with: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryEntry(Base):
    """One step of the cascade on a referral (API.md: considered, skipped, offered, answers, placed...)."""

    __tablename__ = "referral_history"
    __table_args__ = (one_of("event", HistoryEvent), one_of("tier", Tier, nullable=True),
                      one_of("reason", HISTORY_REASONS, nullable=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    event: Mapped[HistoryEvent] = mapped_column(EnumText(HistoryEvent, 20))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    tier: Mapped[Tier | None] = mapped_column(EnumText(Tier, 20), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Placement(Base):
    """Hours placed with a provider: made by brokerage at placement, kept right by package events in the
    order they happened (its status is the package's).
    The unique referral id is the database's guarantee of one placement per referral."""

    __tablename__ = "placements"
    __table_args__ = (one_of("status", PackageStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, nullable=True)
    package_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True, nullable=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    area: Mapped[str] = mapped_column(String(20))
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[PackageStatus] = mapped_column(EnumText(PackageStatus, 20), default=PackageStatus.ACTIVE)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    package_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
