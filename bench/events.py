"""Figure 2, the event pipeline: events per second from a producer's transactions through its outbox, the
relay, RabbitMQ, a consumer and its inbox, each event handled with a database write, on PostgreSQL; the
suite's own classes (`record_event`, `OutboxRelay`, `RabbitTransport`, `Consumer`) with the settings the
services use (persistent messages, publisher confirms, the consumer's prefetch, the events waiting
handled together in one transaction, acks after the commit).

The producer (its transactions, outbox and relay) and the consumer run in two processes, as two
services do, each on uvloop, the event loop uvicorn gives every service; the floor is laid out the same way.

Floor: raw aio-pika on the same broker doing the least the same guarantees need: persistent messages
published one at a time, each confirmed, consumed with the same prefetch and acked, on a classic queue.
The suite's queues are quorum queues (a replicated log, more work for the broker); the same floor on a
quorum queue is reported beside it, in the figure's detail. Each is measured three times, the floors and
the pipeline in turn within a round, and the figure gives each one's median. Goal: half the floor.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, ClassVar

import aio_pika
import asyncpg
import uvloop
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bench import Figure, Goal, Scale
from bench.infra import asyncpg_dsn, temporary_database, temporary_vhost
from shared.db import Database, new_metadata
from shared.events.consumer import Consumer, EventHandlers
from shared.events.envelope import Event, EventEnvelope
from shared.events.outbox import OutboxRelay, record_event, record_events
from shared.events.rabbitmq import PREFETCH, RabbitTransport
from shared.infra import InfraTables, infra_tables

GOAL = Goal("ratio >= 0.5", ratio_at_least=0.5)
ROUNDS = 3
TIMEOUT_SECONDS = 600


class Pinged(Event):
    """The benchmark's event: small, like most of the suite's."""

    event_type: ClassVar[str] = "bench.pinged.v1"
    number: int


def _tables(metadata: MetaData) -> tuple[InfraTables, Table]:
    received = Table("received", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                     Column("number", Integer, nullable=False), Column("event_id", String(36), nullable=False))
    return infra_tables(metadata), received


async def _database(url: str, schema: str) -> tuple[Database, InfraTables, Table]:
    """A service's database as the suite lays it out: its own schema with outbox, inbox and a table."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    metadata = new_metadata()
    infra, received = _tables(metadata)
    database = Database(url, schema=schema, session_info=infra.session_info(schema))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return database, infra, received


QUEUE = "consumer.events"
EXCHANGE = "bench.events"


def _raw_names(queue_type: str) -> tuple[str, str]:
    """The floor's exchange and queue, one pair per kind of queue so neither floor routes into the other's."""
    return f"bench.raw.{queue_type}", f"raw.{queue_type}.events"


BACKLOG_EXCHANGE, BACKLOG_QUEUE = "bench.backlog", "backlog.events"


async def _consume_with_the_suite(url: str, broker_url: str, count: int, ready: Connection) -> float:
    """The consuming service: the suite's `Consumer` on its own schema; returns when it committed the last."""
    metadata = new_metadata()
    infra, received = _tables(metadata)
    database = Database(url, schema="consumer", session_info=infra.session_info("consumer"))
    transport = RabbitTransport(broker_url, exchange=EXCHANGE)
    done, handled = asyncio.Event(), 0
    write = insert(received)

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        await session.execute(write, {"number": envelope.payload["number"], "event_id": str(envelope.id)})
        session.info["handled"] = session.info.get("handled", 0) + 1

    def committed(session: AsyncSession) -> None:
        nonlocal handled
        handled += session.info.get("handled", 0)
        if handled == count:
            done.set()

    handlers = EventHandlers()
    handlers.on(Pinged.event_type)(handle)
    consumer = Consumer(database=database, tables=infra.events, handlers=handlers, on_committed=committed)
    await transport.start()
    try:
        await transport.wait_connected(60)
        await transport.subscribe(queue=QUEUE, routing_keys=[Pinged.event_type], handler=consumer.handle,
                                  batch_handler=consumer.handle_together)
        ready.send(True)
        await asyncio.wait_for(done.wait(), TIMEOUT_SECONDS)
        return time.perf_counter()
    finally:
        await transport.close()
        await database.dispose()


