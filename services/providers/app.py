"""The providers service: `uvicorn services.providers.app:create_app --factory`."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.providers.areas.router import router as areas_router
from services.providers.consumers import build_handlers
from services.providers.cqcsync.service import cqc_syncer
from services.providers.imports.router import router as imports_router
from services.providers.models import INFRA
from services.providers.registry.router import router as registry_router
from services.providers.registry.sweeper import embargo_sweeper
from services.providers.settings import ProvidersSettings
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, default_clock
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _lifespan(settings: ProvidersSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        wake = app.state.events.wake_relay
        async with (embargo_sweeper(app.state.db, interval=settings.embargo_sweep_seconds, clock=app.state.clock,
                                    on_ended=wake),
                    cqc_syncer(app.state.db, settings, clock=app.state.clock, on_batch=lambda _rows: wake())):
            yield

    return lifespan


def build_spec(settings: ProvidersSettings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    settings, clock = settings or ProvidersSettings(), clock or default_clock()
    return ServiceSpec(
        name="providers",
        title="Provider registry: areas, providers, contracts, ratings, embargoes, capacity",
        settings=settings,
        infra=INFRA,
        routers=[areas_router, imports_router, registry_router],
        handlers=build_handlers(clock),
        extra_lifespan=_lifespan(settings),
        clock=clock,
    )


def create_app(
    settings: ProvidersSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    return create_service_app(build_spec(settings, clock=clock), transport=transport)
