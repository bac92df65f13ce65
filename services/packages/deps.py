"""What the packages routes need: the service's settings and the callers each route lets in."""

from typing import Annotated

from fastapi import Depends, Request

from services.packages.settings import PackagesSettings
from shared.auth import STAFF_ROLES, Principal, Role, require_roles


def _settings(request: Request) -> PackagesSettings:
    settings: PackagesSettings = request.app.state.spec.settings
    return settings


SettingsDep = Annotated[PackagesSettings, Depends(_settings)]
Commissioner = Annotated[Principal, Depends(require_roles(Role.COMMISSIONER))]
CareWriter = Annotated[Principal, Depends(require_roles(Role.BROKER, Role.COMMISSIONER))]
InvoiceRunner = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.COMMISSIONER))]
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE))]
InvoiceReader = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.COMMISSIONER, Role.PROVIDER))]
PackageReader = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, Role.PROVIDER))]
ProviderClient = Annotated[Principal, Depends(require_roles(Role.PROVIDER))]
AssessmentReader = Annotated[Principal, Depends(require_roles(Role.BROKER, Role.COMMISSIONER, Role.FINANCE))]
