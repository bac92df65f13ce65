"""The registry's command line, against the service's own database.

    python -m services.providers.cli import FILE [--format json|csv] [--batch-rows N]
    python -m services.providers.cli sync --since 2026-11-01T00:00:00Z [--until TIMESTAMP]

`import` (CQC location documents, the CQC care directory or the Care Inspectorate datastore) reads
the file in chunks (a progress bar shows how much) and imports exactly as `POST /api/v1/providers/import`
does (batches committed, every change audited with the actor `cli`, events written to the outbox for
the running service to relay). `sync` reads the CQC change feed
between the two moments (`--until` defaults to now) with `PROVIDERS_CQC_API_KEY` and imports each
changed location the same way (actor `cqc-sync`), then records how far it synced for the periodic job.
Both print the report as JSON; a failure prints one line to stderr and exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from services.providers.cqcsync.client import CqcClient, CqcUnavailable
from services.providers.cqcsync.service import cqc_api, sync_window
from services.providers.imports.records import import_records
from services.providers.imports.service import ImportReport, import_locations
from services.providers.models import INFRA
from services.providers.settings import ProvidersSettings
from shared.auth import Principal, Role
from shared.clock import SystemClock
from shared.db import Database
from shared.imports import ImportFormat, add_import_command, file_format

CHUNK_BYTES = 256 * 1024
CLI_ACTOR = Principal(subject="cli", kind="user", name="registry import CLI", roles=frozenset({Role.COMMISSIONER}))


class CliError(Exception):
    """A failure worth one line to the operator, not a traceback."""


def _database(settings: ProvidersSettings) -> Database:
    return Database(settings.resolved_database_url(), schema="providers", session_info=INFRA.session_info("providers"))


async def _chunks(path: Path, progress: tqdm) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            progress.update(len(chunk))
            yield chunk


async def run_import(path: Path, *, size: int, form: ImportFormat, settings: ProvidersSettings,
                     batch_rows: int | None = None) -> ImportReport:
    database = _database(settings)
    try:
        with tqdm(total=size, unit="B", unit_scale=True, desc=path.name, file=sys.stderr) as bar:
            records = import_records(_chunks(path, bar), form=form, max_json_bytes=settings.import_max_json_bytes)
            return await import_locations(database, records, actor=CLI_ACTOR, clock=SystemClock(),
                                          batch_rows=batch_rows or settings.import_batch_rows)
    finally:
        await database.dispose()


async def run_sync(*, since: datetime, until: datetime | None, settings: ProvidersSettings) -> ImportReport:
    api = cqc_api(settings)
    if api is None:
        raise CliError("PROVIDERS_CQC_API_KEY is not set")
    clock = SystemClock()
    until = until or clock.now()
    if since >= until:
        raise CliError("--since must be before --until")
    database = _database(settings)
    try:
        async with CqcClient(api) as client:
            return await sync_window(database, client, start=since, end=until, clock=clock,
                                     batch_rows=settings.import_batch_rows)
    except CqcUnavailable as exc:
        raise CliError(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise CliError(f"the registry's database cannot be used ({type(exc).__name__})") from None
    finally:
        await database.dispose()


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {text}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.providers.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add_import_command(commands, command="import", batch_of="rows",
                       about="import CQC location documents (JSON), the CQC care directory or the Care "
                             "Inspectorate datastore (CSV)")
    syncing = commands.add_parser("sync", help="import the locations the CQC API lists as changed")
    syncing.add_argument("--since", type=_moment, required=True, help="start of the window (ISO 8601, UTC if no zone)")
    syncing.add_argument("--until", type=_moment, default=None, help="end of the window (default: now)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _command_line().parse_args(argv)
    settings = ProvidersSettings()
    try:
        if args.command == "sync":
            report = asyncio.run(run_sync(since=args.since, until=args.until, settings=settings))
        else:
            report = asyncio.run(run_import(args.file, size=args.file.stat().st_size,
                                            form=file_format(args.file, args.format), settings=settings,
                                            batch_rows=args.batch_rows))
    except CliError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
