"""Ending embargoes by date without anyone acting: one pass (`sweep_once`, what tests call) and the
background loop every replica runs (`embargo_sweeper`), interval `PROVIDERS_EMBARGO_SWEEP_SECONDS`."""

import contextlib
from collections.abc import Callable

from services.providers.registry.service import end_due_embargoes
from shared.clock import Clock
from shared.db import Database
from shared.periodic import PeriodicJob, running

BATCH = 100


async def sweep_once(database: Database, *, clock: Clock) -> int:
    """Ends every embargo whose end date is before the clock's today; returns how many, each committed
    with its `providers.embargo.ended.v1` event, a batch per transaction."""
    total = 0
    while True:
        async with database.sessionmaker() as session, session.begin():
            ended = await end_due_embargoes(session, now=clock.now(), limit=BATCH)
        total += ended
        if ended < BATCH:
            return total


def embargo_sweeper(database: Database, *, interval: float, clock: Clock, on_ended: Callable[[], None]
                    ) -> contextlib.AbstractAsyncContextManager[None]:
    """Runs the sweep every `interval` seconds while the app runs; `on_ended` wakes the outbox relay."""
    async def sweep_and_wake() -> None:
        if await sweep_once(database, clock=clock):
            on_ended()

    return running(PeriodicJob("embargo sweep", interval, sweep_and_wake))
