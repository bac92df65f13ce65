"""Evidence items, each provider's current assessment, escalations and the fortnightly reviews."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, Numeric, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.database import Base
from shared.db import UtcDateTime


class Evidence(Base):
    """One scored item; `source_type`/`source_id` name what it came from (a concern, a visit report...)."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("source_type", "source_id", "kind", name="uq_evidence_source"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    occurred_on: Mapped[date] = mapped_column(Date)
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProviderRisk(Base):
    """The current row of the risk matrix; `open_escalation_id` is set while an escalation is not cleared."""

    __tablename__ = "provider_risk"

    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    rag: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    open_escalation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RiskChange(Base):
    """A provider's score and RAG from the moment they changed to the next change: its risk over time (the
    chart on its page), kept whatever the matrix says now."""

    __tablename__ = "risk_history"
    __table_args__ = (Index("ix_risk_history_provider", "provider_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    rag: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class RiskReview(Base):
    """The fortnightly review (Rutland): who held it, when, and the decision on each provider."""

    __tablename__ = "risk_reviews"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    held_on: Mapped[date] = mapped_column(Date)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    cleared: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