async def _consume_raw(broker_url: str, count: int, ready: Connection, queue_type: str) -> float:
    """The floor's consumer: acks each message; returns when it acked the last."""
    connection = await aio_pika.connect(broker_url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        exchange_name, queue_name = _raw_names(queue_type)
        await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": queue_type})
        await queue.bind(exchange_name, routing_key=Pinged.event_type)
        done, seen = asyncio.Event(), 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            await message.ack()
            seen += 1
            if seen == count:
                done.set()

        await queue.consume(on_message, no_ack=False)
        ready.send(True)
        await asyncio.wait_for(done.wait(), TIMEOUT_SECONDS)
        return time.perf_counter()
    finally:
        await connection.close()


def consume(floor_queue: str | None, url: str, broker_url: str, count: int, ready: Connection,
            finished: Connection) -> None:
    """The consuming process: reports the `perf_counter` (one clock for every process) of its last event."""
    work = (_consume_raw(broker_url, count, ready, floor_queue) if floor_queue
            else _consume_with_the_suite(url, broker_url, count, ready))
    finished.send(uvloop.run(work))


class ConsumingProcess:
    """A consumer in a process of its own, ready once it has subscribed."""

    def __init__(self, *, floor_queue: str | None = None, url: str = "", broker_url: str, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        (self._ready, ready), (self._finished, finished) = context.Pipe(), context.Pipe()
        self._process = context.Process(target=consume, args=(floor_queue, url, broker_url, count, ready, finished),
                                        daemon=True)

    async def __aenter__(self) -> ConsumingProcess:
        self._process.start()
        await self._received(self._ready)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    async def finished_at(self) -> float:
        return float(await self._received(self._finished))

    async def _received(self, pipe: Connection) -> Any:
        """What the process sends down `pipe`; an error once it has stopped (or the pipe closed) without."""
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not pipe.poll():
            if not self._process.is_alive() or time.monotonic() > deadline:
                raise self._stopped()
            await asyncio.sleep(0.005)
        try:
            return pipe.recv()
        except EOFError as exc:
            raise self._stopped() from exc

    def _stopped(self) -> RuntimeError:
        return RuntimeError(f"the consuming process stopped or hung (exit code {self._process.exitcode})")


async def _pipeline(url: str, broker_url: str, count: int) -> float:
    """Seconds from the first producer transaction to the consuming process's commit of the last event."""
    producer, producer_infra, _ = await _database(url, "producer")
    consumer_schema, _, _ = await _database(url, "consumer")  # laid out here; the consuming process opens its own
    await consumer_schema.dispose()
    transport = RabbitTransport(broker_url, exchange=EXCHANGE)
    relay = OutboxRelay(database=producer, tables=producer_infra.events, transport=transport, poll_seconds=0.5)
    await transport.start()
    try:
        await transport.wait_connected(60)
        async with ConsumingProcess(url=url, broker_url=broker_url, count=count) as consumer:
            relay.start()
            started = time.perf_counter()
            for number in range(count):
                async with producer.sessionmaker() as session, session.begin():
                    await record_event(session, Pinged(number=number))
                relay.wake()
            return await consumer.finished_at() - started
    finally:
        await relay.stop()
        await transport.close()
        await producer.dispose()


async def _backlog(url: str, broker_url: str, count: int) -> float:
    """Seconds the relay alone takes to publish a backlog of `count` events (what a broker outage or a bulk
    import leaves in the outbox) into a durable queue, batch by batch."""
    database, infra, _ = await _database(url, "backlog")
    transport = RabbitTransport(broker_url, exchange=BACKLOG_EXCHANGE)
    relay = OutboxRelay(database=database, tables=infra.events, transport=transport)
    await transport.start()
    try:
        await transport.wait_connected(60)
        await transport.declare(BACKLOG_QUEUE, [Pinged.event_type])
        async with database.sessionmaker() as session, session.begin():
            await record_events(session, [Pinged(number=number) for number in range(count)])
        started = time.perf_counter()
        while await relay.relay_once():
            pass
        return time.perf_counter() - started
    finally:
        await transport.close()
        await database.dispose()


async def _raw(broker_url: str, count: int, queue_type: str) -> float:
    """Seconds to publish `count` persistent messages one confirm at a time until another process acked them all."""
    connection = await aio_pika.connect(broker_url)
    try:
        async with ConsumingProcess(floor_queue=queue_type, broker_url=broker_url, count=count) as consumer:
            publisher = await connection.channel(publisher_confirms=True)
            exchange = await publisher.declare_exchange(_raw_names(queue_type)[0], aio_pika.ExchangeType.TOPIC,
                                                        durable=True)
            body = EventEnvelope.wrap(Pinged(number=0), source="producer").model_dump_json().encode()
            started = time.perf_counter()
            for _ in range(count):
                await exchange.publish(aio_pika.Message(body=body, message_id=str(uuid.uuid4()),
                                                        content_type="application/json",
                                                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                       routing_key=Pinged.event_type)
            return await consumer.finished_at() - started
    finally:
        await connection.close()


@dataclass
class Rounds:
    """Seconds per run of each measurement, a round taking the floors and the pipeline in turn."""

    floor: list[float] = field(default_factory=list)
    quorum_floor: list[float] = field(default_factory=list)
    pipeline: list[float] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [floor / pipeline for floor, pipeline in zip(self.floor, self.pipeline, strict=True)]


async def _rounds(count: int) -> Rounds:
    """Each measurement ROUNDS times, in turn within a round: measured once each, one after the other, a busy
    machine's drift would pass for a difference between the pipeline and its floor. Each round has a virtual
    host of its own: a consumer that stops on its last commit may leave that batch's ack unsent, and the
    broker would hand those messages to the next round's consumer."""
    rounds = Rounds()
    for _ in range(ROUNDS):
        async with temporary_vhost("events") as broker_url:
            rounds.floor.append(await _raw(broker_url, count, "classic"))
            rounds.quorum_floor.append(await _raw(broker_url, count, "quorum"))
            async with temporary_database("events") as url:
                rounds.pipeline.append(await _pipeline(url, broker_url, count))
    return rounds


async def _figures(count: int) -> list[Figure]:
    rounds = await _rounds(count)
    async with temporary_vhost("events") as broker_url, temporary_database("events") as url:
        backlog_seconds = await _backlog(url, broker_url, count)
    seconds, floor_seconds, quorum_floor_seconds = (
        statistics.median(runs) for runs in (rounds.pipeline, rounds.floor, rounds.quorum_floor))
    return [Figure(
        name="event pipeline: events/s through outbox, relay, RabbitMQ, consumer and inbox (PostgreSQL); "
             "floor: raw aio-pika, confirms and acks",
        value=count / seconds, unit="events/s", floor=count / floor_seconds, goal=GOAL,
        detail={"events": count, "rounds": ROUNDS, "seconds": seconds, "floor_seconds": floor_seconds,
                "median_of": "the rounds' seconds, each measurement's own",
                "ratios_by_round": rounds.ratios(),
                "floor_on_a_quorum_queue_events_per_s": count / quorum_floor_seconds,
                "ratio_to_the_floor_on_a_quorum_queue": quorum_floor_seconds / seconds,
                "queues": "the suite's are quorum queues; the figure's floor uses a classic one, which does less",
                "backlog_events_per_s": count / backlog_seconds,
                "backlog": "the relay alone publishing as many events left in the outbox, in batches of 200",
                "processes": "the producer with its relay in one, the consumer in another, each on uvloop "
                             "(the suite and the floor alike)",
                "per_event": "one producer transaction (the outbox row), a publish confirmed, the inbox row "
                             "and one row written by the handler in a consumer transaction shared by the "
                             "events waiting together (up to 16), an ack"},
    )]


def figures(scale: Scale) -> list[Figure]:
    return uvloop.run(_figures(scale.events))
