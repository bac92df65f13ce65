from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String, func
from sqlalchemy.orm import Mapped, mapped_column

from services.providers.database import Base
from shared.db import UtcDateTime


class Area(Base):
    """A contract area (a town, villages, part of a city): the unit contracts, capacity and rates refer to."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("framework_offer_mode IN ('ranked', 'broadcast')", name="framework_offer_mode"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rural: Mapped[bool] = mapped_column(Boolean, default=False)
    framework_offer_mode: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
