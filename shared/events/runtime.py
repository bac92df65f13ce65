"""Wires one service's outbox relay and consumer to a transport."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.consumer import Consumer, EventHandlers
from shared.events.local import LocalTransport
from shared.events.outbox import OutboxRelay
from shared.events.tables import EventTables
from shared.events.transport import RetryPolicy, Transport
from shared.settings import ServiceSettings, data_dir


def create_transport(settings: ServiceSettings) -> Transport:
    retry = RetryPolicy(
        max_attempts=settings.consumer_max_attempts, base_delay_seconds=settings.consumer_retry_base_seconds
    )
    url = settings.resolved_broker_url()
    if url is None:
        return LocalTransport(data_dir() / "events.db", retry=retry)
    from shared.events.rabbitmq import RabbitTransport

    return RabbitTransport(url, exchange=settings.event_exchange, retry=retry)


class ServiceEvents:
    """The relay that publishes this service's outbox and the consumer of the events it handles."""

    def __init__(
        self,
        *,
        service: str,
        database: Database,
        tables: EventTables,
        transport: Transport,
        handlers: EventHandlers,
        poll_seconds: float,
    ) -> None:
        self.service = service
        self.transport = transport
        self.handlers = handlers
        self.relay = OutboxRelay(
            database=database, tables=tables, transport=transport, poll_seconds=poll_seconds
        )
        self.consumer = Consumer(
            database=database, tables=tables, handlers=handlers, on_committed=self._after_commit
        )

    @property
    def queue(self) -> str:
        return f"{self.service}.events"

    def wake_relay(self) -> None:
        self.relay.wake()

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.get("events_written"):
            self.relay.wake()

    async def subscribe(self) -> None:
        event_types = self.handlers.event_types()
        if event_types:
            await self.transport.subscribe(
                queue=self.queue, routing_keys=event_types, handler=self.consumer.handle,
                batch_handler=self.consumer.handle_together,
            )

    def start_relay(self) -> None:
        self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
