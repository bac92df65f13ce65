"""The quality service: `uvicorn services.quality.app:create_app --factory`."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.quality.consumers import build_handlers
from services.quality.dashboard.router import router as dashboard_router
from services.quality.intelligence.router import router as intelligence_router
from services.quality.models import INFRA
from services.quality.people.service import person_record
from services.quality.plans.router import router as plans_router
from services.quality.risk.router import router as risk_router
from services.quality.risk.service import rescore_as_time_passes
from services.quality.settings import QualitySettings
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, default_clock
from shared.events.transport import Transport
from shared.periodic import PeriodicJob, running
from shared.personal import people_router

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _rescoring(settings: QualitySettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clock: Clock = app.state.clock

        async def rescore() -> None:
            await rescore_as_time_passes(app.state.db, settings=settings, now=clock.now())
            app.state.events.wake_relay()

        async with running(PeriodicJob("risk rescoring", settings.rescore_seconds, rescore)):
            yield

    return lifespan


def build_spec(settings: QualitySettings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    settings, clock = settings or QualitySettings(), clock or default_clock()
    return ServiceSpec(
        name="quality",
        title="Quality: concerns, monitoring, risk matrix, action plans",
        settings=settings,
        infra=INFRA,
        routers=[intelligence_router, risk_router, plans_router, dashboard_router, people_router(person_record)],
        handlers=build_handlers(settings, clock),
        extra_lifespan=_rescoring(settings),
        clock=clock,
    )


def create_app(
    settings: QualitySettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    return create_service_app(build_spec(settings, clock=clock), transport=transport)
