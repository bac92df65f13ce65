"""The quality service: `uvicorn services.quality.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.quality.models import INFRA
from services.quality.settings import QualitySettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: QualitySettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="quality",
        title="Quality: concerns, monitoring, risk matrix, action plans",
        settings=settings or QualitySettings(),
        infra=INFRA,
    )


def create_app(settings: QualitySettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
