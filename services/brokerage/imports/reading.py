"""Reading an import into numbered placements, as the file has them, for the API and the CLI alike.

JSON is `{"placements": [...]}`, read whole (a request carries at most `import_max_rows`); CSV is read
a line at a time, so the CLI streams a file of any size. Row n is the n-th placement of the file: in
JSON the n-th item of `placements`, in CSV the n-th row after the header (blank lines not counted).
Whatever makes the document as a whole unreadable raises `UnreadableImport`; a row that cannot be read
is a placement with a `problem`, reported as rejected while the others are imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from services.brokerage.imports.domain import REQUIRED_CSV_COLUMNS, RowRejected, placement_from_csv
from services.brokerage.imports.exceptions import TooManyPlacements
from shared.imports import ImportFormat, UnreadableImport

CLI_HINT = "python -m services.brokerage.cli import-placements FILE"


@dataclass(frozen=True, slots=True)
class RawPlacement:
    """One placement as the file gives it (`data`, for the schema to check), or why it cannot be read."""

    row: int
    data: Any
    problem: str | None = None

    @property
    def external_ref(self) -> str | None:
        """The key the row carried, for the report, whatever shape the row had."""
        value = self.data.get("external_ref") if isinstance(self.data, dict) else None
        return str(value)[:100] if value not in (None, "") else None


def utf8_text(document: bytes) -> str:
    """The document as text (a byte order mark is dropped)."""
    try:
        return document.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableImport(f"the document is not UTF-8 text: {exc}") from None


def json_placements(text: str) -> Iterator[RawPlacement]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableImport(f"the JSON cannot be read: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("placements"), list):
        raise UnreadableImport('expected a JSON object {"placements": [...]}')
    for row, item in enumerate(document["placements"], 1):
        yield RawPlacement(row=row, data=item)


def csv_placements(lines: Iterable[str]) -> Iterator[RawPlacement]:
    """`lines` as a text file gives them (line ends kept, so quoted fields may hold line breaks)."""
    records = _csv_records(lines)
    header = next(records, None)
    if header is None:
        raise UnreadableImport("the CSV is empty: it needs a header row")
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    if missing:
        raise UnreadableImport("the CSV lacks the columns: " + ", ".join(missing))
    for row, record in enumerate(records, 1):
        cells = {name: record[index] if index < len(record) else "" for index, name in enumerate(header)}
        try:
            yield RawPlacement(row=row, data=placement_from_csv(cells))
        except RowRejected as exc:
            yield RawPlacement(row=row, data=cells, problem=str(exc))


def _csv_records(lines: Iterable[str]) -> Iterator[list[str]]:
    """Every non-blank record, its cells stripped."""
    try:
        for record in csv.reader(lines):
            cells = [cell.strip() for cell in record]
            if any(cells):
                yield cells
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableImport(f"the CSV cannot be read: {exc}") from None


def document_placements(body: bytes, *, form: ImportFormat, max_rows: int) -> list[RawPlacement]:
    """A request's placements, all read before any is imported: an unreadable document or one with
    more than `max_rows` placements is refused whole and changes nothing."""
    text = utf8_text(body)
    placements = json_placements(text) if form is ImportFormat.JSON else csv_placements(
        io.StringIO(text, newline=""))
    read = list(islice(placements, max_rows + 1))
    if len(read) > max_rows:
        raise TooManyPlacements(f"one request may carry at most {max_rows} placements; split the file, or import "
                                f"it with the command line, which takes any size: {CLI_HINT}")
    return read
