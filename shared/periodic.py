"""Background work a service runs beside its app: jobs repeated every so many seconds while it runs.

Every replica runs its jobs; each job is written to be safe when several replicas run it at once
(SKIP LOCKED, row locks, idempotent writes). A failing pass is logged (its exception's type only: a
message may hold personal data) and tried again at the next interval, so a database away for a moment
stops nothing for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


async def _repeat(job: PeriodicJob) -> None:
    while True:
        try:
            await job.run()
        except Exception as exc:
            logger.warning("%s pass failed: %s", job.name, type(exc).__name__)
        await asyncio.sleep(job.seconds)


@contextlib.asynccontextmanager
async def running(*jobs: PeriodicJob) -> AsyncIterator[None]:
    """Runs the jobs in the background until the block ends, then stops them."""
    tasks = [asyncio.create_task(_repeat(job), name=job.name) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
