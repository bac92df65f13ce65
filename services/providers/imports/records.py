"""Turning an import body into numbered records for `import_locations` (shared by the API and the CLI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from services.providers.imports.careinspectorate import CS_NUMBER, parse_datastore_row
from services.providers.imports.cqc import (
    ImportedLocation,
    RowRejected,
    location_id_of,
    parse_directory_row,
    parse_location_document,
)
from services.providers.imports.reading import directory_rows, location_documents
from services.providers.imports.service import ImportRecord
from shared.imports import ImportFormat, read_limited

R = TypeVar("R")


async def import_records(
    chunks: AsyncIterator[bytes], *, form: ImportFormat, max_json_bytes: int
) -> AsyncIterator[ImportRecord]:
    if form is ImportFormat.CSV:
        row = 0
        async for record in directory_rows(chunks):
            row += 1
            yield read_record(row, record, parse_datastore_row if CS_NUMBER in record else parse_directory_row)
        return
    body = await read_limited(chunks, limit=max_json_bytes, instead="send CSV or split it")
    for row, document in enumerate(location_documents(body), 1):
        yield read_record(row, document, parse_location_document)


def read_record(row: int, record: R, parse: Callable[[R], ImportedLocation]) -> ImportRecord:
    """The record read, or why not, numbered for the report."""
    try:
        return row, parse(record), None
    except RowRejected as exc:
        return row, exc, location_id_of(record)
