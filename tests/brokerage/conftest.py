"""Fixtures for brokerage: the registry's events fed to brokerage's own consumer (as the providers
service publishes them), and helpers to refer, answer and read through the gateway."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.brokerage.consumers import build_handlers
from services.brokerage.models import INFRA
from services.brokerage.settings import BrokerageSettings
from shared.clock import SystemClock
from shared.contracts.common import (
    ClientGroup,
    EmbargoScope,
    FrameworkOfferMode,
    ImposedBy,
    ProviderStatus,
    Regulator,
    Skill,
    Tier,
)
from shared.contracts.providers import (
    AreaCreated,
    AreaState,
    CapacityChanged,
    CapacityState,
    ContractState,
    EmbargoState,
    ProviderRegistered,
    ProviderState,
    RatingState,
)
from shared.db import Database
from shared.events.consumer import Consumer
from shared.events.envelope import Event, EventEnvelope
from shared.events.transport import Delivery
from tests.harness import Backend, Suite, running_suite

RATINGS = {"outstanding": 4, "good": 3, "requires_improvement": 2, "inadequate": 1}
TODAY = datetime.now(UTC).date()


def brokerage_database(backend: Backend) -> Database:
    return Database(backend.database_url_of("brokerage"), schema="brokerage",
                    session_info=INFRA.session_info("brokerage"))


@dataclass
class Market:
    """Plays the provider registry: publishes its events straight to brokerage's consumer."""

    database: Database
    consumer: Consumer
    states: dict[uuid.UUID, ProviderState] = field(default_factory=dict)

    async def publish(self, event: Event, *, at: datetime | None = None) -> None:
        envelope = EventEnvelope.wrap(event, source="providers")
        if at is not None:
            envelope = envelope.model_copy(update={"occurred_at": at})
        await self.consumer.handle(Delivery(message_id=str(envelope.id), routing_key=envelope.type,
                                            body=envelope.model_dump_json().encode()))

    async def area(self, code: str = "OAK", mode: FrameworkOfferMode = FrameworkOfferMode.RANKED) -> str:
        await self.publish(AreaCreated(area=AreaState(code=code, name=code.title(), rural=False,
                                                      framework_offer_mode=mode)))
        return code

    async def provider(
        self, tier: Tier, *, area: str = "OAK", cap: str | None = None, block_hours: str | None = None,
        capacity: str | None = "100.00", rating: str | None = "good", skills: tuple[Skill, ...] = tuple(Skill),
        embargo: EmbargoScope | None = None, registered_days_ago: int = 400,
    ) -> str:
        provider_id = uuid.uuid4()
        state = ProviderState(
            id=provider_id, name=f"{tier} provider", status=ProviderStatus.ACTIVE, skills=list(skills),
            client_groups=[ClientGroup.OLDER_PEOPLE],
            contracts=[ContractState(area=area, tier=tier, starts_on=date(2026, 1, 1),
                                     weekly_hours_cap=None if cap is None else Decimal(cap),
                                     block_hours=None if block_hours is None else Decimal(block_hours))],
            embargoes=[] if embargo is None else [EmbargoState(
                id=uuid.uuid4(), scope=embargo, area=area if embargo is EmbargoScope.AREA else None,
                imposed_by=ImposedBy.COUNCIL, starts_on=TODAY - timedelta(days=1), reason="red risk")],
            rating=None if rating is None else RatingState(
                regulator=Regulator.CQC, overall=rating, published_on=date(2026, 3, 1),
                quality_rank=RATINGS[rating], inadequate=rating == "inadequate"),
            capacity=[] if capacity is None else [CapacityState(area=area, weekly_hours=Decimal(capacity))],
            registered_at=datetime.now(UTC) - timedelta(days=registered_days_ago),
            version=1,
        )
        self.states[provider_id] = state
        await self.publish(ProviderRegistered(provider=state))
        return str(provider_id)

    async def declare_capacity(self, provider_id: str, hours: str, *, area: str = "OAK",
                               at: datetime | None = None) -> None:
        state = self.states[uuid.UUID(provider_id)]
        state = state.model_copy(update={"version": state.version + 1,
                                         "capacity": [CapacityState(area=area, weekly_hours=Decimal(hours))]})
        self.states[state.id] = state
        await self.publish(CapacityChanged(provider=state), at=at)


@pytest.fixture
async def suite(backend: Backend) -> AsyncIterator[Suite]:
    """The suite with brokerage's workers slowed down, so tests run their passes themselves."""
    async with running_suite(backend, BROKERAGE_WEBHOOK_INTERVAL_SECONDS="3600",
                             BROKERAGE_EXPIRY_INTERVAL_SECONDS="3600",
                             BROKERAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true") as running:
        yield running


def market_of(database: Database) -> Market:
    return Market(database=database, consumer=Consumer(database=database, tables=INFRA.events,
                                                       handlers=build_handlers(BrokerageSettings(), SystemClock())))


@pytest.fixture
async def market(suite: Suite) -> AsyncIterator[Market]:
    played = market_of(brokerage_database(suite.backend))
    yield played
    await played.database.dispose()


def referral_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_ref": "C-123", "area": "OAK", "client_group": "older_people", "needs": ["dementia"],
        "urgency": "routine", "start_on": (TODAY + timedelta(days=7)).isoformat(),
        "visits": [{"day": day, "start": "08:00", "minutes": 90, "carers": 1}
                   for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")],
        "short_visit_justification": None, "funding": {"health_share_percent": 0},
    }
    body.update(changes)
    return body

