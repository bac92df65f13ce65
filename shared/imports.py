"""What every bulk import over HTTP shares (the registry's CQC import, brokerage's placements): its two
formats, chosen by Content-Type; a body read whole only up to a limit; and the problems a body that
cannot be imported at all gets (the rows of a readable one are reported one by one instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum

from shared.errors import SuiteError, Unprocessable


class ImportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


MEDIA_TYPES = {"application/json": ImportFormat.JSON, "text/csv": ImportFormat.CSV}


class UnsupportedMediaType(SuiteError):
    status = 415
    problem_type = "unsupported-media-type"
    title = "Send application/json or text/csv"


class PayloadTooLarge(SuiteError):
    status = 413
    problem_type = "payload-too-large"
    title = "The body is too large"


class UnreadableImport(Unprocessable):
    """Not a document of the import at all (not JSON, the wrong shape, a CSV without its required
    columns): nothing is imported."""

    problem_type = "unreadable-import"
    title = "The import body cannot be read"


def import_format(content_type: str | None) -> ImportFormat:
    media_type = (content_type or "").split(";")[0].strip().lower()
    form = MEDIA_TYPES.get(media_type)
    if form is None:
        raise UnsupportedMediaType(f"Content-Type {media_type or '(none)'} is not imported.")
    return form


async def read_limited(chunks: AsyncIterator[bytes], *, limit: int, instead: str) -> bytes:
    """The whole body, refused (413) past `limit` bytes with advice on what to do `instead`."""
    body = bytearray()
    async for chunk in chunks:
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes; {instead}")
    return bytes(body)
