"""Helpers for the registry's API tests: a commissioner, areas and providers made through the gateway,
and the registry's outbox read straight from its database (what was committed, and nothing else)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.providers.models import INFRA
from shared.db import Database
from tests.harness import Backend, Suite

TODAY = date.today()
LAST_YEAR = TODAY - timedelta(days=365)


@pytest.fixture
async def registry_db(backend: Backend) -> AsyncIterator[Database]:
    database = Database(backend.database_url_of("providers"), schema="providers",
                        session_info=INFRA.session_info("providers"))
    yield database
    await database.dispose()


async def outbox(database: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    """Payloads of the registry's committed events, oldest first (optionally of one type)."""
    table = INFRA.events.outbox
    query = select(table.c.event_type, table.c.body).order_by(table.c.id)
    if event_type is not None:
        query = query.where(table.c.event_type == event_type)
    async with database.sessionmaker() as session:
        rows = (await session.execute(query)).all()
    return [json.loads(row.body)["payload"] | {"_type": row.event_type} for row in rows]


async def audit_entries(database: Database) -> list[dict[str, Any]]:
    table = INFRA.audit
    async with database.sessionmaker() as session:
        rows = (await session.execute(select(table).order_by(table.c.id))).mappings().all()
    return [dict(row) for row in rows]


class Registry:
    """Calls the registry through the gateway as a commissioner."""

    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    async def area(self, code: str = "OAK", **fields: Any) -> dict[str, Any]:
        answer = await self.suite.http.post("/api/v1/areas", headers=self.headers,
                                            json={"code": code, "name": f"Area {code}", **fields})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def provider(self, name: str = "Oakham Home Care Ltd", **fields: Any) -> dict[str, Any]:
        body = {"name": name, "skills": ["dementia"], "client_groups": ["older_people"], **fields}
        answer = await self.suite.http.post("/api/v1/providers", headers=self.headers, json=body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def get(self, provider_id: str) -> dict[str, Any]:
        answer = await self.suite.http.get(f"/api/v1/providers/{provider_id}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
async def registry(suite: Suite) -> Registry:
    return Registry(suite, await suite.staff("commissioner"))


def contract(area: str = "OAK", tier: str = "primary", **fields: Any) -> dict[str, Any]:
    return {"area": area, "tier": tier, "weekly_hours_cap": "120.00", "block_hours": None,
            "starts_on": str(LAST_YEAR), "ends_on": None, **fields}


def embargo(**fields: Any) -> dict[str, Any]:
    return {"scope": "all", "area": None, "client_group": None, "imposed_by": "council",
            "starts_on": str(TODAY), "ends_on": None, "reason": "Safeguarding investigation", **fields}


def assert_problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body
