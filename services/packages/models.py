"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.packages.database import AUDIT_TABLE, EVENT_TABLES, Base

__all__ = ["AUDIT_TABLE", "EVENT_TABLES", "Base"]
