"""Async SQLAlchemy engine and sessions for one service's own database, and the few statements that
PostgreSQL and SQLite write differently.

On PostgreSQL every service lives in its own schema (named after the service) of the configured
database, reached through `search_path`; on SQLite every service has its own file. A session is
committed once, at the request or consumer boundary, never inside a use case.

Services never ask which database they are on: where the two differ, they call a helper here
(`partial_index`, `insert_missing`, `insert_new_rows`, `set_local`, `copy_rows`). Row locks are written
as for PostgreSQL (`with_for_update(skip_locked=True)`): SQLite lets one writer in at a time, and
SQLAlchemy leaves the clause out there.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    CrashShutdownError,
    PostgresConnectionError,
)
from fastapi import Depends, Request
from sqlalchemy import CheckConstraint, DateTime, Index, MetaData, String, Table, Update, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class ServiceBase(DeclarativeBase):
    """Abstract root; each service declares `class Base(ServiceBase)` with its own metadata."""

    __abstract__ = True


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows matching `where` only, on both databases."""
    return Index(name, *columns, unique=unique, postgresql_where=text(where), sqlite_where=text(where))


class UtcDateTime(TypeDecorator[datetime]):
    """A zoned timestamp that reads back aware on every database (SQLite keeps no zone): the API answers
    times in ISO 8601 with their zone, whichever database is behind it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A member of a closed set (a `StrEnum`), kept as its text and read back as the member, so code
    compares members, never strings. The column's `one_of` CHECK constraint keeps out anything else."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def one_of(column: str, enum: Iterable[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """`column IN (...the enum's values...)`, named after the column (the naming convention makes it
    `ck_<table>_<column>`); a nullable column may also be NULL. `enum` may also be members of several
    enums, for a column that keeps any of them."""
    allowed = f"{column} IN ({', '.join(repr(str(member)) for member in enum)})"
    return CheckConstraint(f"{column} IS NULL OR {allowed}" if nullable else allowed, name=column)


class Database:
    """One service's engine and session factory."""

    def __init__(self, url: str, *, schema: str, session_info: dict[str, Any] | None = None) -> None:
        self.url = make_url(url)
        self.schema = schema
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        self.engine = self._create_engine()
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, info=dict(session_info or {})
        )

    def _create_engine(self) -> AsyncEngine:
        if self.is_postgres:
            engine = create_async_engine(
                self.url,
                pool_size=10,
                max_overflow=20,
                pool_use_lifo=True,  # the connection used last is taken first: the busy few are never idle
                connect_args={"server_settings": {"search_path": self.schema}},
            )
            for moment in ("connect", "checkin"):
                event.listen(engine.sync_engine.pool, moment, _note_idle_since)
            event.listen(engine.sync_engine.pool, "checkout", _ping_when_idle)
            return engine
        if self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(self.url, connect_args={"timeout": 30}, **_sqlite_pool(self.url.database))
        event.listen(engine.sync_engine, "connect", configure_sqlite)
        return engine

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # readiness reports any failure as "not ready"
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


PING_AFTER_IDLE_SECONDS = 1.0
UNREACHABLE_DATABASE = (ConnectionError, PostgresConnectionError, CannotConnectNowError, AdminShutdownError,
                        CrashShutdownError)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (down, starting, shutting down, the connection
    dropped) rather than that the request or the code is wrong. SQLAlchemy wraps the driver's error, and
    asyncpg's refused connection comes bare, so the whole chain of causes is looked at."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UNREACHABLE_DATABASE) or (isinstance(seen, DBAPIError) and seen.connection_invalidated):
            return True
        seen = seen.orig if isinstance(seen, DBAPIError) and seen.orig is not seen else seen.__cause__
    return False


def _note_idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_when_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
    """Pings a pooled connection only when it has been idle a while (a server restart or an idle
    timeout may have closed it); one in use a moment ago is taken as it is. SQLAlchemy's own pre-ping
    on asyncpg costs three round trips (BEGIN, a query, ROLLBACK) on every checkout, as much again as
    a short read. A dead connection fails the ping and the pool opens a new one in its place."""
    if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError() from exc


