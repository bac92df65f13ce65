"""Keyset pages over (created_at, id) for the service's lists (API.md: `{"items", "next_cursor"}`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.pagination import PageRequest, keyset_after, next_cursor, read_cursor


class Listed(Protocol):
    id: Any
    created_at: Any


R = TypeVar("R", bound=Listed)


async def keyset_page(
    session: AsyncSession,
    query: Select[R],
    *,
    created_at: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[uuid.UUID],
    page: PageRequest,
) -> tuple[list[R], str | None]:
    """Oldest first; a client passing `next_cursor` back never sees a row twice."""
    if page.cursor is not None:
        query = query.where(keyset_after((created_at, id_column), read_cursor(page.cursor, datetime.fromisoformat)))
    rows = list(await session.scalars(query.order_by(created_at, id_column).limit(page.limit + 1)))
    return rows[: page.limit], next_cursor(rows, page.limit, lambda row: (row.created_at.isoformat(), row.id))
