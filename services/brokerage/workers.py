"""Background work of brokerage, started with the app: offer expiry and webhook sending. Each pass is
safe with several replicas and exposed as a function, so tests run a pass directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.brokerage.clock import utcnow
from services.brokerage.offers.service import expire_due_offers
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.sender import deliver_due

logger = logging.getLogger(__name__)


async def _every(seconds: float, name: str, work: Callable[[], Awaitable[int]]) -> None:
    while True:
        try:
            await work()
        except Exception as exc:  # the database may be away: log, wait, go on
            logger.warning("%s pass failed: %s", name, type(exc).__name__)
        await asyncio.sleep(seconds)


def background_work(settings: BrokerageSettings) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = app.state.db
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
            tasks = [
                asyncio.create_task(_every(
                    settings.expiry_interval_seconds, "offer expiry",
                    lambda: expire_due_offers(database, settings=settings, now=utcnow())), name="offer-expiry"),
                asyncio.create_task(_every(
                    settings.webhook_interval_seconds, "webhook delivery",
                    lambda: deliver_due(database, settings=settings, client=client)), name="webhook-delivery"),
            ]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    return lifespan
