"""The packages service: `uvicorn services.packages.app:create_app --factory`."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.packages.care.router import router as packages_router
from services.packages.consumers import build_handlers
from services.packages.costing.router import router as costing_router
from services.packages.invoices.router import router as invoices_router
from services.packages.models import INFRA
from services.packages.people.router import router as people_router
from services.packages.people.service import erase_past_retention
from services.packages.reconciliation.router import router as reconciliation_router
from services.packages.settings import PackagesSettings
from services.packages.visits.router import router as visits_router
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, default_clock
from shared.events.transport import Transport
from shared.periodic import PeriodicJob, running

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _retention(settings: PackagesSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The retention job, run on the service's clock (a sandbox's moves it on)."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clock: Clock = app.state.clock

        async def erase() -> None:
            if await erase_past_retention(app.state.db, years=settings.retention_years, today=clock.today()):
                app.state.events.wake_relay()

        async with running(PeriodicJob("retention", settings.retention_check_seconds, erase)):
            yield

    return lifespan


def build_spec(settings: PackagesSettings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    settings = settings or PackagesSettings()
    return ServiceSpec(
        name="packages",
        title="Packages: cost of care, contributions, visits, invoices",
        settings=settings,
        infra=INFRA,
        routers=[costing_router, packages_router, visits_router, invoices_router, reconciliation_router,
                 people_router],
        handlers=build_handlers(settings),
        extra_lifespan=_retention(settings),
        clock=clock or default_clock(),
    )


def create_app(
    settings: PackagesSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    return create_service_app(build_spec(settings, clock=clock), transport=transport)
