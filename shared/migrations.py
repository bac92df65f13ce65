"""Alembic, driven from code: each service keeps its own `migrations/` folder and version table.

On PostgreSQL each service's tables and its `alembic_version` live in the schema named after the
service; on SQLite in the service's own file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(*, service: str, migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(*, service: str, migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Brings the service's database to `revision` (blocking: call from a thread inside a loop)."""
    _ensure_sqlite_folder(url)
    _ensure_postgres_database(url)
    command.upgrade(alembic_config(service=service, migrations_dir=migrations_dir, url=url), revision)


def downgrade(*, service: str, migrations_dir: Path, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service=service, migrations_dir=migrations_dir, url=url), revision)


def create_checks(checks: Mapping[str, Mapping[str, str]]) -> None:
    """In a migration: adds each table's CHECK constraints (`{table: {column: condition}}`), each named
    `ck_<table>_<column>` as the naming convention names a model's `one_of`. In batch mode, so SQLite
    (which cannot add a constraint to a table) copies the table with them."""
    for table, conditions in checks.items():
        with op.batch_alter_table(table) as batch_op:
            for column, condition in conditions.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), condition)


def drop_checks(checks: Mapping[str, Mapping[str, str]]) -> None:
    """The downgrade of `create_checks(checks)`."""
    for table, conditions in reversed(list(checks.items())):
        with op.batch_alter_table(table) as batch_op:
            for column in conditions:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _ensure_postgres_database(url: str) -> None:
    """A fresh PostgreSQL server has none of the suite's databases: the one named is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.database:
        asyncio.run(_create_database_if_missing(parsed))


async def _create_database_if_missing(parsed: URL) -> None:
    import asyncpg

    dsn = parsed.set(drivername="postgresql")
    try:
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    except asyncpg.InvalidCatalogNameError:
        server = await asyncpg.connect(dsn.set(database="postgres").render_as_string(hide_password=False))
        try:
            await server.execute('CREATE DATABASE "{}"'.format(str(parsed.database).replace('"', '""')))
        except asyncpg.DuplicateDatabaseError:
            pass  # another service's migration made it a moment ago
        finally:
            await server.close()
        return
    await connection.close()


def run_migrations(metadata: MetaData) -> None:
    """The body of every service's `env.py`."""
    config = context.config
    service: str = config.attributes["service"]
    url = config.get_main_option("sqlalchemy.url") or ""
    is_postgres = make_url(url).get_backend_name() == "postgresql"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True,
                          version_table_schema=service if is_postgres else None)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        if is_postgres:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
            connection.execute(text(f'SET search_path TO "{service}"'))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=service if is_postgres else None,
            render_as_batch=not is_postgres,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())
