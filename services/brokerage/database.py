"""The brokerage service's own tables: its models, its outbox and inbox, audit log, idempotency keys."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from shared.db import ServiceBase, new_metadata
from shared.infra import infra_tables


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


INFRA = infra_tables(Base.metadata)


class UtcDateTime(TypeDecorator[datetime]):
    """A zoned timestamp that reads back aware on every database (SQLite stores it without its zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
