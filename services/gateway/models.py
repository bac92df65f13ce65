"""Every table of the gateway, imported here so Alembic sees the whole metadata."""

from services.gateway.auth.models import Client, User
from services.gateway.database import INFRA, Base

__all__ = ["INFRA", "Base", "Client", "User"]
