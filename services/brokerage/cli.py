"""Brokerage's command line: the placements import against the service's own database.

    python -m services.brokerage.cli import-placements FILE [--format json|csv] [--batch-rows N]

It reads the file as it goes (a progress bar shows how much), imports exactly as
`POST /api/v1/referrals/import` does but with no limit on the number of placements (batches committed,
every change audited with the actor `cli`, events written to the outbox for the running service to
relay) and prints the report as JSON. A CSV file is streamed, whatever its size; a JSON file is read
whole, up to BROKERAGE_IMPORT_MAX_DOCUMENT_BYTES.
"""

from __future__ import annotations

import asyncio
import codecs
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from services.brokerage.imports.reading import RawPlacement, csv_placements, json_placements, utf8_text
from services.brokerage.imports.schemas import PlacementsReport
from services.brokerage.imports.service import import_placements
from services.brokerage.models import INFRA
from services.brokerage.settings import BrokerageSettings
from shared.auth import Principal, Role
from shared.clock import SystemClock
from shared.db import Database
from shared.imports import ImportFormat, UnreadableImport, file_format, import_command_line

CLI_ACTOR = Principal(subject="cli", kind="user", name="placements import CLI", roles=frozenset({Role.BROKER}))


class FileTooLarge(ValueError):
    pass


def _lines(handle: BinaryIO, progress: tqdm) -> Iterator[str]:
    """The file's lines as text, one at a time (UTF-8 never has a line feed inside a character)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    for line in handle:
        progress.update(len(line))
        yield decoder.decode(line)


def _placements(handle: BinaryIO, *, form: ImportFormat, progress: tqdm, max_json_bytes: int) -> Iterable[RawPlacement]:
    if form is ImportFormat.CSV:
        return csv_placements(_lines(handle, progress))
    body = handle.read(max_json_bytes + 1)
    if len(body) > max_json_bytes:
        raise FileTooLarge(f"a JSON file is read whole, up to {max_json_bytes} bytes: give this one as CSV")
    progress.update(len(body))
    return json_placements(utf8_text(body))


@contextmanager
def reading(path: Path, *, form: ImportFormat, settings: BrokerageSettings) -> Iterator[Iterable[RawPlacement]]:
    """The file's placements, read as they are imported, with a progress bar on stderr."""
    with path.open("rb") as handle, tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name,
                                         file=sys.stderr) as bar:
        yield _placements(handle, form=form, progress=bar, max_json_bytes=settings.import_max_document_bytes)


async def run_import(placements: Iterable[RawPlacement], *, settings: BrokerageSettings,
                     batch_rows: int | None = None) -> PlacementsReport:
    database = Database(settings.resolved_database_url(), schema="brokerage",
                        session_info=INFRA.session_info("brokerage"))
    now = SystemClock().now()
    try:
        return await import_placements(database, placements, actor=CLI_ACTOR, now=now,
                                       start_window=settings.import_start_window(now.date()),
                                       batch_rows=batch_rows or settings.import_batch_rows)
    finally:
        await database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = import_command_line(prog="python -m services.brokerage.cli", description=__doc__,
                                 command="import-placements", batch_of="placements",
                                 about='placements already made: JSON {"placements": [...]} or CSV (docs/brokerage.md)')
    args = parser.parse_args(argv)
    if args.batch_rows is not None and args.batch_rows < 1:
        parser.error("--batch-rows must be at least 1")
    settings = BrokerageSettings()
    try:
        with reading(args.file, form=file_format(args.file, args.format), settings=settings) as placements:
            report = asyncio.run(run_import(placements, settings=settings, batch_rows=args.batch_rows))
    except FileTooLarge as exc:
        parser.error(str(exc))
    except UnreadableImport as exc:
        parser.error(f"{args.file} cannot be imported: {exc.detail}")
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
