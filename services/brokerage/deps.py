"""What the routes of brokerage need, as `Annotated` aliases."""

from typing import Annotated

from fastapi import Depends, Request

from services.brokerage.settings import BrokerageSettings
from shared.auth import STAFF_ROLES, Principal, Role, require_roles


def _settings(request: Request) -> BrokerageSettings:
    settings: BrokerageSettings = request.app.state.spec.settings
    return settings


SettingsDep = Annotated[BrokerageSettings, Depends(_settings)]
BrokerPrincipal = Annotated[Principal, Depends(require_roles(Role.BROKER))]
StaffOrProvider = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, Role.PROVIDER))]
OfferAnswerer = Annotated[Principal, Depends(require_roles(Role.PROVIDER, Role.BROKER))]
ProviderPrincipal = Annotated[Principal, Depends(require_roles(Role.PROVIDER))]
PlacementImporter = Annotated[Principal, Depends(require_roles(Role.BROKER, Role.COMMISSIONER))]
"""Placements already made are brought in by brokers (an out-of-hours placement) or commissioners (go-live)."""
