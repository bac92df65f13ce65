"""RabbitMQ going away: writes still commit, and their events arrive once it is back."""

from __future__ import annotations

import uuid

import pytest

from services.quality.models import INFRA
from shared.db import Database
from shared.events.outbox import OutboxRelay, record_event
from shared.events.rabbitmq import RabbitTransport
from tests import infra
from tests.harness import Backend, eventually
from tests.shared.test_events import Pinged

pytestmark = pytest.mark.faults


async def test_with_the_broker_stopped_writes_commit_and_are_delivered_once_it_is_back(
    pg_backend: Backend,
) -> None:
    assert pg_backend.broker_url
    database = Database(pg_backend.database_url_of("quality"), schema="quality",
                        session_info=INFRA.session_info("quality"))
    transport = RabbitTransport(pg_backend.broker_url, exchange=f"test.{uuid.uuid4().hex[:8]}",
                                retry=pg_backend.retry)
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
        infra.stop_broker()
        try:
            async with database.sessionmaker() as session:
                ids = [str((await record_event(session, Pinged(number=n))).id) for n in range(10)]
                await session.commit()
            relay.wake()
            assert await relay.pending() == 10
            assert not await transport.is_ready()
        finally:
            infra.start_broker()
        await eventually(lambda: sorted(set(received)) == sorted(ids), timeout=90)
        assert await relay.pending() == 0
    finally:
        await relay.stop()
        await transport.close()
        await database.dispose()
