"""Reading import bodies as a stream of records, so a 10,000-row file never sits whole in memory.

CSV is decoded and split incrementally: a chunk's text is cut after its last complete record (a line
break outside quotes, so quoted fields may hold line breaks) and the rest waits for the next chunk.
JSON is read whole up to a limit (a CQC location document is a few kilobytes; an array of 10,000 fits
easily) and then walked one document at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from services.providers.imports.careinspectorate import CS_NUMBER
from services.providers.imports.cqc import LOCATION_ID

HEADER_MARKS = (LOCATION_ID, CS_NUMBER)


class UnreadableBody(ValueError):
    pass


def split_complete_records(text: str) -> tuple[str, str]:
    """(complete records, the unfinished rest): cut after the last line break not inside quotes."""
    quotes = text.count('"')
    cut = text.rfind("\n")
    while cut >= 0:
        if (quotes - text.count('"', cut)) % 2 == 0:
            return text[: cut + 1], text[cut + 1:]
        cut = text.rfind("\n", 0, cut)
    return "", text


class CsvDecoder:
    """UTF-8 (a byte order mark dropped); or Windows-1252 when the body proves not to be UTF-8 before
    any non-ASCII text was read, as the Care Inspectorate publishes its datastore. A body that has
    shown UTF-8 text and then breaks is unreadable, not re-read as another encoding."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self._fallback: codecs.IncrementalDecoder | None = None
        self._seen_utf8 = False

    def decode(self, chunk: bytes, *, final: bool = False) -> str:
        if self._fallback is not None:
            return self._fallback.decode(chunk, final)
        held = self._utf8.getstate()[0]
        self._seen_utf8 = self._seen_utf8 or (held + chunk).startswith(codecs.BOM_UTF8)
        try:
            text = self._utf8.decode(chunk, final)
        except UnicodeDecodeError:
            if self._seen_utf8:
                raise
            self._fallback = codecs.getincrementaldecoder("cp1252")()
            return self._fallback.decode(held + chunk, final)
        self._seen_utf8 = self._seen_utf8 or not text.isascii()
        return text


async def csv_records(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Every non-empty CSV record of a UTF-8 (or Windows-1252) body."""
    decoder = CsvDecoder()
    pending = ""
    try:
        async for chunk in chunks:
            complete, pending = split_complete_records(pending + decoder.decode(chunk))
            for record in csv.reader(io.StringIO(complete)):
                if any(cell.strip() for cell in record):
                    yield record
        for record in csv.reader(io.StringIO(pending + decoder.decode(b"", final=True))):
            if any(cell.strip() for cell in record):
                yield record
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableBody(f"the CSV cannot be read: {exc}") from None


async def directory_rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, str]]:
    """Rows of the CQC care directory or the Care Inspectorate datastore as {header: value}; lines
    before the header row (the directory's title lines) are skipped."""
    header: list[str] | None = None
    async for record in csv_records(chunks):
        if header is None:
            if any(cell.strip() in HEADER_MARKS for cell in record):
                header = [cell.strip() for cell in record]
            continue
        yield dict(zip(header, (cell.strip() for cell in record), strict=False))
    if header is None:
        raise UnreadableBody(f"no header row naming {LOCATION_ID!r} (CQC) or {CS_NUMBER!r} (Care Inspectorate)")


def location_documents(body: bytes) -> Iterator[Any]:
    """One CQC location document or an array of them."""
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableBody(f"the JSON cannot be read: {exc}") from None
    if isinstance(parsed, dict):
        yield parsed
    elif isinstance(parsed, list):
        yield from parsed
    else:
        raise UnreadableBody("expected a location document or an array of them")
