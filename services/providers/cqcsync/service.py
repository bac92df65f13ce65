"""One sync of the CQC change feed, and the periodic job that runs it from where the last one ended.

The window's changed locations are read one by one and imported through `import_locations` (batches,
row report, audit, events) with the `cqc-sync` actor. A location gone from the register (404) is
reported as skipped. A re-registered location with no rating of its own takes its predecessor's.
A sync that fails part way keeps the batches it committed and does not move `synced_to`: the next
run reads the window again, which changes nothing already imported (imports are idempotent).
Every replica runs the periodic job; one at a time syncs, holding the feed's lease (a conditional
update of its row) for at most `LEASE`, so two never import the same new location at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from services.providers.cqcsync.client import CqcApi, CqcClient
from services.providers.cqcsync.models import SyncState
from services.providers.imports.cqc import (
    RowSkipped,
    inherit_ratings,
    parse_location_document,
    predecessor_to_inherit_from,
)
from services.providers.imports.records import read_record
from services.providers.imports.service import ImportRecord, ImportReport, import_locations
from services.providers.settings import ProvidersSettings
from shared.auth import Principal, Role
from shared.clock import Clock
from shared.db import Database, insert_missing
from shared.periodic import PeriodicJob, running

logger = logging.getLogger(__name__)
FEED = "cqc_locations"
FIRST_WINDOW = timedelta(days=1)
LEASE = timedelta(minutes=30)
SYNC_ACTOR = Principal(subject="cqc-sync", kind="user", name="CQC sync", roles=frozenset({Role.COMMISSIONER}))


def cqc_api(settings: ProvidersSettings) -> CqcApi | None:
    """The API as configured, or None without a key."""
    if settings.cqc_api_key is None or not settings.cqc_api_key.get_secret_value():
        return None
    return CqcApi(base_url=settings.cqc_api_url, api_key=settings.cqc_api_key.get_secret_value(),
                  max_retries=settings.cqc_max_retries, max_retry_seconds=settings.cqc_max_retry_seconds)


async def changed_records(client: CqcClient, start: datetime, end: datetime) -> AsyncIterator[ImportRecord]:
    """Each changed location as an import record, numbered from 1 in the feed's order."""
    row = 0
    async for location_id in client.changed_location_ids(start, end):
        row += 1
        document = await client.location(location_id)
        if document is None:
            yield row, RowSkipped("no longer at the CQC (404)"), location_id
            continue
        predecessor = predecessor_to_inherit_from(document)
        if predecessor is not None:
            document = inherit_ratings(document, await client.location(predecessor))
        yield read_record(row, document, parse_location_document)


async def sync_window(database: Database, client: CqcClient, *, start: datetime, end: datetime, clock: Clock,
                      batch_rows: int, on_batch: Callable[[int], None] = lambda _rows: None) -> ImportReport:
    """Imports every location changed between `start` and `end`, then records `end` as synced (when
    later than what was)."""
    report = await import_locations(database, changed_records(client, start, end), actor=SYNC_ACTOR,
                                    clock=clock, batch_rows=batch_rows, on_batch=on_batch)
    async with database.sessionmaker() as session, session.begin():
        await insert_missing(session, SyncState, {"feed": FEED}, keys=["feed"])
        behind = or_(SyncState.synced_to.is_(None), SyncState.synced_to < end)
        await session.execute(update(SyncState).where(SyncState.feed == FEED, behind).values(synced_to=end))
    return report


async def take_lease(database: Database, *, now: datetime) -> bool:
    """Whether this replica may sync now: no other holds the feed (or its lease has run out)."""
    async with database.sessionmaker() as session, session.begin():
        await insert_missing(session, SyncState, {"feed": FEED}, keys=["feed"])
        taken = await session.execute(update(SyncState).where(
            SyncState.feed == FEED, or_(SyncState.leased_until.is_(None), SyncState.leased_until < now))
            .values(leased_until=now + LEASE))
    return bool(getattr(taken, "rowcount", 0))


async def release_lease(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        await session.execute(update(SyncState).where(SyncState.feed == FEED).values(leased_until=None))


async def synced_to(database: Database) -> datetime | None:
    async with database.sessionmaker() as session:
        state = await session.get(SyncState, FEED)
        return state.synced_to if state else None


async def sync_since_last(database: Database, client: CqcClient, *, clock: Clock, batch_rows: int,
                          on_batch: Callable[[int], None] = lambda _rows: None) -> ImportReport | None:
    """From where the last sync ended (the last day on a first run: the bulk import brings the rest);
    None when another replica is syncing."""
    end = clock.now()
    if not await take_lease(database, now=end):
        return None
    try:
        start = await synced_to(database) or end - FIRST_WINDOW
        return await sync_window(database, client, start=start, end=end, clock=clock, batch_rows=batch_rows,
                                 on_batch=on_batch)
    finally:
        await release_lease(database)


def cqc_syncer(database: Database, settings: ProvidersSettings, *, clock: Clock, on_batch: Callable[[int], None]
               ) -> contextlib.AbstractAsyncContextManager[None]:
    """The periodic sync every `PROVIDERS_CQC_SYNC_SECONDS`, running only when a key is set."""
    api = cqc_api(settings)
    if api is None:
        return contextlib.nullcontext()

    async def sync() -> None:
        async with CqcClient(api) as client:
            report = await sync_since_last(database, client, clock=clock, batch_rows=settings.import_batch_rows,
                                           on_batch=on_batch)
        if report is not None:
                logger.info("CQC sync: %d created, %d updated, %d rejected, %d skipped", report.created,
                        report.updated, len(report.rejected), len(report.skipped))

    return running(PeriodicJob("CQC sync", settings.cqc_sync_seconds, sync))
