"""Every service's migrations run from empty on SQLite and PostgreSQL and match its models."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
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
