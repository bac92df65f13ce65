"""Every table of the gateway, imported here so Alembic sees the whole metadata."""

from services.gateway.auth.models import Client, User
from services.gateway.database import AUDIT_TABLE, EVENT_TABLES, Base

__all__ = ["AUDIT_TABLE", "EVENT_TABLES", "Base", "Client", "User"]
