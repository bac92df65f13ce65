"""The event backbone on both transports: outbox, relay, inbox, retries and dead letters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.models import INFRA
from shared.audit import record_audit
from shared.db import Database
from shared.events.consumer import Consumer, EventHandlers
from shared.events.envelope import Event, EventEnvelope, register_event
from shared.events.local import LocalTransport
from shared.events.outbox import OutboxRelay, Retention, prune_event_tables, record_event
from shared.events.rabbitmq import RabbitTransport
from shared.events.transport import TOGETHER_AT_MOST, Delivery, Transport
from tests.harness import Backend, eventually


@register_event
class Pinged(Event):
    event_type = "test.pinged.v1"
    number: int


@register_event
class Poisoned(Event):
    event_type = "test.poisoned.v1"
    number: int


@dataclass
class Concurrency:
    """How many handlers ran at once: now, and the most seen."""

    now: int = 0
    most: int = 0

    def enter(self) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    def leave(self) -> None:
        self.now -= 1


@dataclass
class Bus:
    database: Database
    transport: Transport
    handlers: EventHandlers
    queue: str
    applied: list[int]
    concurrency: Concurrency
    commits: list[int] = field(default_factory=list)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(database=self.database, tables=INFRA.events, transport=self.transport,
                           poll_seconds=0.05)

    def consumer(self) -> Consumer:
        return Consumer(database=self.database, tables=INFRA.events, handlers=self.handlers,
                        on_committed=self._committed)

    def _committed(self, session: AsyncSession) -> None:
        self.commits.append(session.info.get("pings", 0))

    async def subscribe(self) -> None:
        """As the services subscribe: waiting events are offered together, one at a time otherwise."""
        consumer = self.consumer()
        await self.transport.subscribe(queue=self.queue, routing_keys=self.handlers.event_types(),
                                       handler=consumer.handle, batch_handler=consumer.handle_together)

    async def write(self, *events: Event, commit: bool = True) -> None:
        async with self.database.sessionmaker() as session:
            for event in events:
                await record_event(session, event)
            if commit:
                await session.commit()
            else:
                await session.rollback()

    async def effects(self) -> int:
        """Rows the handlers wrote (in the audit log, in the handler's own transaction)."""
        async with self.database.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(INFRA.audit))
        return int(count or 0)

    async def effects_settle_at(self, expected: int) -> None:
        """Waits for the handlers' transactions to commit: a handler appends to `applied` before its
        transaction does, so the last effects may land a moment after `applied` is full."""
        await eventually(lambda: self._effects_are(expected))
        await asyncio.sleep(0.2)
        assert await self.effects() == expected

    async def _effects_are(self, expected: int) -> bool:
        return await self.effects() >= expected


def _transport(backend: Backend) -> Transport:
    retry = backend.retry
    if backend.broker_url:
        return RabbitTransport(backend.broker_url, exchange=f"test.{uuid.uuid4().hex[:8]}", retry=retry)
    return LocalTransport(backend.data_dir / f"events-{uuid.uuid4().hex[:8]}.db", retry=retry)


@pytest.fixture
async def bus(backend: Backend) -> AsyncIterator[Bus]:
    database = Database(backend.database_url_of("quality"), schema="quality",
                        session_info=INFRA.session_info("quality"))
    transport = _transport(backend)
    await transport.start()
    if isinstance(transport, RabbitTransport):
        await transport.wait_connected(30)
    applied: list[int] = []
    concurrency = Concurrency()
    handlers = EventHandlers()

    @handlers.on(Pinged.event_type)
    async def apply_ping(session: AsyncSession, envelope: EventEnvelope) -> None:
        concurrency.enter()
        try:
            ping = envelope.payload_as(Pinged)
            applied.append(ping.number)
            session.info["pings"] = session.info.get("pings", 0) + 1
            await record_audit(session, actor=None, action="test.applied", entity_type="ping",
                               entity_id=ping.number)
        finally:
            concurrency.leave()

    @handlers.on(Poisoned.event_type)
    async def always_fail(_session: AsyncSession, _envelope: EventEnvelope) -> None:
        raise RuntimeError("this handler never succeeds")

    yield Bus(database=database, transport=transport, handlers=handlers,
              queue=f"test-{uuid.uuid4().hex[:8]}.events", applied=applied, concurrency=concurrency)
    await transport.close()
    await database.dispose()


