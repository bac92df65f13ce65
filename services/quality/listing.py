"""Keyset pages over (created_at, id) for the service's lists (API.md: `{"items", "next_cursor"}`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import Unprocessable
from shared.pagination import PageRequest, next_cursor


class Listed(Protocol):
    id: Any
    created_at: Any


R = TypeVar("R", bound=Listed)


def _after(cursor: Sequence[Any]) -> tuple[datetime, uuid.UUID]:
    try:
        return datetime.fromisoformat(str(cursor[0])), uuid.UUID(str(cursor[1]))
    except (ValueError, IndexError):
        raise Unprocessable("The cursor is not one this API gave out.") from None


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
        at, last = _after(page.cursor)
        query = query.where(or_(created_at > at, and_(created_at == at, id_column > last)))
    rows = list(await session.scalars(query.order_by(created_at, id_column).limit(page.limit + 1)))
    return rows[: page.limit], next_cursor(rows, page.limit, lambda row: (row.created_at.isoformat(), row.id))
