"""The packages service: `uvicorn services.packages.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.packages.models import INFRA
from services.packages.settings import PackagesSettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: PackagesSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="packages",
        title="Packages: cost of care, contributions, visits, invoices",
        settings=settings or PackagesSettings(),
        infra=INFRA,
    )


def create_app(settings: PackagesSettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
