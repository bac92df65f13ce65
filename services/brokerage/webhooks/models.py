import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from services.brokerage.webhooks.domain import DeliveryStatus
from shared.db import EnumText, UtcDateTime, one_of


class Webhook(Base):
    """A provider's registered receiver. The secret is kept (not hashed): signing needs it."""

    __tablename__ = "webhooks"

    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """One notification to send, written in the transaction that made the offer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (one_of("status", DeliveryStatus), Index("ix_webhook_deliveries_due", "status", "next_attempt_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus, 20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
