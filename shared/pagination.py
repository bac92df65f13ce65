"""Cursor pagination for every list: `{"items": [...], "next_cursor": "..." | null}`.

Cursors are opaque (URL-safe base64 of the sort key of the last item), so a list stays stable while
rows are added: a client passing `next_cursor` back never sees an item twice or misses one that
existed when it started. Most lists sort by one column and break its ties by id (keyset paging):
`read_cursor` reads such a key back and `keyset_after` selects the rows after it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, or_

from shared.errors import Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 50, 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageRequest(BaseModel):
    cursor: list[Any] | None
    limit: int


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Unprocessable("The cursor is not one this API gave out.") from None
    if not isinstance(key, list):
        raise Unprocessable("The cursor is not one this API gave out.")
    return key


async def page_request(
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(cursor=decode_cursor(cursor) if cursor else None, limit=limit)


PageDep = Annotated[PageRequest, Depends(page_request)]


def next_cursor(rows: list[T], limit: int, key: Any) -> str | None:
    """Given up to `limit + 1` fetched rows, the cursor after the page's last row (or None)."""
    if len(rows) <= limit:
        return None
    return encode_cursor(list(key(rows[limit - 1])))


def read_cursor(key: list[Any], sort_value: Callable[[str], T]) -> tuple[T, uuid.UUID]:
    """A (sort value, id) key this API gave out, read back (`sort_value` parses the first); anything else
    is a 422."""
    try:
        if len(key) != 2:
            raise ValueError("a cursor holds two values")
        return sort_value(str(key[0])), uuid.UUID(str(key[1]))
    except ValueError:
        raise Unprocessable("The cursor is not one this API gave out.") from None


def keyset_after(columns: tuple[Any, Any], key: tuple[Any, Any], *, descending: bool = False) -> ColumnElement[bool]:
    """The rows after `key` in the order of `columns` (a sort column, then the id that breaks its ties),
    ascending or `descending`."""
    (sort, tiebreak), (value, last) = columns, key
    if descending:
        return or_(sort < value, and_(sort == value, tiebreak < last))
    return or_(sort > value, and_(sort == value, tiebreak > last))
