"""The brokerage service: `uvicorn services.brokerage.app:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from services.brokerage.models import INFRA
from services.brokerage.settings import BrokerageSettings
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def build_spec(settings: BrokerageSettings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="brokerage",
        title="Brokerage: referrals, the cascade, offers",
        settings=settings or BrokerageSettings(),
        infra=INFRA,
    )


def create_app(settings: BrokerageSettings | None = None, *, transport: Transport | None = None) -> FastAPI:
    return create_service_app(build_spec(settings), transport=transport)
