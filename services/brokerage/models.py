"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.brokerage.database import INFRA, Base

__all__ = ["INFRA", "Base"]
