"""PostgreSQL going away under a running suite: requests through the gateway, and to a service itself,
answer 503 problem+json with Retry-After (never 500), and the suite recovers by itself once the
database is back, with nothing lost and nothing applied twice: an event that arrives while its
consumer's database is down waits for it instead of being dead-lettered. The cluster stopped is the
tests' own (tests/nodes.py), never the shared one."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.brokerage.models import INFRA as BROKERAGE_INFRA
from services.providers.models import INFRA as PROVIDERS_INFRA
from shared.contracts.providers import AreaCreated, AreaState
from shared.errors import PROBLEM_JSON
from shared.events.envelope import EventEnvelope
from tests.harness import Backend, Suite, eventually, running_suite
from tests.nodes import PrivateCluster

pytestmark = pytest.mark.faults
AREA_CREATED = AreaCreated.event_type


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["status"] == 503


async def count_events(suite: Suite, service: str, table_name: str) -> int:
    """How many area-created events `service` recorded in its outbox or inbox."""
    infra = PROVIDERS_INFRA if service == "providers" else BROKERAGE_INFRA
    table = getattr(infra.events, table_name)
    async with suite.database(service).sessionmaker() as session:
        counted = await session.scalar(select(func.count()).select_from(table).where(
            table.c.event_type == AREA_CREATED))
    return int(counted or 0)


async def test_with_the_database_down_requests_answer_503_and_the_suite_recovers_by_itself(
    fault_backend: Backend, postgres_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_suite(fault_backend) as suite:
        commissioner = await suite.staff("commissioner")
        area: dict[str, Any] = {"code": "BEF", "name": "Before"}
        assert (await suite.http.post("/api/v1/areas", headers=commissioner, json=area)).status_code == 201
        retried = {**commissioner, "Idempotency-Key": uuid.uuid4().hex}
        during = {"code": "DUR", "name": "During"}
        providers = httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app.state.service_apps["providers"]),
                                      base_url="http://providers")
        await asyncio.to_thread(postgres_cluster.stop)
        try:
            assert_unavailable(await suite.http.post("/api/v1/areas", headers=retried, json=during))
            assert_unavailable(await suite.http.get("/api/v1/areas", headers=commissioner))
            assert_unavailable(await suite.http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "admin", "password": "any"}))
            assert_unavailable(await providers.post("/api/v1/areas", headers=retried, json=during))
            assert_unavailable(await providers.get("/api/v1/areas", headers=commissioner))
            in_flight = await publish_area_created(suite, "OUT")
            await eventually(lambda: waits_counted(caplog, in_flight) > fault_backend.retry.max_attempts)
        finally:
            await providers.aclose()
            await asyncio.to_thread(postgres_cluster.start)

        async def created_once_back() -> bool:
            answer = await suite.http.post("/api/v1/areas", headers=retried, json=during)
            assert answer.status_code in {201, 503}, answer.text
            return answer.status_code == 201

        await eventually(created_once_back, timeout=30)
        replayed = await suite.http.post("/api/v1/areas", headers=retried, json=during)
        assert (replayed.status_code, replayed.headers.get("idempotent-replayed")) == (201, "true")
        listed = (await suite.http.get("/api/v1/areas", headers=commissioner)).json()["items"]
        assert sorted(each["code"] for each in listed) == ["BEF", "DUR"]
        assert await count_events(suite, "providers", "outbox") == 2
        await eventually(lambda: _received_all_three(suite), timeout=30)
        assert await suite.app.state.transport.dead_letters("brokerage.events") == []


async def publish_area_created(suite: Suite, code: str) -> str:
    """Sends brokerage an area-created event straight through the broker; returns its id."""
    area = AreaState(code=code, name=code, rural=False, framework_offer_mode="ranked")
    envelope = EventEnvelope.wrap(AreaCreated(area=area), source="providers")
    await suite.app.state.transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                                            message_id=str(envelope.id))
    return str(envelope.id)


def waits_counted(caplog: pytest.LogCaptureFixture, event_id: str) -> int:
    """How often the event's handler found the database away (more than the attempts a failure may spend)."""
    return sum(record.getMessage().startswith(f"database unavailable for {event_id}") for record in caplog.records)


async def _received_all_three(suite: Suite) -> bool:
    return await count_events(suite, "brokerage", "inbox") == 3
