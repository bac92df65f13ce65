"""One sync of the CQC change feed, and the periodic job that runs it from where the last one ended.

The window's changed locations are read one by one and imported through `import_locations` (batches,
row report, audit, events) with the `cqc-sync` actor. A location gone from the register (404) is
reported as skipped. A re-registered location with no rating of its own takes its predecessor's.
A sync that fails part way keeps the batches it committed and does not move `synced_to`: the next
run reads the window again, which changes nothing already imported (imports are idempotent).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

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
from shared.db import Database
from shared.periodic import PeriodicJob, running

logger = logging.getLogger(__name__)
FEED = "cqc_locations"
FIRST_WINDOW = timedelta(days=1)
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
        state = await session.get(SyncState, FEED, with_for_update=True)
        if state is None:
            session.add(SyncState(feed=FEED, synced_to=end))
        elif state.synced_to < end:
            state.synced_to = end
    return report


async def synced_to(database: Database) -> datetime | None:
    async with database.sessionmaker() as session:
        state = await session.get(SyncState, FEED)
        return state.synced_to if state else None


async def sync_since_last(database: Database, client: CqcClient, *, clock: Clock, batch_rows: int,
                          on_batch: Callable[[int], None] = lambda _rows: None) -> ImportReport:
    """From where the last sync ended (the last day on a first run: the bulk import brings the rest)."""
    end = clock.now()
    start = await synced_to(database) or end - FIRST_WINDOW
    return await sync_window(database, client, start=start, end=end, clock=clock, batch_rows=batch_rows,
                             on_batch=on_batch)


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
        logger.info("CQC sync: %d created, %d updated, %d rejected, %d skipped", report.created, report.updated,
                    len(report.rejected), len(report.skipped))

    return running(PeriodicJob("CQC sync", settings.cqc_sync_seconds, sync))
