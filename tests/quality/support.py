"""Helpers of the quality tests: announce providers and other services' events on the suite's transport
(as the registry, brokerage and packages would), and read the risk matrix through the gateway."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.contracts.common import ProviderStatus, Regulator
from shared.contracts.providers import ProviderRegistered, ProviderState, RatingState
from shared.events.envelope import Event, EventEnvelope
from shared.events.rabbitmq import RabbitTransport
from tests.harness import Suite, eventually


async def publish(suite: Suite, event: Event, *, source: str) -> EventEnvelope:
    return await deliver(suite, EventEnvelope.wrap(event, source=source))


async def deliver(suite: Suite, envelope: EventEnvelope) -> EventEnvelope:
    """Sends an envelope as it is (again, for a redelivery). Waits for RabbitMQ's background connection
    first: its queues are bound once it is up."""
    transport = suite.app.state.transport
    if isinstance(transport, RabbitTransport):
        await transport.wait_connected(10)
    await transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                            message_id=str(envelope.id))
    return envelope


def cqc(overall: str, rank: int) -> RatingState:
    return RatingState(regulator=Regulator.CQC, overall=overall, published_on=date(2026, 3, 1), quality_rank=rank,
                       inadequate=rank == 1)


def provider_state(provider_id: uuid.UUID, *, rating: RatingState | None = None, version: int = 1,
                   name: str = "Oakham Home Care") -> ProviderState:
    return ProviderState(id=provider_id, name=name, status=ProviderStatus.ACTIVE, skills=[], client_groups=[],
                         contracts=[], embargoes=[], rating=rating, capacity=[],
                         registered_at=datetime(2026, 1, 1, tzinfo=UTC), version=version)


async def risk_row(suite: Suite, headers: dict[str, str], provider_id: uuid.UUID | str) -> dict[str, Any] | None:
    answer = await suite.http.get("/api/v1/risk-matrix", params={"limit": 500}, headers=headers)
    assert answer.status_code == 200, answer.text
    rows = [row for row in answer.json()["items"] if row["provider_id"] == str(provider_id)]
    return rows[0] if rows else None


async def known_provider(suite: Suite, headers: dict[str, str], *, rating: RatingState | None = None,
                         name: str = "Oakham Home Care") -> uuid.UUID:
    """A provider the registry announced, once quality has it in its read model (its first matrix row)."""
    provider_id = uuid.uuid4()
    await publish(suite, ProviderRegistered(provider=provider_state(provider_id, rating=rating, name=name)),
                  source="providers")
    await eventually(lambda: risk_row(suite, headers, provider_id))
    return provider_id


async def _quality_rows(suite: Suite, table: str, query: str, **params: Any) -> list[Any]:
    """Rows of one of quality's own tables (its schema on PostgreSQL, its file on SQLite)."""
    engine = create_async_engine(suite.backend.database_url_of("quality"))
    name = f"quality.{table}" if suite.backend.database_url else table
    try:
        async with engine.connect() as connection:
            return list(await connection.execute(text(query.format(table=name)), params))
    finally:
        await engine.dispose()


async def published(suite: Suite, event_type: str) -> list[dict[str, Any]]:
    """The payloads quality wrote to its outbox (in the same transaction as the change) of one type."""
    rows = await _quality_rows(suite, "event_outbox", "SELECT body FROM {table} WHERE event_type = :type ORDER BY id",
                               type=event_type)
    return [json.loads(body)["payload"] for (body,) in rows]


async def processed(suite: Suite, event_id: str) -> bool:
    """Whether quality's consumer has handled the event (its id is in the inbox)."""
    return bool(await _quality_rows(suite, "event_inbox", "SELECT event_id FROM {table} WHERE event_id = :id",
                                    id=event_id))


async def audited(suite: Suite) -> list[tuple[str, str]]:
    """(action, actor) of every audit entry quality wrote, oldest first."""
    rows = await _quality_rows(suite, "audit_log", "SELECT action, actor FROM {table} ORDER BY id")
    return [(action, actor) for action, actor in rows]
