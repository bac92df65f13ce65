"""Read-model rows that concurrent consumers may both try to create (RabbitMQ delivers several events
at once): insert if missing without failing, then lock the row, so the second waits instead of erring."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.database import Base
from shared.db import insert_missing

Row = TypeVar("Row", bound=Base)


async def locked_row(
    session: AsyncSession, model: type[Row], *, key: str | tuple[str, ...], values: dict[str, Any]
) -> Row:
    """The row whose primary key (column `key`, or columns) has its value in `values`, created from `values`
    when missing, locked."""
    keys = (key,) if isinstance(key, str) else key
    await insert_missing(session, model, values, keys=keys)
    row = await session.scalar(
        select(model).where(*(getattr(model, name) == values[name] for name in keys)).with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row
