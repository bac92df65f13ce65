"""The brokerage service: `uvicorn services.brokerage.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.brokerage.consumers import build_handlers
from services.brokerage.imports.router import router as imports_router
from services.brokerage.models import INFRA
from services.brokerage.offers.router import router as offers_router
from services.brokerage.people.service import person_record
from services.brokerage.referrals.router import router as referrals_router
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.router import router as webhooks_router
from services.brokerage.workers import background_work
from shared.app import ServiceSpec, create_service_app
from shared.clock import Clock, default_clock
from shared.events.transport import Transport
from shared.personal import people_router

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: BrokerageSettings | None = None, *, clock: Clock | None = None) -> ServiceSpec:
    settings, clock = settings or BrokerageSettings(), clock or default_clock()
    return ServiceSpec(
        name="brokerage",
        title="Brokerage: referrals, the cascade, offers",
        settings=settings,
        infra=INFRA,
        routers=[imports_router, referrals_router, offers_router, webhooks_router, people_router(person_record)],
        handlers=build_handlers(settings, clock),
        extra_lifespan=background_work(settings),
        clock=clock,
    )


def create_app(
    settings: BrokerageSettings | None = None, *, transport: Transport | None = None, clock: Clock | None = None
) -> FastAPI:
    return create_service_app(build_spec(settings, clock=clock), transport=transport)
