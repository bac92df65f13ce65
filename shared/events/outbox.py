"""The transactional outbox: events are written with the change that caused them, relayed later.

`record_event` inserts into the service's outbox within the caller's transaction, so an event exists
exactly when its change committed. `OutboxRelay` publishes unpublished rows in order and marks them;
a broker outage leaves them in place for the next pass. On PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several replicas share the work; a row may be published twice after a
crash between publish and mark, never zero times, and consumers' inboxes absorb the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Insert, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.envelope import Event, EventEnvelope
from shared.events.tables import EventTables
from shared.events.transport import Outgoing, Transport

logger = logging.getLogger(__name__)


async def record_event(session: AsyncSession, event: Event) -> EventEnvelope:
    """Adds `event` to the outbox in the session's transaction and returns its envelope."""
    [envelope] = await record_events(session, [event])
    return envelope


async def record_events(session: AsyncSession, events: Sequence[Event]) -> list[EventEnvelope]:
    """Adds `events` to the outbox in one multi-row insert (bulk imports write thousands at once)."""
    if not events:
        return []
    tables: EventTables = session.info["event_tables"]
    envelopes = [EventEnvelope.wrap(event, source=session.info["service"]) for event in events]
    await session.execute(_outbox_insert(tables.outbox), [
        {"event_id": str(envelope.id), "event_type": envelope.type, "body": envelope.model_dump_json(),
         "created_at": envelope.occurred_at} for envelope in envelopes])
    session.info["events_written"] = True
    return envelopes


@functools.cache
def _outbox_insert(outbox: Table) -> Insert:
    """One statement object per outbox, which SQLAlchemy finds compiled without building its cache key again."""
    return insert(outbox)


@dataclass(frozen=True)
class Retention:
    """Published outbox rows are kept a while for operators; inbox ids long enough that any redelivery
    (RabbitMQ's, or an operator replaying dead letters within the window) is still recognised."""

    outbox: timedelta = timedelta(hours=72)
    inbox: timedelta = timedelta(days=30)
    every_seconds: float = 600.0


async def prune_event_tables(database: Database, tables: EventTables, retention: Retention) -> tuple[int, int]:
    """Deletes published outbox rows and inbox ids older than the retention; never an unpublished row."""
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        outbox = await session.execute(delete(tables.outbox).where(
            tables.outbox.c.published_at.is_not(None), tables.outbox.c.published_at < now - retention.outbox))
        inbox = await session.execute(delete(tables.inbox).where(
            tables.inbox.c.processed_at < now - retention.inbox))
    return int(getattr(outbox, "rowcount", 0)), int(getattr(inbox, "rowcount", 0))


class OutboxRelay:
    def __init__(
        self,
        *,
        database: Database,
        tables: EventTables,
        transport: Transport,
        poll_seconds: float = 0.5,
        batch_size: int = 200,
        max_backoff_seconds: float = 10.0,
        retention: Retention | None = None,
    ) -> None:
        self.database = database
        self.tables = tables
        self.transport = transport
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff_seconds = max_backoff_seconds
        self.retention = retention or Retention()
        self._next_prune = time.monotonic() + self.retention.every_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        outbox = tables.outbox
        self._unpublished = (
            select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.body)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        self._mark_published = update(outbox).where(outbox.c.id.in_(bindparam("ids", expanding=True)))

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while True:
            try:
                published = await self.relay_once()
            except Exception as exc:  # broker or database away: keep the rows, try again later
                logger.warning("outbox relay paused for %.1fs: %s", backoff, type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
                continue
            backoff = self.poll_seconds
            await self._prune_when_due()
            if published < self.batch_size:
                await self._wait_for_work()

    async def _prune_when_due(self) -> None:
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + self.retention.every_seconds
            await prune_event_tables(self.database, self.tables, self.retention)

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_seconds):
                await self._wake.wait()
        self._wake.clear()

    async def relay_once(self) -> int:
        """Publishes one batch of unpublished events in order; returns how many. The rows are marked only
        after every publish is confirmed, and written only then: on SQLite, a write at the start would keep
        the service's other writers waiting while the batch is published."""
        async with self.database.sessionmaker() as session, session.begin():
            rows = (await session.execute(self._unpublished)).all()
            if rows:
                await self.transport.publish_all(
                    [Outgoing(row.event_type, row.body.encode(), row.event_id) for row in rows])
                await session.execute(self._mark_published,
                                      {"ids": [row.id for row in rows], "published_at": datetime.now(UTC)})
        return len(rows)

    async def pending(self) -> int:
        outbox = self.tables.outbox
        async with self.database.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        return int(count or 0)
