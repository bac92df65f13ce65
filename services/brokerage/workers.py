"""Background work of brokerage, started with the app and run on its clock: offer expiry, the waiting
list's retry, webhook sending and the retention of people never placed. Each pass is safe with several
replicas and exposed as a function, so tests run a pass directly."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.brokerage.offers.service import expire_due_offers
from services.brokerage.people.service import erase_past_retention
from services.brokerage.referrals.service import retry_waiting_lists
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.sender import deliver_due
from shared.clock import Clock
from shared.db import Database
from shared.periodic import PeriodicJob, running


def background_work(settings: BrokerageSettings) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database: Database = app.state.db
        clock: Clock = app.state.clock
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client, running(
            PeriodicJob("offer expiry", settings.expiry_interval_seconds,
                        lambda: expire_due_offers(database, settings=settings, now=clock.now())),
            PeriodicJob("waiting list", settings.waiting_list_interval_seconds,
                        lambda: retry_waiting_lists(database, settings=settings, now=clock.now())),
            PeriodicJob("webhook delivery", settings.webhook_interval_seconds,
                        lambda: deliver_due(database, settings=settings, client=client, clock=clock)),
            PeriodicJob("retention", settings.retention_check_seconds,
                        lambda: erase_past_retention(database, years=settings.retention_years, today=clock.today())),
        ):
            yield

    return lifespan
