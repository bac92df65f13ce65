"""Helpers for the packages tests: events fed as brokerage and providers would publish them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.contracts.brokerage import Funding, ReferralFacts, ReferralPlaced, ScheduledVisit
from shared.contracts.common import ClientGroup, ProviderStatus, Tier, Urgency
from shared.contracts.providers import ContractsChanged, ContractState, ProviderState
from shared.events.envelope import Event, EventEnvelope
from shared.events.rabbitmq import RabbitTransport
from tests.harness import Suite, eventually

SEED_CARD: dict[str, Any] = {
    "area": "OAK", "effective_from": "2026-01-01", "care_worker_hourly_pay": "12.60",
    "travel_minutes_per_visit": 0, "mileage_per_visit_miles": "0.00", "mileage_rate": "0.45",
    "on_cost_percent": "20.00", "training_supervision_percent": "5.00", "overhead_percent": "0.00",
    "surplus_percent": "0.00", "weekend_uplift_percent": "0.00", "client_hourly_charge_cap": "13.00",
    "client_weekly_charge_cap": "422.00",
}
"""Rutland's figures: the model gives 15.75/h (12.60 x 1.25), charge caps 13.00/h and 422.00/week."""

SMOKE_CARD: dict[str, Any] = {
    **SEED_CARD, "travel_minutes_per_visit": 10, "mileage_per_visit_miles": "2.0", "overhead_percent": "25.00",
    "surplus_percent": "3.00", "weekend_uplift_percent": "10.00", "night_uplift_percent": "20.00"}
"""The contract smoke test's card: contact hour 20.28 + per visit 4.54 = 24.82; weekend 22.31 + 4.99; night
24.34 + 5.45."""


def today() -> date:
    return datetime.now(UTC).date()


def weekly(minutes: int, *, days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
           carers: int = 1, start: str = "08:00") -> list[dict[str, Any]]:
    return [{"day": day, "start": start, "minutes": minutes, "carers": carers} for day in days]


async def publish(suite: Suite, event: Event) -> None:
    """Publishes as another service's relay would: the packages consumer picks it up. RabbitMQ connects
    in the background, so the queues are bound only once it is connected."""
    transport = suite.app.state.transport
    if isinstance(transport, RabbitTransport):
        await transport.wait_connected(30)
    envelope = EventEnvelope.wrap(event, source="tests")
    await transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                                            message_id=str(envelope.id))


def referral_placed(*, provider_id: uuid.UUID, visits: list[dict[str, Any]], start_on: date,
                    area: str = "OAK", health_share_percent: int = 0, client_ref: str = "C-1",
                    referral_id: uuid.UUID | None = None, tier: Tier | None = Tier.PRIMARY) -> ReferralPlaced:
    schedule = [ScheduledVisit.model_validate(visit) for visit in visits]
    facts = ReferralFacts(
        referral_id=referral_id or uuid.uuid4(), client_ref=client_ref, area=area,
        client_group=ClientGroup.OLDER_PEOPLE, needs=[], urgency=Urgency.ROUTINE, start_on=start_on,
        visits=schedule, weekly_hours=sum((v.minutes * v.carers for v in schedule), 0) / 60,
        funding=Funding(health_share_percent=health_share_percent), created_at=datetime.now(UTC))
    return ReferralPlaced(referral=facts, provider_id=provider_id, tier=tier, awarded=False, start_on=start_on,
                          placed_at=datetime.now(UTC))


async def staff(suite: Suite, role: str) -> dict[str, str]:
    return await suite.staff(role)


async def place(suite: Suite, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Places a referral (the event) and waits for its package to appear; returns the package."""
    event = referral_placed(**kwargs)
    await publish(suite, event)

    async def created() -> dict[str, Any] | None:
        answer = await suite.http.get("/api/v1/packages", params={"limit": 500}, headers=headers)
        return next((p for p in answer.json()["items"] if p["referral_id"] == str(event.referral.referral_id)),
                    None)

    package: dict[str, Any] = await eventually(created)
    return package


def provider_state(provider_id: uuid.UUID, contracts: list[ContractState], *, version: int) -> ProviderState:
    return ProviderState(
        id=provider_id, name="Acme Care", status=ProviderStatus.ACTIVE, skills=[], client_groups=[],
        contracts=contracts, embargoes=[], rating=None, capacity=[], registered_at=datetime.now(UTC),
        version=version)


def contracts_changed(provider_id: uuid.UUID, contracts: list[ContractState], *, version: int) -> ContractsChanged:
    return ContractsChanged(provider=provider_state(provider_id, contracts, version=version))


def past_monday(weeks_ago: int) -> date:
    """A Monday `weeks_ago` weeks before this week's."""
    now = today()
    return now - timedelta(days=now.weekday() + 7 * weeks_ago)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
START = past_monday(6)
PERIOD = {"period_start": str(START), "period_end": str(START + timedelta(days=27))}
"""A past four-week period, Monday to Sunday."""


def visit(package_id: str, offset: int, visit_id: str, **changes: Any) -> dict[str, Any]:
    return {"visit_id": visit_id, "package_id": package_id, "date": str(START + timedelta(days=offset)),
            "planned_start": "08:00", "actual_start": "08:05", "planned_minutes": 60, "actual_minutes": 55,
            "carers": 1, "outcome": "delivered", **changes}


async def seed_council(suite: Suite) -> dict[str, Any]:
    """Care for two providers over a past four-week period: planned, delivered, suspended, block."""
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    planned_provider, block_provider = uuid.uuid4(), uuid.uuid4()
    block = ContractState(area="OAK", tier=Tier.BLOCK, block_hours="10.00", starts_on="2026-01-01")
    await publish(suite, contracts_changed(block_provider, [block], version=1))
    planned = await place(suite, broker, provider_id=planned_provider, visits=weekly(60, days=WEEKDAYS),
                          start_on=START)
    delivered = await place(suite, broker, provider_id=planned_provider, visits=weekly(60), start_on=START,
                            health_share_percent=50, client_ref="C-2")
    url = f"/api/v1/packages/{planned['id']}"
    await suite.http.post(f"{url}/suspend", headers=broker, json={"starts_on": str(START + timedelta(days=7))})
    await suite.http.post(f"{url}/resume", headers=broker, json={"on": str(START + timedelta(days=14))})
    provider = await suite.provider(str(planned_provider))
    report = await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(delivered["id"], 0, "V-1"), visit(delivered["id"], 1, "V-2"),
        visit(delivered["id"], 2, "V-3", outcome="missed", actual_start=None, actual_minutes=None)]})
    assert report.json()["recorded"] == 3
    return {"planned": planned, "delivered": delivered, "planned_provider": planned_provider,
            "block_provider": block_provider, "provider_headers": provider}


