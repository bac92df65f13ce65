"""The embedded default's broker: durable topic queues in one SQLite file beside the services' data.

It keeps RabbitMQ's promises on one machine with nothing to install: a published message is stored
(in every queue bound to its routing key) before `publish` returns, so the outbox may mark it sent;
a consumer removes it only after the handler returned, so a crash mid-handling redelivers it (and the
consumer's inbox absorbs the repeat). Failing handlers are retried with backoff, then dead-lettered,
while the messages behind them carry on. Bindings are stored too: a queue declared before a restart
keeps collecting what is published while its consumer is not yet running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shared.db import configure_sqlite
from shared.events.transport import (
    TOGETHER_AT_MOST,
    BatchHandler,
    Delivery,
    DeliveryHandler,
    Outgoing,
    PoisonMessage,
    RetryPolicy,
    handled_together,
    log_failure,
    topic_matches,
)

logger = logging.getLogger(__name__)
_metadata = MetaData()
_bindings = Table(
    "bindings",
    _metadata,
    Column("queue", String(200), primary_key=True),
    Column("pattern", String(200), primary_key=True),
)
_messages = Table(
    "messages",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue", String(200), nullable=False, index=True),
    Column("message_id", String(100), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("attempt", Integer, nullable=False, default=1),
    Column("available_at", Float, nullable=False),
    Column("dead", Boolean, nullable=False, default=False),
)


class LocalTransport:
    def __init__(self, path: Path, *, retry: RetryPolicy | None = None, batch_size: int = 100) -> None:
        self.path = path
        self.retry = retry or RetryPolicy()
        self.batch_size = batch_size
        self._engine: AsyncEngine | None = None
        self._patterns: dict[str, set[str]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._consumers: dict[str, asyncio.Task[None]] = {}

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the local transport is not started")
        return self._engine

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(f"sqlite+aiosqlite:///{self.path}", poolclass=NullPool,
                                     connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", configure_sqlite)
        async with engine.begin() as connection:
            await connection.run_sync(_metadata.create_all)
            for queue, pattern in await connection.execute(select(_bindings.c.queue, _bindings.c.pattern)):
                self._patterns.setdefault(queue, set()).add(pattern)
        self._engine = engine

    async def declare(self, queue: str, routing_keys: Sequence[str]) -> None:
        async with self.engine.begin() as connection:
            for pattern in routing_keys:
                await connection.execute(
                    sqlite_insert(_bindings).values(queue=queue, pattern=pattern).on_conflict_do_nothing())
        self._patterns.setdefault(queue, set()).update(routing_keys)

    async def publish(self, *, routing_key: str, body: bytes, message_id: str) -> None:
        await self.publish_all([Outgoing(routing_key, body, message_id)])

    async def publish_all(self, messages: Sequence[Outgoing]) -> None:
        """Stores every message in every queue bound to its routing key, in order, in one transaction."""
        now = time.time()
        rows: list[dict[str, Any]] = [
            {"queue": queue, "message_id": message.message_id, "routing_key": message.routing_key,
             "body": message.body, "attempt": 1, "available_at": now, "dead": False}
            for message in messages for queue in self._queues_of(message.routing_key)]
        if not rows:
            return
        async with self.engine.begin() as connection:
            await connection.execute(insert(_messages), rows)
        for queue in {row["queue"] for row in rows}:
            self._wake.setdefault(queue, asyncio.Event()).set()

    def _queues_of(self, routing_key: str) -> list[str]:
        return [queue for queue, patterns in self._patterns.items()
                if any(topic_matches(pattern, routing_key) for pattern in patterns)]

    async def subscribe(self, *, queue: str, routing_keys: Sequence[str], handler: DeliveryHandler,
                        batch_handler: BatchHandler | None = None) -> None:
        if queue in self._consumers:
            raise ValueError(f"queue {queue} already has a consumer")
        await self.declare(queue, routing_keys)
        self._consumers[queue] = asyncio.create_task(self._consume(queue, handler, batch_handler),
                                                     name=f"consume:{queue}")

    async def _consume(self, queue: str, handler: DeliveryHandler, batch_handler: BatchHandler | None) -> None:
        wake = self._wake.setdefault(queue, asyncio.Event())
        while True:
            wake.clear()
            rows = await self._due(queue)
            for start in range(0, len(rows), TOGETHER_AT_MOST):
                await self._deliver_all(queue, rows[start:start + TOGETHER_AT_MOST], handler, batch_handler)
            if len(rows) < self.batch_size:
                pause = await self._seconds_to_next(queue)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await wake.wait()

    async def _due(self, queue: str) -> list[Row[Any, Any, Any, Any, Any]]:
        async with self.engine.connect() as connection:
            result = await connection.execute(
                select(_messages.c.id, _messages.c.message_id, _messages.c.routing_key, _messages.c.body,
                       _messages.c.attempt)
                .where(_messages.c.queue == queue, _messages.c.dead.is_(False),
                       _messages.c.available_at <= time.time())
                .order_by(_messages.c.id).limit(self.batch_size))
            return list(result.all())

    async def _seconds_to_next(self, queue: str) -> float:
        async with self.engine.connect() as connection:
            soonest = await connection.scalar(
                select(_messages.c.available_at).where(_messages.c.queue == queue, _messages.c.dead.is_(False))
                .order_by(_messages.c.available_at).limit(1))
        return 1.0 if soonest is None else min(1.0, max(0.0, soonest - time.time()))

    async def _deliver_all(self, queue: str, rows: Sequence[Row[Any, Any, Any, Any, Any]], handler: DeliveryHandler,
                           batch_handler: BatchHandler | None) -> None:
        deliveries = [Delivery(row.message_id, row.routing_key, row.body, row.attempt) for row in rows]
        if await handled_together(batch_handler, deliveries, queue):
            await self._delete([row.id for row in rows])
            return
        for row, delivery in zip(rows, deliveries, strict=True):
            await self._deliver(queue, row.id, delivery, handler)

    async def _deliver(self, queue: str, row_id: int, delivery: Delivery, handler: DeliveryHandler) -> None:
        try:
            await handler(delivery)
        except PoisonMessage:
            logger.warning("poison message %s dead-lettered from %s", delivery.message_id, queue)
            await self._update(row_id, dead=True)
        except Exception as exc:
            log_failure(logger, delivery, exc)
            retry = self.retry.after_failure(delivery.attempt, exc)
            if retry is None:
                await self._update(row_id, dead=True)
            else:
                attempt, delay = retry
                await self._update(row_id, attempt=attempt, available_at=time.time() + delay)
        else:
            await self._delete([row_id])

    async def _delete(self, row_ids: list[int]) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(delete(_messages).where(_messages.c.id.in_(row_ids)))

    async def _update(self, row_id: int, **values: object) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(update(_messages).where(_messages.c.id == row_id).values(**values))

    async def dead_letters(self, queue: str) -> list[Delivery]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(_messages.c.message_id, _messages.c.routing_key, _messages.c.body, _messages.c.attempt)
                .where(_messages.c.queue == queue, _messages.c.dead.is_(True)).order_by(_messages.c.id))
            return [Delivery(row.message_id, row.routing_key, row.body, row.attempt) for row in rows]

    async def is_ready(self) -> bool:
        return self._engine is not None

    async def close(self) -> None:
        for task in self._consumers.values():
            task.cancel()
        await asyncio.gather(*self._consumers.values(), return_exceptions=True)
        self._consumers.clear()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


async def forget_everything(path: Path) -> None:
    """Empties the local broker (tests): no message or binding outlives its test."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", configure_sqlite)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_metadata.create_all)
            await connection.execute(delete(_messages))
            await connection.execute(delete(_bindings))
    finally:
        await engine.dispose()
