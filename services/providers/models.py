"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.providers.areas.models import Area
from services.providers.cqcsync.models import SyncState
from services.providers.database import INFRA, Base
from services.providers.registry.models import Capacity, Contract, Embargo, Provider, Rating

__all__ = ["INFRA", "Area", "Base", "Capacity", "Contract", "Embargo", "Provider", "Rating", "SyncState"]
