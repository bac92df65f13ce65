"""The registry's command line: the bulk import against the service's own database.

    python -m services.providers.cli import FILE [--format json|csv] [--batch-rows N]

It reads the file in chunks (a progress bar shows how much), imports exactly as
`POST /api/v1/providers/import` does (batches committed, every change audited with the actor `cli`,
events written to the outbox for the running service to relay) and prints the report as JSON.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from tqdm import tqdm

from services.providers.imports.records import import_records
from services.providers.imports.service import ImportReport, import_locations
from services.providers.models import INFRA
from services.providers.settings import ProvidersSettings
from shared.auth import Principal, Role
from shared.clock import SystemClock
from shared.db import Database
from shared.imports import ImportFormat, file_format, import_command_line

CHUNK_BYTES = 256 * 1024
CLI_ACTOR = Principal(subject="cli", kind="user", name="registry import CLI", roles=frozenset({Role.COMMISSIONER}))


async def _chunks(path: Path, progress: tqdm) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            progress.update(len(chunk))
            yield chunk


async def run_import(path: Path, *, size: int, form: ImportFormat, settings: ProvidersSettings,
                     batch_rows: int | None = None) -> ImportReport:
    database = Database(settings.resolved_database_url(), schema="providers",
                        session_info=INFRA.session_info("providers"))
    try:
        with tqdm(total=size, unit="B", unit_scale=True, desc=path.name, file=sys.stderr) as bar:
            records = import_records(_chunks(path, bar), form=form, max_json_bytes=settings.import_max_json_bytes)
            return await import_locations(database, records, actor=CLI_ACTOR, clock=SystemClock(),
                                          batch_rows=batch_rows or settings.import_batch_rows)
    finally:
        await database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = import_command_line(prog="python -m services.providers.cli", description=__doc__, command="import",
                               about="import CQC location documents (JSON) or the care directory (CSV)",
                               batch_of="rows").parse_args(argv)
    report = asyncio.run(run_import(args.file, size=args.file.stat().st_size, form=file_format(args.file, args.format),
                                    settings=ProvidersSettings(), batch_rows=args.batch_rows))
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
