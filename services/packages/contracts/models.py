"""The registry's contracts as packages needs them (agreed rates, block hours): a read model fed by
the providers' events, replaced only by a newer `version`."""

import uuid
from typing import Any

from sqlalchemy import JSON, Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base


class ProviderContracts(Base):
    __tablename__ = "provider_contracts"

    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    contracts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
