import uuid
from datetime import datetime

from sqlalchemy import JSON, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from services.gateway.database import Base
from shared.db import UtcDateTime


class User(Base):
    """A member of council staff who signs in with a password."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())


class Client(Base):
    """A machine client (a provider's software, a finance system) using client credentials."""

    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
