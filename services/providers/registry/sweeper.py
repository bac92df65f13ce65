"""Ending embargoes by date without anyone acting: one pass (`sweep_once`, what tests call) and the
background loop every replica runs (`embargo_sweeper`), interval `PROVIDERS_EMBARGO_SWEEP_SECONDS`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date

from services.providers.registry.service import end_due_embargoes, today
from shared.db import Database

logger = logging.getLogger(__name__)
BATCH = 100


async def sweep_once(database: Database, *, on: date | None = None) -> int:
    """Ends every embargo whose end date is before `on` (today by default); returns how many, each
    committed with its `providers.embargo.ended.v1` event, a batch per transaction."""
    total = 0
    while True:
        async with database.sessionmaker() as session, session.begin():
            ended = await end_due_embargoes(session, on=on or today(), is_postgres=database.is_postgres, limit=BATCH)
        total += ended
        if ended < BATCH:
            return total


async def _loop(database: Database, interval: float, on_ended: Callable[[], None]) -> None:
    while True:
        try:
            if await sweep_once(database):
                on_ended()
        except Exception:  # the database may be away for a moment: try again next interval
            logger.exception("embargo sweep failed")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def embargo_sweeper(
    database: Database, *, interval: float, on_ended: Callable[[], None]
) -> AsyncIterator[None]:
    """Runs the sweep every `interval` seconds while the app runs; `on_ended` wakes the outbox relay."""
    task = asyncio.create_task(_loop(database, interval, on_ended), name="embargo-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
