"""The local read model of the provider registry, fed by its events; decisions never call it."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.brokerage.database import Base
from shared.db import UtcDateTime


class KnownArea(Base):
    __tablename__ = "known_areas"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    framework_offer_mode: Mapped[str] = mapped_column(String(20))


class KnownProvider(Base):
    """The provider's whole published state (`ProviderState`), replaced only by a newer version.
    `capacity_since` keeps, per area, when the declared capacity last changed, so placements made
    since then use it up."""

    __tablename__ = "known_providers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    capacity_since: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProviderArea(Base):
    """Index of the areas a provider holds a contract in: a decision loads one area, not the market.
    `capacity_since` is `KnownProvider.capacity_since` for this area (None while no capacity is declared
    there), kept beside it so the database can join each provider's placements to it."""

    __tablename__ = "provider_areas"

    area: Mapped[str] = mapped_column(String(20), primary_key=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    capacity_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
