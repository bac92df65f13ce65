"""The providers service: `uvicorn services.providers.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.providers.models import INFRA
from services.providers.settings import ProvidersSettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: ProvidersSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="providers",
        title="Provider registry: areas, providers, contracts, ratings, embargoes, capacity",
        settings=settings or ProvidersSettings(),
        infra=INFRA,
    )


def create_app(settings: ProvidersSettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
