"""Read models of the performance dashboard, fed by brokerage's and packages' events."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Integer, Numeric, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.database import Base
from shared.contracts.brokerage import ReferralStatus
from shared.contracts.common import DeclineReason, Urgency
from shared.db import EnumText, UtcDateTime, one_of


class ReferralFact(Base):
    """`imported`: a placement made before it was recorded in the suite (brokerage's placements import),
    never sourced here, so it has no time to source."""

    __tablename__ = "referral_facts"
    __table_args__ = (one_of("status", ReferralStatus), one_of("urgency", Urgency))

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    area: Mapped[str] = mapped_column(String(40), index=True)
    urgency: Mapped[Urgency] = mapped_column(EnumText(Urgency, 30))
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[ReferralStatus] = mapped_column(EnumText(ReferralStatus, 20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    placed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DeclineFact(Base):
    __tablename__ = "decline_facts"
    __table_args__ = (one_of("reason", DeclineReason),)

    offer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[DeclineReason] = mapped_column(EnumText(DeclineReason, 40), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class VisitTally(Base):
    """Visit reports counted per provider, each visit once (visits under 30 minutes: NICE NG21)."""

    __tablename__ = "visit_tallies"

    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    under_30: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)


class CountedVisit(Base):
    """The version of each visit the tally counts and what it added, so a correction takes that back."""

    __tablename__ = "counted_visits"

    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[bool] = mapped_column(Boolean)
    under_30: Mapped[bool] = mapped_column(Boolean)
    missed: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
