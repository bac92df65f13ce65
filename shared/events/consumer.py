"""Consuming events idempotently: the inbox row and the handler's effect commit together.

`EventHandlers` is the one place a service lists what it listens to. `Consumer.handle` is given to
the transport: it parses the envelope, claims the event id in the inbox and runs the handlers in one
transaction, and returns only after the commit, so the transport acknowledges afterwards. A
redelivered event finds its id in the inbox and changes nothing. `Consumer.handle_together` does the
same for several waiting events in one transaction, in their order, so they share one commit; should
any fail, none is committed and the transport hands each to `handle` alone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, insert_new_rows
from shared.events.envelope import EventEnvelope, correlation_id_var
from shared.events.tables import EventTables
from shared.events.transport import Delivery, PoisonMessage

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


class EventHandlers:
    """Handlers registered per event type."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[EventHandler]] = defaultdict(list)

    def on(self, event_type: str) -> Callable[[EventHandler], EventHandler]:
        def register(handler: EventHandler) -> EventHandler:
            self._handlers[event_type].append(handler)
            return handler

        return register

    def event_types(self) -> list[str]:
        return sorted(self._handlers)

    def for_type(self, event_type: str) -> list[EventHandler]:
        return list(self._handlers.get(event_type, ()))


class Consumer:
    def __init__(
        self,
        *,
        database: Database,
        tables: EventTables,
        handlers: EventHandlers,
        on_committed: Callable[[AsyncSession], None] | None = None,
    ) -> None:
        self.database = database
        self.tables = tables
        self.handlers = handlers
        self.on_committed = on_committed

    async def handle(self, delivery: Delivery) -> None:
        await self.handle_together([delivery])

    async def handle_together(self, deliveries: Sequence[Delivery]) -> None:
        envelopes = [self._parse(delivery) for delivery in deliveries]
        async with self.database.sessionmaker() as session:
            async with session.begin():
                unseen = await self._claim(session, envelopes)
                for envelope in envelopes:
                    if str(envelope.id) in unseen:
                        unseen.discard(str(envelope.id))  # a second copy in the same batch is a repeat
                        await self._apply(session, envelope)
                    else:
                        logger.info("event %s already processed", envelope.id)
            if self.on_committed is not None:
                self.on_committed(session)

    async def _apply(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        token = correlation_id_var.set(envelope.correlation_id or str(envelope.id))
        try:
            for handler in self.handlers.for_type(envelope.type):
                await handler(session, envelope)
        finally:
            correlation_id_var.reset(token)

    @staticmethod
    def _parse(delivery: Delivery) -> EventEnvelope:
        try:
            return EventEnvelope.model_validate_json(delivery.body)
        except ValidationError as exc:
            raise PoisonMessage(f"unreadable envelope {delivery.message_id}") from exc

    async def _claim(self, session: AsyncSession, envelopes: Sequence[EventEnvelope]) -> set[str]:
        """Writes the ids of the events not processed before into the inbox, all in one statement;
        returns those ids."""
        processed_at = datetime.now(UTC)
        return await insert_new_rows(session, self.tables.inbox, [
            {"event_id": str(envelope.id), "event_type": envelope.type, "processed_at": processed_at}
            for envelope in envelopes], key="event_id")
