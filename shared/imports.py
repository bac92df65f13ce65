"""What every bulk import shares (the registry's CQC import, brokerage's placements): its two formats,
chosen by Content-Type over HTTP and by the file's name on the command line; a body read whole only up
to a limit; and the problems a body that cannot be imported at all gets (the rows of a readable one are
reported one by one instead)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path

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


def import_command_line(*, prog: str, description: str | None, command: str, about: str,
                        batch_of: str) -> argparse.ArgumentParser:
    """A service's import command line: `prog command FILE [--format json|csv] [--batch-rows N]`, the
    file required to exist, and `batch_of` (rows, placements) committed per transaction."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_import_command(parser.add_subparsers(dest="command", required=True), command=command, about=about,
                       batch_of=batch_of)
    return parser


def add_import_command(commands: argparse._SubParsersAction[argparse.ArgumentParser], *, command: str, about: str,
                       batch_of: str) -> argparse.ArgumentParser:
    """The import command beside a command line's others."""
    importing = commands.add_parser(command, help=about)
    importing.add_argument("file", type=_existing_file)
    importing.add_argument("--format", choices=[form.value for form in ImportFormat],
                           help="default: csv for a .csv file, json otherwise")
    importing.add_argument("--batch-rows", type=int, default=None, help=f"{batch_of} committed per transaction")
    return importing


def _existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {name}")
    return path


def file_format(path: Path, given: str | None) -> ImportFormat:
    """The format named on the command line, else the file's: CSV for a `.csv` file, JSON otherwise."""
    if given:
        return ImportFormat(given)
    return ImportFormat.CSV if path.suffix.lower() == ".csv" else ImportFormat.JSON
