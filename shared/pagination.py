"""Cursor pagination for every list: `{"items": [...], "next_cursor": "..." | null}`.

Cursors are opaque (URL-safe base64 of the sort key of the last item), so a list stays stable while
rows are added: a client passing `next_cursor` back never sees an item twice or misses one that
existed when it started.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

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