def _sqlite_pool(database: str | None) -> dict[str, Any]:
    """A file's connections are pooled: opening one (a thread, the file, four pragmas) cost more than a
    short read's query. The pool keeps 5 open and opens up to 100 more under load, closing those after
    use, so a burst waits on SQLite's own locks as it did unpooled, not on the pool. An in-memory
    database lives only as long as its connection, so it stays unpooled."""
    if not database or database == ":memory:":
        return {"poolclass": NullPool}
    return {"pool_size": 5, "max_overflow": 100}


def configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; busy_timeout makes writers queue instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed once when the route returns, rolled back on error.

    A session that began no transaction has nothing to commit, and one whose transaction has ended holds
    no connection, so only its objects are let go; closing it through SQLAlchemy's shielded task (what
    `async with` does) cost a read 0.15 to 0.25 ms of CPU, a tenth of it in process, 3 to 8% under uvicorn.
    FastAPI already shields this exit from cancellation (a function-scoped dependency's exit runs in a
    shielded scope)."""
    database: Database = request.app.state.db
    session = database.sessionmaker()
    try:
        yield session
        if session.in_transaction():
            await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await _let_go(session)
    if session.info.get("events_written"):
        request.app.state.events.wake_relay()


async def _let_go(session: AsyncSession) -> None:
    if session.in_transaction():
        await session.close()
    else:
        session.expunge_all()


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


M = TypeVar("M", bound=DeclarativeBase)


async def update_one(session: AsyncSession, model: type[M], statement: Update) -> M | None:
    """Runs `statement` (an UPDATE of `model`'s rows meant to match one) and brings the session's object up to
    date from the row it returns: one statement where an update and a read back took two. None when no row
    matched (the caller's condition no longer held)."""
    result = await session.execute(statement.returning(model).execution_options(
        synchronize_session=False, populate_existing=True))
    return result.scalars().first()


def _on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_missing(session: AsyncSession, table: Any, values: Mapping[str, Any], *, keys: Sequence[str]) -> bool:
    """Inserts `values` into `table` (a model or a Table) unless a row with the same `keys` is there
    (`INSERT ... ON CONFLICT DO NOTHING`); returns whether it inserted. Transactions racing to create
    one row both succeed, and only one row is made."""
    dialect_insert = postgresql.insert if _on_postgres(session) else sqlite.insert
    result = await session.execute(dialect_insert(table).values(**values).on_conflict_do_nothing(
        index_elements=list(keys)))
    return bool(getattr(result, "rowcount", 0))


@functools.cache
def _insert_new_rows_statement(dialect_name: str, table: Table, key: str) -> Any:
    """Built once per table, so SQLAlchemy finds it compiled in its cache without walking any values."""
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])


async def insert_new_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str
) -> set[Any]:
    """Inserts, in one statement, those of `rows` whose `key` column has no row yet; returns the keys it
    inserted. A key given twice is inserted once, as its first row."""
    if not rows:
        return set()
    first_of_each: dict[Any, Mapping[str, Any]] = {}
    for row in rows:
        first_of_each.setdefault(row[key], row)
    statement = _insert_new_rows_statement(session.get_bind().dialect.name, table, key)
    return set((await session.scalars(statement, list(first_of_each.values()))).all())


async def set_local(session: AsyncSession, **settings: str) -> None:
    """Server settings for the session's transaction only (PostgreSQL's `set_config(name, value, true)`);
    SQLite has none of them, so there it does nothing."""
    if not settings or not _on_postgres(session):
        return
    calls = ", ".join(f"set_config(:name_{n}, :value_{n}, true)" for n in range(len(settings)))
    parameters: dict[str, str] = {}
    for n, (name, value) in enumerate(settings.items()):
        parameters[f"name_{n}"], parameters[f"value_{n}"] = name, value
    await session.execute(text(f"SELECT {calls}"), parameters)


async def copy_rows(session: AsyncSession, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Writes many rows at once: PostgreSQL's COPY (for the 100,000s of lines of an invoice run, in the
    caller's transaction), one executemany INSERT elsewhere."""
    connection = await session.connection()
    if _on_postgres(session):
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=rows, columns=list(columns))
    elif rows:
        await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
