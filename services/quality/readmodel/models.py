"""The providers as quality knows them, kept from the registry's events (each carries the whole state)."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.quality.database import Base
from shared.db import UtcDateTime


class KnownProvider(Base):
    """`capacity`: the hours a week the provider declares free, by area code (hours as decimal strings)."""

    __tablename__ = "known_providers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    rating_regulator: Mapped[str | None] = mapped_column(String(40))
    rating_overall: Mapped[str | None] = mapped_column(String(40))
    rating_rank: Mapped[int | None] = mapped_column(Integer)
    rating_inadequate: Mapped[bool] = mapped_column(Boolean, default=False)
    rating_published_on: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
