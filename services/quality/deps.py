"""What the routes need: who may write, and the service's settings."""

from typing import Annotated

from fastapi import Depends, Request

from services.quality.settings import QualitySettings
from shared.auth import Principal, Role, require_roles

QualityOfficer = Annotated[Principal, Depends(require_roles(Role.QUALITY_OFFICER))]
"""API.md: `quality_officer` writes; every staff role reads."""


def _settings(request: Request) -> QualitySettings:
    settings: QualitySettings = request.app.state.spec.settings
    return settings


SettingsDep = Annotated[QualitySettings, Depends(_settings)]
