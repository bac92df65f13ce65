"""RabbitMQ going away: writes still commit and their events arrive once it is back; a lost ack is
harmless. The broker stopped is the tests' own node (tests/nodes.py), never the shared one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.models import INFRA
from shared.db import Database
from shared.events.consumer import Consumer, EventHandlers
from shared.events.envelope import EventEnvelope
from shared.events.outbox import OutboxRelay, record_event
from shared.events.rabbitmq import RabbitTransport
from shared.events.transport import Delivery
from tests.harness import Backend, eventually
from tests.nodes import PrivateRabbit
from tests.shared.test_events import Pinged

pytestmark = pytest.mark.faults


async def test_with_the_broker_stopped_writes_commit_and_are_delivered_once_it_is_back(
    fault_backend: Backend, rabbit_node: PrivateRabbit,
) -> None:
    assert fault_backend.broker_url
    database = Database(fault_backend.database_url_of("quality"), schema="quality",
                        session_info=INFRA.session_info("quality"))
    transport = RabbitTransport(fault_backend.broker_url, exchange=f"test.{uuid.uuid4().hex[:8]}",
                                retry=fault_backend.retry)
    received: list[str] = []

    async def collect(delivery: object) -> None:
        received.append(getattr(delivery, "message_id", ""))

    await transport.start()
    await transport.wait_connected(30)
    await transport.subscribe(queue=f"outage-{uuid.uuid4().hex[:6]}", routing_keys=[Pinged.event_type],
                              handler=collect)
    relay = OutboxRelay(database=database, tables=INFRA.events, transport=transport, poll_seconds=0.05,
                        max_backoff_seconds=0.5)
    relay.start()
    try:
        rabbit_node.stop_app()
        try:
            async with database.sessionmaker() as session:
                ids = [str((await record_event(session, Pinged(number=n))).id) for n in range(10)]
                await session.commit()
            relay.wake()
            assert await relay.pending() == 10
            assert not await transport.is_ready()
        finally:
            rabbit_node.start_app()
        await eventually(lambda: sorted(set(received)) == sorted(ids), timeout=90)
        assert await relay.pending() == 0
    finally:
        await relay.stop()
        await transport.close()
        await database.dispose()


async def test_an_ack_lost_to_a_broker_restart_is_handled_and_the_redelivery_applied_once(
    fault_backend: Backend, rabbit_node: PrivateRabbit,
) -> None:
    """The handler commits, then the broker restarts before the ack: the ack fails quietly, the message
    comes back, and the inbox makes the second delivery a no-op."""
    assert fault_backend.broker_url
    database = Database(fault_backend.database_url_of("quality"), schema="quality",
                        session_info=INFRA.session_info("quality"))
    transport = RabbitTransport(fault_backend.broker_url, exchange=f"test.{uuid.uuid4().hex[:8]}",
                                retry=fault_backend.retry)
    deliveries: list[int] = []
    applied: list[int] = []
    handlers = EventHandlers()

    @handlers.on(Pinged.event_type)
    async def apply(session: AsyncSession, envelope: EventEnvelope) -> None:
        applied.append(envelope.payload_as(Pinged).number)

    consumer = Consumer(database=database, tables=INFRA.events, handlers=handlers)

    handled, restarted = asyncio.Event(), asyncio.Event()

    async def handle_then_lose_the_ack(delivery: Delivery) -> None:
        deliveries.append(delivery.attempt)
        await consumer.handle(delivery)
        if len(deliveries) == 1:
            handled.set()
            await restarted.wait()

    await transport.start()
    await transport.wait_connected(30)
    await transport.subscribe(queue=f"ack-{uuid.uuid4().hex[:6]}", routing_keys=[Pinged.event_type],
                              handler=handle_then_lose_the_ack)
    try:
        envelope = EventEnvelope.wrap(Pinged(number=1), source="test")
        await transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                                message_id=str(envelope.id))
        await asyncio.wait_for(handled.wait(), 30)
        try:
            await asyncio.to_thread(rabbit_node.stop_app)
        finally:
            await asyncio.to_thread(rabbit_node.start_app)
        restarted.set()
        await eventually(lambda: len(deliveries) >= 2, timeout=90)
        later = EventEnvelope.wrap(Pinged(number=2), source="test")
        await eventually(transport.is_ready, timeout=60)
        await transport.publish(routing_key=later.type, body=later.model_dump_json().encode(),
                                message_id=str(later.id))
        await eventually(lambda: applied == [1, 2], timeout=30)
    finally:
        await transport.close()
        await database.dispose()
