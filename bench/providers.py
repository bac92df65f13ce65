"""The registry's bulk import: rows per second for a 10,000-row CQC care directory CSV, first import
(every row a new provider, with its audit entry and event) and re-import (every row matched, unchanged),
on the embedded default's SQLite, and on PostgreSQL too when `BENCH_DATABASE_URL` names an empty database.

    python -m bench providers
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bench import Result
from services.catalog import CATALOG
from services.providers.imports.cqc import LOCATION_ID, PROVIDER_ID
from services.providers.imports.records import import_records
from services.providers.imports.service import import_locations
from services.providers.models import INFRA
from shared import migrations
from shared.clock import SystemClock
from shared.db import Database
from shared.imports import ImportFormat

ROWS = 10_000
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


async def _timed_import(database: Database, body: bytes) -> float:
    started = time.perf_counter()
    report = await import_locations(database, import_records(_chunks(body), form=ImportFormat.CSV,
                                                             max_json_bytes=len(body)),
                                    actor=None, clock=SystemClock(), batch_rows=BATCH_ROWS)
    elapsed = time.perf_counter() - started
    if report.created + report.updated != ROWS or report.rejected:
        raise RuntimeError(f"the benchmark import went wrong: {report.model_dump()}")
    return elapsed


async def _measure(url: str) -> dict[str, float]:
    await asyncio.to_thread(migrations.upgrade, service="providers", migrations_dir=CATALOG["providers"].migrations_dir,
                            url=url)
    database = Database(url, schema="providers", session_info=INFRA.session_info("providers"))
    body = directory_csv(ROWS)
    try:
        first = await _timed_import(database, body)
        again = await _timed_import(database, body)
    finally:
        await database.dispose()
    return {"rows": ROWS, "import_rows_per_second": ROWS / first, "reimport_rows_per_second": ROWS / again,
            "import_seconds": first}


def run() -> list[Result]:
    units = {"import_rows_per_second": " rows/s", "reimport_rows_per_second": " rows/s", "import_seconds": " s"}
    folder = Path(tempfile.mkdtemp(prefix="bench-providers-"))
    results = [Result("import 10k CSV rows (SQLite)", asyncio.run(_measure(f"sqlite+aiosqlite:///{folder}/p.db")),
                      units, notes=f"batches of {BATCH_ROWS}, one audit entry and one event per provider")]
    if url := os.environ.get("BENCH_DATABASE_URL"):
        results.append(Result("import 10k CSV rows (PostgreSQL)", asyncio.run(_measure(url)), units))
    return results
