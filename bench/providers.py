"""Figure 7, the registry's bulk import: rows per second for a CQC care directory CSV on PostgreSQL, first
import (every row a new provider, with its audit entry and event) and re-import (every row matched and
unchanged). Floors, in the same database: COPY of the same parsed rows into a bare table of the
provider's columns (the fastest way to land them), and one SELECT reading them back by location id (the
least a re-import does). No goal is set for this figure yet.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator

import asyncpg

from bench import Figure, Scale
from bench.infra import asyncpg_dsn, temporary_database
from services.catalog import CATALOG
from services.providers.imports.cqc import LOCATION_ID, PROVIDER_ID
from services.providers.imports.records import import_records
from services.providers.imports.service import import_locations
from services.providers.models import INFRA
from shared import migrations
from shared.clock import SystemClock
from shared.db import Database
from shared.imports import ImportFormat

BATCH_ROWS = 500


def directory_csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Postcode", "Service types", "Specialisms/services", "Provider name",
                     "Local authority", LOCATION_ID, PROVIDER_ID])
    for n in range(1, rows + 1):
        writer.writerow([f"Care Agency {n:05d}", "LE15 6AA", "Homecare agencies",
                         "Dementia|Caring for adults over 65 yrs", f"Care Group {n // 10}", "Rutland",
                         f"1-{n:09d}", f"1-{n // 10:09d}"])
    return buffer.getvalue().encode()


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


async def _timed_import(database: Database, body: bytes, rows: int) -> float:
    started = time.perf_counter()
    report = await import_locations(database, import_records(_chunks(body), form=ImportFormat.CSV,
                                                             max_json_bytes=len(body)),
                                    actor=None, clock=SystemClock(), batch_rows=BATCH_ROWS)
    elapsed = time.perf_counter() - started
    if report.created + report.updated != rows or report.rejected:
        raise RuntimeError(f"the benchmark import went wrong: {report.model_dump()}")
    return elapsed


async def _imports(url: str, body: bytes, rows: int) -> tuple[float, float]:
    await asyncio.to_thread(migrations.upgrade, service="providers", migrations_dir=CATALOG["providers"].migrations_dir,
                            url=url)
    database = Database(url, schema="providers", session_info=INFRA.session_info("providers"))
    try:
        return await _timed_import(database, body, rows), await _timed_import(database, body, rows)
    finally:
        await database.dispose()


async def _floors(url: str, body: bytes) -> tuple[float, float]:
    records = [(row[LOCATION_ID], row[PROVIDER_ID], row["Name"], row["Postcode"], row["Local authority"],
                row["Specialisms/services"]) for row in csv.DictReader(io.StringIO(body.decode()))]
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("CREATE TABLE floor_providers (location_id text PRIMARY KEY, provider_id text, "
                                 "name text, postcode text, local_authority text, specialisms text)")
        started = time.perf_counter()
        await connection.copy_records_to_table("floor_providers", records=records)
        copied = time.perf_counter() - started
        started = time.perf_counter()
        found = await connection.fetch("SELECT * FROM floor_providers WHERE location_id = ANY($1)",
                                       [record[0] for record in records])
        read = time.perf_counter() - started
    finally:
        await connection.close()
    if len(found) != len(records):
        raise RuntimeError("the import floor lost rows")
    return copied, read


async def _figures(rows: int) -> list[Figure]:
    body = directory_csv(rows)
    async with temporary_database("registry_import") as url:
        first, again = await _imports(url, body, rows)
        copy_seconds, select_seconds = await _floors(url, body)
    detail = {"rows": rows, "batch_rows": BATCH_ROWS, "import_seconds": first, "reimport_seconds": again,
              "writes_per_row": "a provider, an audit entry and an event (first import); nothing (re-import)"}
    return [
        Figure(name=f"registry import: CQC CSV rows per second, first import ({rows} rows, PostgreSQL); "
                    "floor: COPY of the rows", value=rows / first, unit="rows/s", floor=rows / copy_seconds,
               detail=detail),
        Figure(name=f"registry import: CQC CSV rows per second, re-import, unchanged ({rows} rows, PostgreSQL); "
                    "floor: one SELECT of the rows", value=rows / again, unit="rows/s", floor=rows / select_seconds,
               detail=detail),
    ]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale.import_rows))
