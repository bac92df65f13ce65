"""The migration that keeps each provider's capacity date beside its area's row fills it from the dates the
read model already held, on SQLite and PostgreSQL: an area's snapshot sums the hours placed since a
declaration by that copy, so an empty one would count none after the upgrade."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Integer, String, Uuid, column, insert, select, table

from services.catalog import CATALOG
from shared import migrations
from shared.db import Database, UtcDateTime
from tests import infra

BEFORE = "6c1d0e9a4b25"
DECLARED = datetime(2026, 10, 3, 9, 30, 15, 250000, tzinfo=UTC)
KNOWN_PROVIDERS = table("known_providers", column("id", Uuid()), column("version", Integer()),
                        column("state", JSON()), column("capacity_since", JSON()), column("updated_at", UtcDateTime()))
AREAS_BEFORE = table("provider_areas", column("area", String()), column("provider_id", Uuid()))
PROVIDER_AREAS = table("provider_areas", column("area", String()), column("provider_id", Uuid()),
                       column("capacity_since", UtcDateTime()))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_upgrading_copies_each_areas_capacity_date_to_the_providers_row_in_that_area(database: str) -> None:
    url = (await infra.create_database() if database == "postgresql"
           else f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'brokerage.db'}")
    directory = CATALOG["brokerage"].migrations_dir
    provider = uuid.uuid4()
    brokerage = Database(url, schema="brokerage")
    try:
        await asyncio.to_thread(migrations.upgrade, service="brokerage", migrations_dir=directory, url=url,
                                revision=BEFORE)
        async with brokerage.engine.begin() as connection:
            await connection.execute(insert(KNOWN_PROVIDERS).values(
                id=provider, version=3, state={}, updated_at=DECLARED,
                capacity_since={"OAK": DECLARED.isoformat(), "UPP": DECLARED.isoformat()}))
            await connection.execute(insert(AREAS_BEFORE), [{"area": area, "provider_id": provider}
                                                            for area in ("OAK", "ELM")])
        await asyncio.to_thread(migrations.upgrade, service="brokerage", migrations_dir=directory, url=url)
        async with brokerage.engine.connect() as connection:
            rows = dict((await connection.execute(select(PROVIDER_AREAS.c.area, PROVIDER_AREAS.c.capacity_since)
                                                  .where(PROVIDER_AREAS.c.provider_id == provider))).all())
        assert rows == {"OAK": DECLARED, "ELM": None}
    finally:
        await brokerage.dispose()
        if database == "postgresql":
            await infra.drop_database(url)
