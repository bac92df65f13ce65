from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.providers.database import Base
from shared.db import UtcDateTime


class SyncState(Base):
    """How far each feed has been synced (one row per feed: `cqc_locations`), and which replica's
    periodic job holds it until when."""

    __tablename__ = "sync_state"

    feed: Mapped[str] = mapped_column(String(50), primary_key=True)
    synced_to: Mapped[datetime | None] = mapped_column(UtcDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
