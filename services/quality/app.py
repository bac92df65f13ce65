"""The quality service: `uvicorn services.quality.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.quality.consumers import build_handlers
from services.quality.dashboard.router import router as dashboard_router
from services.quality.intelligence.router import router as intelligence_router
from services.quality.models import INFRA
from services.quality.plans.router import router as plans_router
from services.quality.risk.router import router as risk_router
from services.quality.settings import QualitySettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: QualitySettings | None = None) -> ServiceSpec:
    settings = settings or QualitySettings()
    return ServiceSpec(
        name="quality",
        title="Quality: concerns, monitoring, risk matrix, action plans",
        settings=settings,
        infra=INFRA,
        routers=[intelligence_router, risk_router, plans_router, dashboard_router],
        handlers=build_handlers(settings),
    )


def create_app(settings: QualitySettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
