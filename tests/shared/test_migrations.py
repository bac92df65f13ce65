"""Every service's migrations run from empty on SQLite and PostgreSQL and match its models, the CHECK
constraints that keep closed sets included (Alembic's comparison leaves those out)."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.catalog import CATALOG
from shared import migrations
from tests import infra
from tests.harness import METADATA


async def _differences(url: str, service: str, is_postgres: bool) -> list[object]:
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": service}}
                                 if is_postgres else {})
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), METADATA[service]))
    finally:
        await engine.dispose()


async def _checks(url: str, service: str, is_postgres: bool) -> set[tuple[str, str]]:
    """(table, constraint name) of every CHECK constraint the migrated database has."""
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": service}}
                                 if is_postgres else {})

    def reflected(sync: Any) -> set[tuple[str, str]]:
        inspector = inspect(sync)
        return {(table, str(each["name"])) for table in inspector.get_table_names()
                for each in inspector.get_check_constraints(table)}

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(reflected)
    finally:
        await engine.dispose()


def _model_checks(service: str) -> set[tuple[str, str]]:
    return {(table.name, str(each.name)) for table in METADATA[service].sorted_tables
            for each in table.constraints if isinstance(each, CheckConstraint)}


@pytest.mark.parametrize("service", list(CATALOG))
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_migrations_upgrade_from_empty_and_match_the_models(service: str, database: str) -> None:
    if database == "postgresql":
        url = await infra.create_database()
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / (service + '.db')}"
    entry = CATALOG[service]
    try:
        await asyncio.to_thread(migrations.upgrade, service=service, migrations_dir=entry.migrations_dir, url=url)
        assert await _differences(url, service, database == "postgresql") == []
        assert await _checks(url, service, database == "postgresql") == _model_checks(service)
        await asyncio.to_thread(migrations.downgrade, service=service, migrations_dir=entry.migrations_dir,
                                url=url)
        await asyncio.to_thread(migrations.upgrade, service=service, migrations_dir=entry.migrations_dir, url=url)
        if database == "postgresql":
            engine = create_async_engine(url)
            async with engine.connect() as connection:
                schemas = await connection.scalar(text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"), {"s": service})
            await engine.dispose()
            assert schemas
    finally:
        if database == "postgresql":
            await infra.drop_database(url)


async def test_migrating_to_a_postgresql_database_that_does_not_exist_creates_it() -> None:
    """`DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/homecare make run` on a fresh server."""
    url = f"postgresql+asyncpg://{infra.PG_USER}@{infra.PG_HOST}:{infra.PG_PORT}/fresh_{uuid.uuid4().hex[:12]}"
    try:
        for service in ("gateway", "quality"):  # the second finds the database the first made
            await asyncio.to_thread(migrations.upgrade, service=service, migrations_dir=CATALOG[service].migrations_dir,
                                    url=url)
        assert await _differences(url, "quality", True) == []
    finally:
        await infra.drop_database(url)
