"""What the benchmarks stand on: a temporary PostgreSQL database and RabbitMQ virtual host of their own
(created and removed by each run), and the machine's description for results.json.

PostgreSQL is `BENCH_PG_HOST`/`BENCH_PG_PORT`/`BENCH_PG_USER` (127.0.0.1:5432, postgres, trust), RabbitMQ
`BENCH_RABBIT_HOST` (127.0.0.1:5672, guest/guest) with `rabbitmqctl` on this machine for the vhost.
"""

from __future__ import annotations

import os
import platform
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiormq
import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
RABBIT_HOST = os.environ.get("BENCH_RABBIT_HOST", "127.0.0.1:5672")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _database_name(prefix: str) -> str:
    return f"bench_{prefix}_{uuid.uuid4().hex[:8]}"


def _database_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@asynccontextmanager
async def temporary_database(prefix: str) -> AsyncIterator[str]:
    """An empty database for one benchmark; yields its SQLAlchemy URL and drops it afterwards."""
    name = _database_name(prefix)
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def temporary_databases(prefix: str, suffixes: Iterable[str]) -> AsyncIterator[str]:
    """The URL of a database not made here, for a suite that makes one per service beside it
    (`<name>_<suffix>`, as `make run-distributed` does); drops every one of them afterwards."""
    name = _database_name(prefix)
    try:
        yield _database_url(name)
    finally:
        for suffix in suffixes:
            await _admin(f'DROP DATABASE IF EXISTS "{name}_{suffix}" WITH (FORCE)')


def asyncpg_dsn(url: str) -> str:
    """The plain DSN asyncpg takes for one of our SQLAlchemy URLs."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def keys_made_after(session: AsyncSession, table: str) -> AsyncIterator[None]:
    """For loading millions of rows into `table` in the session's transaction: its indexes, keys and
    foreign keys (and other tables' foreign keys to it) are dropped first and made again afterwards, each in
    one pass over the rows, not kept up to date row by row. The definitions are read back from PostgreSQL's
    catalogue, so the table ends as its migrations made it."""
    constraints = (await session.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE (conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u', 'f'))"
        " OR confrelid = CAST(:table AS regclass) ORDER BY contype = 'f', conname"), {"table": table})).all()
    indexes = (await session.execute(text(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = CAST(:table AS regclass)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)"), {"table": table})).all()
    for owner, name, _ in reversed(constraints):  # the foreign keys before the keys they refer to
        await session.execute(text(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        await session.execute(text(f"DROP INDEX {name}"))
    yield
    for _, definition in indexes:
        await session.execute(text(definition))
    for owner, name, definition in constraints:
        await session.execute(text(f'ALTER TABLE {owner} ADD CONSTRAINT "{name}" {definition}'))


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=120, check=True)


@asynccontextmanager
async def temporary_vhost(prefix: str) -> AsyncIterator[str]:
    """A virtual host of our own on the shared broker (never the broker itself); yields its AMQP URL."""
    vhost = f"bench_{prefix}_{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@{RABBIT_HOST}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def process_stat(stat: Path) -> tuple[str, list[str]]:
    """A `/proc/<pid>/stat` read: the command's name and the fields after it (utime and stime at 11 and 12,
    the waited-for children's at 13 and 14, in clock ticks)."""
    text = stat.read_text()
    return text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()


def cpu_seconds_of(command: str) -> float:
    """CPU time (user and system) used so far by every process named `command` (`postgres`, `beam.smp`),
    with that of their exited children: PostgreSQL's backends come and go with their connections."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = process_stat(stat)
        except OSError:  # the process ended while we looked
            continue
        if name == command:
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1, 5 and 15 minute load averages: figures taken on a busy machine are noisy, so each run says."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def machine() -> dict[str, Any]:
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        postgresql = str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
    broker = await aiormq.connect(f"amqp://guest:guest@{RABBIT_HOST}/")
    try:
        rabbitmq = broker.server_properties.get("version", "?")
    finally:
        await broker.close()
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": postgresql,
        "rabbitmq": rabbitmq.decode() if isinstance(rabbitmq, bytes) else str(rabbitmq),
    }
