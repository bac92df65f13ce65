"""The RabbitMQ transport (aio-pika): topic exchange, quorum queues, confirms, retries, dead letters.

Every queue is a quorum queue (replicated over the cluster's nodes, durable by nature) that dead-letters
at least once, so a message moving to a retry or dead-letter queue is never lost on the way.
Topology for a consuming service `svc` on exchange `X`:
- `svc.events`, bound to `X` by the event types `svc` handles; it dead-letters to `X.dlx`, as well when a
  message was delivered `delivery_limit` times without being settled (one that crashes or hangs its
  consumer: a poison message the handler never gets to refuse);
- `svc.events.retry.N`, one per retry step: a message waits there for its backoff (per-message TTL,
  the same within one queue so none waits behind a longer one) and expires back into `svc.events`;
- `svc.events.dead`, bound to `X.dlx`: what failed `max_attempts` times or could never be read.

A queue declared before as a classic queue (by a release before quorum queues) cannot be declared
again as a quorum queue: the broker refuses with PRECONDITION_FAILED, the transport logs the move to make
(docs/operations.md, "Moving to quorum queues") and keeps retrying, so the service stays not ready.

Messages are persistent and every publish waits for the broker's confirm. A delivery is acked only
after the handler returned (its transaction committed). If the channel dropped meanwhile the ack
fails; that is logged, not raised: the broker redelivers and the consumer's inbox absorbs it.

A consumer handles one message at a time, in the order the broker sent them, as the local broker does:
events about one provider or referral are applied in the order they were published, and handlers never
race each other inside one replica. The broker sends up to `prefetch` messages ahead (the channel's QoS),
so the next is already here when one is acked rather than a round trip away; aio-pika would run a
callback per message concurrently, so they wait in the subscription's own queue for its one worker.
Replicas of a service share its queue for throughput; handlers stay correct across them by versions and
row locks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from shared.events.transport import (
    TOGETHER_AT_MOST,
    BatchHandler,
    Delivery,
    DeliveryHandler,
    Outgoing,
    PoisonMessage,
    RetryPolicy,
    TransportUnavailable,
    handled_together,
    log_failure,
)

logger = logging.getLogger(__name__)
ATTEMPT_HEADER = "x-suite-attempt"
DELIVERY_LIMIT = 20
PREFETCH = 16


class ClassicQueueInTheWay(Exception):
    """A queue of the same name exists as a classic queue; it must be moved (docs/operations.md)."""


QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}


def dead_lettering_to(exchange: str, routing_key: str) -> dict[str, Any]:
    """A quorum queue's arguments to dead-letter at least once (which needs `reject-publish` overflow)."""
    return {**QUORUM, "x-dead-letter-exchange": exchange, "x-dead-letter-routing-key": routing_key,
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


@dataclass
class _Subscription:
    queue: str
    routing_keys: Sequence[str]
    handler: DeliveryHandler
    batch_handler: BatchHandler | None
    arrived: asyncio.Queue[AbstractIncomingMessage] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None


class RabbitTransport:
    def __init__(
        self,
        url: str,
        *,
        exchange: str,
        retry: RetryPolicy | None = None,
        prefetch: int = PREFETCH,
        delivery_limit: int = DELIVERY_LIMIT,
        heartbeat_seconds: int = 30,
        publish_timeout_seconds: float = 10.0,
    ) -> None:
        self.url = url
        self.exchange_name = exchange
        self.retry = retry or RetryPolicy()
        self.prefetch = prefetch
        self.delivery_limit = delivery_limit
        self.heartbeat_seconds = heartbeat_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._subscriptions: list[_Subscription] = []
        self._declarations: list[tuple[str, list[str]]] = []
        self._connected = asyncio.Event()
        self._topology = asyncio.Lock()
        self._connector: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connects in the background: a service starts (and commits writes) while the broker is down."""
        self._connector = asyncio.create_task(self._connect_until_up(), name="rabbitmq-connect")

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def _connect_until_up(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connect()
            except ClassicQueueInTheWay as exc:
                logger.error("%s; retrying in %.1fs", exc, delay)
            except Exception as exc:
                logger.warning("RabbitMQ not reachable (%s); retrying in %.1fs", type(exc).__name__, delay)
            else:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _connect(self) -> None:
        """Queues are declared (and consumers started) before anything is published, under the same lock
        `declare` and `subscribe` take, so no queue declared at start-up can miss an early event."""
        connection = await aio_pika.connect_robust(
            self.url, heartbeat=self.heartbeat_seconds, client_properties={"connection_name": "homecare"}
        )
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        await channel.declare_exchange(self._dlx_name, aio_pika.ExchangeType.DIRECT, durable=True)
        async with self._topology:
            self._connection, self._publish_channel = connection, channel
            try:
                for queue, routing_keys in self._declarations:
                    await self._declare_now(queue, routing_keys)
                for subscription in self._subscriptions:
                    await self._start_consumer(subscription)
            except BaseException:
                self._connection = self._publish_channel = None
                await connection.close()  # else the robust connection would go on reconnecting by itself
                raise
            self._exchange = exchange
            self._connected.set()

    @property
    def _dlx_name(self) -> str:
        return self.exchange_name + ".dlx"

    async def publish(self, *, routing_key: str, body: bytes, message_id: str) -> None:
        await self.publish_all([Outgoing(routing_key, body, message_id)])

    async def publish_all(self, messages: Sequence[Outgoing]) -> None:
        """Every message is written before any confirm is awaited, so a batch waits for the broker about once,
        not once per message. Order holds: the publishes start in order and the channel's lock (first come,
        first served) writes each before the next."""
        exchange = self._exchange
        if exchange is None or self._publish_channel is None or self._publish_channel.is_closed:
            raise TransportUnavailable("not connected to RabbitMQ")
        outcomes = await asyncio.gather(
            *(exchange.publish(_persistent(message), routing_key=message.routing_key,
                               timeout=self.publish_timeout_seconds) for message in messages),
            return_exceptions=True)
        failed = next((outcome for outcome in outcomes if isinstance(outcome, BaseException)), None)
        if failed is not None:
            raise TransportUnavailable(f"publish failed: {type(failed).__name__}") from failed

    async def subscribe(self, *, queue: str, routing_keys: Sequence[str], handler: DeliveryHandler,
                        batch_handler: BatchHandler | None = None) -> None:
        subscription = _Subscription(queue=queue, routing_keys=list(routing_keys), handler=handler,
                                     batch_handler=batch_handler)
        async with self._topology:
            self._subscriptions.append(subscription)
            if self._connected.is_set():
                await self._start_consumer(subscription)

    async def declare(self, queue: str, routing_keys: Sequence[str]) -> None:
        """Creates the durable topology for `queue` without consuming; done again on every connect."""
        async with self._topology:
            self._declarations.append((queue, list(routing_keys)))
            if self._connected.is_set():
                await self._declare_now(queue, routing_keys)

    async def _declare_now(self, queue: str, routing_keys: Sequence[str]) -> None:
        assert self._connection is not None
        channel = await self._connection.channel()
        try:
            await self._declare_topology(channel, queue, routing_keys)
        finally:
            await channel.close()

    async def _declare_topology(
        self, channel: AbstractChannel, queue: str, routing_keys: Sequence[str]
    ) -> aio_pika.abc.AbstractQueue:
        exchange = await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        dlx = await channel.declare_exchange(self._dlx_name, aio_pika.ExchangeType.DIRECT, durable=True)
        dead = await _declare_quorum(channel, queue + ".dead", QUORUM)
        await dead.bind(dlx, routing_key=queue)
        main = await _declare_quorum(channel, queue, {
            **dead_lettering_to(self._dlx_name, queue), "x-delivery-limit": self.delivery_limit})
        for routing_key in routing_keys:
            await main.bind(exchange, routing_key=routing_key)
        for step in range(2, max(self.retry.max_attempts, 2) + 1):  # a first attempt may wait for the database
            await _declare_quorum(channel, self._retry_queue(queue, step), dead_lettering_to("", queue))
        return main

    @staticmethod
    def _retry_queue(queue: str, attempt: int) -> str:
        return f"{queue}.retry.{attempt}"

    async def _start_consumer(self, subscription: _Subscription) -> None:
        assert self._connection is not None
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        main = await self._declare_topology(channel, subscription.queue, subscription.routing_keys)

        async def on_message(message: AbstractIncomingMessage) -> None:
            subscription.arrived.put_nowait(message)

        if subscription.worker is None:
            subscription.worker = asyncio.create_task(self._work_through(subscription),
                                                      name=f"consume {subscription.queue}")
        await main.consume(on_message, no_ack=False)

    async def _work_through(self, subscription: _Subscription) -> None:
        """Delivers the subscription's messages in arrival order: those waiting together when it can, else
        one at a time. A message that arrived on a channel since lost is handled all the same; its ack fails
        quietly and the broker redelivers it."""
        while True:
            messages = [await subscription.arrived.get()]
            while len(messages) < TOGETHER_AT_MOST and not subscription.arrived.empty():
                messages.append(subscription.arrived.get_nowait())
            try:
                await self._deliver_all(subscription, messages)
            except Exception:
                logger.exception("delivery from %s failed unexpectedly; the broker will redeliver it",
                                 subscription.queue)

    async def _deliver_all(self, subscription: _Subscription, messages: list[AbstractIncomingMessage]) -> None:
        deliveries = [_delivery_of(message) for message in messages]
        if await handled_together(subscription.batch_handler, deliveries, subscription.queue):
            await _ack_all(messages)
            return
        for message, delivery in zip(messages, deliveries, strict=True):
            await self._deliver(subscription, message, delivery)

    async def _deliver(self, subscription: _Subscription, message: AbstractIncomingMessage,
                       delivery: Delivery) -> None:
        try:
            await subscription.handler(delivery)
        except PoisonMessage:
            logger.warning("poison message %s dead-lettered from %s", delivery.message_id, subscription.queue)
            await _settle(message.reject(requeue=False))
            return
        except Exception as exc:
            log_failure(logger, delivery, exc)
            await self._retry_or_dead_letter(subscription.queue, message,
                                             self.retry.after_failure(delivery.attempt, exc))
            return
        await _settle(message.ack())

    async def _retry_or_dead_letter(
        self, queue: str, message: AbstractIncomingMessage, retry_after: tuple[int, float] | None
    ) -> None:
        if retry_after is None:
            await _settle(message.reject(requeue=False))
            return
        next_attempt, delay = retry_after
        delay_ms = int(delay * 1000)
        retry = aio_pika.Message(
            body=message.body,
            message_id=message.message_id,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={**(message.headers or {}), ATTEMPT_HEADER: next_attempt},
            expiration=max(delay_ms, 1) / 1000,
        )
        try:
            assert self._publish_channel is not None
            await self._publish_channel.default_exchange.publish(
                retry, routing_key=self._retry_queue(queue, max(next_attempt, 2)),
                timeout=self.publish_timeout_seconds
            )
        except Exception:
            logger.warning("could not schedule retry of %s; the broker will redeliver it", message.message_id)
            await _settle(message.nack(requeue=True))
            return
        await _settle(message.ack())

    async def dead_letters(self, queue: str) -> list[Delivery]:
        """Reads (and returns to the queue) what is dead-lettered, for operators and tests."""
        assert self._connection is not None
        channel = await self._connection.channel()
        found: list[Delivery] = []
        try:
            dead = await _declare_quorum(channel, queue + ".dead", QUORUM)
            while (message := await dead.get(no_ack=False, fail=False)) is not None:
                found.append(
                    Delivery(message.message_id or "", message.routing_key or "", message.body)
                )
            await channel.close()
        finally:
            if not channel.is_closed:
                await channel.close()
        return found

    async def purge(self, queue: str) -> None:
        """Empties a queue and its dead letters (tests and operators)."""
        assert self._connection is not None
        channel = await self._connection.channel()
        try:
            for name in (queue, queue + ".dead"):
                declared = await channel.declare_queue(name, passive=True)
                await declared.purge()
        finally:
            await channel.close()

    async def is_ready(self) -> bool:
        return bool(
            self._connected.is_set()
            and self._connection is not None
            and not self._connection.is_closed
            and self._publish_channel is not None
            and not self._publish_channel.is_closed
        )

    async def close(self) -> None:
        tasks = [self._connector, *(subscription.worker for subscription in self._subscriptions)]
        for task in tasks:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._connection is not None:
            await self._connection.close()
        self._connected.clear()


async def _declare_quorum(
    channel: AbstractChannel, name: str, arguments: dict[str, Any]
) -> aio_pika.abc.AbstractQueue:
    try:
        return await channel.declare_queue(name, durable=True, arguments=arguments)
    except aio_pika.exceptions.ChannelPreconditionFailed as exc:
        raise ClassicQueueInTheWay(
            f"queue {name!r} exists with other arguments (a classic queue of an earlier release?): move it to a "
            "quorum queue as docs/operations.md says under 'Moving to quorum queues'") from exc


def _persistent(message: Outgoing) -> aio_pika.Message:
    return aio_pika.Message(body=message.body, message_id=message.message_id, content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)


def _delivery_of(message: AbstractIncomingMessage) -> Delivery:
    return Delivery(message_id=message.message_id or "", routing_key=message.routing_key or "", body=message.body,
                    attempt=_attempt_of(message))


def _attempt_of(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(ATTEMPT_HEADER, 1)
    return value if isinstance(value, int) and value > 0 else 1


async def _ack_all(messages: list[AbstractIncomingMessage]) -> None:
    """One ack for them all when they came on one channel: every earlier delivery on it is settled
    already, since a subscription settles its deliveries in arrival order."""
    channels = {_open_channel_of(message) for message in messages}
    if len(channels) == 1 and None not in channels:
        await _settle(messages[-1].ack(multiple=True))
        return
    for message in messages:
        await _settle(message.ack())


def _open_channel_of(message: AbstractIncomingMessage) -> int | None:
    try:
        return id(message.channel)
    except aio_pika.exceptions.ChannelInvalidStateError:  # closed: its deliveries come again anyway
        return None


async def _settle(operation: Any) -> None:
    """Ack, nack or reject; after a reconnect the delivery tag is stale, which is not an error here."""
    try:
        await operation
    except Exception as exc:
        logger.info("could not settle a delivery (%s); it will be redelivered", type(exc).__name__)
