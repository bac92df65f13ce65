import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from shared.contracts.brokerage import OfferStatus
from shared.contracts.common import DeclineReason, Tier
from shared.db import EnumText, UtcDateTime, one_of


class Offer(Base):
    """An offer of a referral to one provider, open until its deadline."""

    __tablename__ = "offers"
    __table_args__ = (
        one_of("status", OfferStatus),
        one_of("tier", Tier),
        one_of("decline_reason", DeclineReason, nullable=True),
        UniqueConstraint("referral_id", "provider_id", "round", name="uq_offers_referral_provider_round"),
        Index("ix_offers_open_deadline", "status", "deadline"),
        Index("ix_offers_provider_created", "provider_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tier: Mapped[Tier] = mapped_column(EnumText(Tier, 20))
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[OfferStatus] = mapped_column(EnumText(OfferStatus, 20), default=OfferStatus.OPEN)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(EnumText(DeclineReason, 30), nullable=True)
    decline_detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    proposed_start_on: Mapped[date | None] = mapped_column(Date, nullable=True)