async def test_an_event_written_in_a_rolled_back_transaction_is_never_published(bus: Bus) -> None:
    await bus.subscribe()
    await bus.write(Pinged(number=1), commit=False)
    await bus.write(Pinged(number=2))
    assert await bus.relay().relay_once() == 1
    await eventually(lambda: bus.applied == [2])
    await asyncio.sleep(0.2)
    assert bus.applied == [2]
    assert await bus.relay().relay_once() == 0


async def test_events_are_delivered_in_order_and_applied_once(bus: Bus) -> None:
    await bus.subscribe()
    await bus.write(*(Pinged(number=n) for n in range(20)))
    relay = bus.relay()
    relay.start()
    try:
        await eventually(lambda: len(bus.applied) == 20)
    finally:
        await relay.stop()
    await bus.effects_settle_at(20)
    assert bus.applied == list(range(20))
    assert bus.concurrency.most == 1


async def test_events_waiting_for_the_consumer_are_committed_together_in_order(bus: Bus) -> None:
    await bus.transport.declare(bus.queue, bus.handlers.event_types())
    await bus.write(*(Pinged(number=n) for n in range(40)))
    assert await bus.relay().relay_once() == 40
    await bus.subscribe()
    await bus.effects_settle_at(40)
    assert bus.applied == list(range(40))
    assert sum(bus.commits) == 40
    assert len(bus.commits) < 40
    assert max(bus.commits) <= TOGETHER_AT_MOST


async def test_a_full_batch_published_together_is_delivered_in_order(bus: Bus) -> None:
    """The relay writes a batch's publishes before it waits for the broker's confirms: still in order."""
    await bus.transport.declare(bus.queue, bus.handlers.event_types())
    relay = bus.relay()
    await bus.write(*(Pinged(number=n) for n in range(relay.batch_size + 1)))
    assert await relay.relay_once() == relay.batch_size
    assert await relay.relay_once() == 1
    await bus.subscribe()
    await bus.effects_settle_at(relay.batch_size + 1)
    assert bus.applied == list(range(relay.batch_size + 1))
    assert await relay.pending() == 0


async def test_a_redelivered_event_is_applied_once(bus: Bus) -> None:
    envelope = EventEnvelope.wrap(Pinged(number=7), source="test")
    delivery = Delivery(message_id=str(envelope.id), routing_key=envelope.type,
                        body=envelope.model_dump_json().encode())
    consumer = bus.consumer()
    await consumer.handle(delivery)
    await consumer.handle(delivery)
    await asyncio.gather(consumer.handle(delivery), consumer.handle(delivery))
    assert bus.applied == [7]
    assert await bus.effects() == 1


async def test_events_handled_together_apply_repeats_and_already_processed_ones_once(bus: Bus) -> None:
    def delivery_of(number: int) -> Delivery:
        envelope = EventEnvelope.wrap(Pinged(number=number), source="test")
        return Delivery(message_id=str(envelope.id), routing_key=envelope.type,
                        body=envelope.model_dump_json().encode())

    seen_before, first, second = delivery_of(1), delivery_of(2), delivery_of(3)
    consumer = bus.consumer()
    await consumer.handle(seen_before)
    await consumer.handle_together([first, seen_before, first, second, second])
    assert bus.applied == [1, 2, 3]
    assert bus.commits == [1, 2]
    assert await bus.effects() == 3


async def test_the_same_message_published_twice_is_applied_once(bus: Bus) -> None:
    await bus.subscribe()
    envelope = EventEnvelope.wrap(Pinged(number=3), source="test")
    for _ in range(2):
        await bus.transport.publish(routing_key=envelope.type, body=envelope.model_dump_json().encode(),
                                    message_id=str(envelope.id))
    await eventually(lambda: bus.applied == [3])
    await asyncio.sleep(0.3)
    assert await bus.effects() == 1


async def test_two_relays_at_once_publish_every_event_and_consumers_apply_each_once(bus: Bus) -> None:
    await bus.subscribe()
    await bus.write(*(Pinged(number=n) for n in range(200)))
    relays = [bus.relay(), bus.relay()]
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: len(set(bus.applied)) == 200, timeout=30)
        await asyncio.sleep(0.3)
    finally:
        for relay in relays:
            await relay.stop()
    await bus.effects_settle_at(200)
    assert sorted(bus.applied) == list(range(200))
    assert await relays[0].pending() == 0


