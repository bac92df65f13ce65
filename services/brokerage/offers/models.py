import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from shared.db import UtcDateTime


class Offer(Base):
    """An offer of a referral to one provider, open until its deadline."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')", name="status"),
        UniqueConstraint("referral_id", "provider_id", "round", name="uq_offers_referral_provider_round"),
        Index("ix_offers_open_deadline", "status", "deadline"),
        Index("ix_offers_provider_created", "provider_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tier: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    decline_detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    proposed_start_on: Mapped[date | None] = mapped_column(Date, nullable=True)
