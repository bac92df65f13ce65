"""The packages service: `uvicorn services.packages.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.packages.care.router import router as packages_router
from services.packages.consumers import build_handlers
from services.packages.costing.router import router as costing_router
from services.packages.invoices.router import router as invoices_router
from services.packages.models import INFRA
from services.packages.reconciliation.router import router as reconciliation_router
from services.packages.settings import PackagesSettings
from services.packages.visits.router import router as visits_router
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, default_clock
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: PackagesSettings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    settings = settings or PackagesSettings()
    return ServiceSpec(
        name="packages",
        title="Packages: cost of care, contributions, visits, invoices",
        settings=settings,
        infra=INFRA,
        routers=[costing_router, packages_router, visits_router, invoices_router, reconciliation_router],
        handlers=build_handlers(settings),
        clock=clock or default_clock(),
    )


def create_app(
    settings: PackagesSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    return create_service_app(build_spec(settings, clock=clock), transport=transport)