async def test_a_failing_handler_ends_in_the_dead_letter_queue_without_blocking_the_rest(bus: Bus) -> None:
    """The six wait for the consumer, so they are first tried together: the failure in the middle undoes
    that try, and each is then handled alone."""
    await bus.transport.declare(bus.queue, bus.handlers.event_types())
    await bus.write(Pinged(number=0), Pinged(number=1), Poisoned(number=1), *(Pinged(number=n) for n in range(2, 5)))
    assert await bus.relay().relay_once() == 6
    await bus.subscribe()
    dead = await eventually(lambda: bus.transport.dead_letters(bus.queue), timeout=15)
    assert [EventEnvelope.model_validate_json(d.body).type for d in dead] == [Poisoned.event_type]
    await bus.effects_settle_at(5)
    assert sorted(set(bus.applied)) == list(range(5))
    assert sum(bus.commits) == 5


async def test_an_unreadable_message_goes_straight_to_the_dead_letter_queue(bus: Bus) -> None:
    await bus.subscribe()
    await bus.transport.publish(routing_key=Pinged.event_type, body=b"not json", message_id="junk")
    await bus.write(Pinged(number=9))
    await bus.relay().relay_once()
    await eventually(lambda: bus.applied == [9])
    dead = await eventually(lambda: bus.transport.dead_letters(bus.queue))
    assert [d.body for d in dead] == [b"not json"]


async def test_the_local_broker_keeps_messages_across_a_restart(embedded_backend: Backend) -> None:
    path = embedded_backend.data_dir / f"restart-{uuid.uuid4().hex[:8]}.db"
    first = LocalTransport(path, retry=embedded_backend.retry)
    await first.start()
    await first.declare("keeper.events", [Pinged.event_type])
    await first.publish(routing_key=Pinged.event_type, body=b"kept", message_id="m-1")
    await first.close()
    received: list[bytes] = []

    async def collect(delivery: Delivery) -> None:
        received.append(delivery.body)

    second = LocalTransport(path, retry=embedded_backend.retry)
    await second.start()
    await second.publish(routing_key=Pinged.event_type, body=b"after restart", message_id="m-2")
    await second.subscribe(queue="keeper.events", routing_keys=[Pinged.event_type], handler=collect)
    try:
        await eventually(lambda: received == [b"kept", b"after restart"])
    finally:
        await second.close()


async def test_a_message_whose_handler_was_interrupted_is_delivered_again(embedded_backend: Backend) -> None:
    path = embedded_backend.data_dir / f"crash-{uuid.uuid4().hex[:8]}.db"
    started = asyncio.Event()

    async def hang(_delivery: Delivery) -> None:
        started.set()
        await asyncio.sleep(3600)

    crashing = LocalTransport(path, retry=embedded_backend.retry)
    await crashing.start()
    await crashing.subscribe(queue="crash.events", routing_keys=[Pinged.event_type], handler=hang)
    await crashing.publish(routing_key=Pinged.event_type, body=b"in flight", message_id="m-1")
    await asyncio.wait_for(started.wait(), 10)
    await crashing.close()
    received: list[bytes] = []

    async def collect(delivery: Delivery) -> None:
        received.append(delivery.body)

    restarted = LocalTransport(path, retry=embedded_backend.retry)
    await restarted.start()
    await restarted.subscribe(queue="crash.events", routing_keys=[Pinged.event_type], handler=collect)
    try:
        await eventually(lambda: received == [b"in flight"])
    finally:
        await restarted.close()


async def test_pruning_drops_old_published_events_and_inbox_ids_but_never_unpublished_ones(bus: Bus) -> None:
    await bus.write(Pinged(number=1), Pinged(number=2))
    await bus.relay().relay_once()
    await bus.write(Pinged(number=3))
    await bus.consumer().handle(Delivery("x", Pinged.event_type, EventEnvelope.wrap(
        Pinged(number=4), source="test").model_dump_json().encode()))
    kept = await prune_event_tables(bus.database, INFRA.events, Retention())
    assert kept == (0, 0)
    dropped = await prune_event_tables(bus.database, INFRA.events, Retention(
        outbox=timedelta(seconds=-60), inbox=timedelta(seconds=-60)))
    assert dropped == (2, 1)
    assert await bus.relay().pending() == 1
