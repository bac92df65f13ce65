"""The quality service: `uvicorn services.quality.app:create_app --factory`."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.quality.clock import utcnow
from services.quality.consumers import build_handlers
from services.quality.dashboard.router import router as dashboard_router
from services.quality.intelligence.router import router as intelligence_router
from services.quality.models import INFRA
from services.quality.plans.router import router as plans_router
from services.quality.risk.router import router as risk_router
from services.quality.risk.service import rescore_as_time_passes
from services.quality.settings import QualitySettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport
from shared.periodic import PeriodicJob, running

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _rescoring(settings: QualitySettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def rescore() -> None:
            await rescore_as_time_passes(app.state.db, settings=settings, now=utcnow())
            app.state.events.wake_relay()

        async with running(PeriodicJob("risk rescoring", settings.rescore_seconds, rescore)):
            yield

    return lifespan


def build_spec(settings: QualitySettings | None = None) -> ServiceSpec:
    settings = settings or QualitySettings()
    return ServiceSpec(
        name="quality",
        title="Quality: concerns, monitoring, risk matrix, action plans",
        settings=settings,
        infra=INFRA,
        routers=[intelligence_router, risk_router, plans_router, dashboard_router],
        handlers=build_handlers(settings),
        extra_lifespan=_rescoring(settings),
    )


def create_app(settings: QualitySettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
