"""Figure 1b, what a decision reads before it decides: one area's snapshot (`area_snapshot`) from brokerage's
read model on PostgreSQL, at England's density. Figure 1 times the cascade on snapshots already in memory;
the service builds one from its database for every referral (and for every acceptance, one provider's).
An area has 100 contracted providers (15,000 over 150 areas, as figure 1), each with 37 packages counted
against its caps (England's 500,000 over 13,400 services), most of them in its own area.

Floor: asyncpg alone reading what the snapshot reads (the area's provider rows and each one's summed
hours), with no ORM, no validation of the providers' states and no candidates built, timed the same way.
No goal is set for it in issue 17.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import insert

from bench import Figure, Scale
from bench.brokerage import AREAS as MARKET_AREAS
from bench.brokerage import p99
from bench.infra import asyncpg_dsn, temporary_database
from bench.request_path import migrate
from services.brokerage.cascade.domain import AreaSnapshot
from services.brokerage.models import INFRA, KnownArea, KnownProvider, Placement, ProviderArea
from services.brokerage.readmodel.service import area_snapshot, known_area
from shared.contracts.common import ClientGroup, ProviderStatus, Skill, Tier
from shared.contracts.providers import CapacityState, ContractState, ProviderState
from shared.db import Database

AREAS = 10
PACKAGES_PER_PROVIDER = 37
IN_OWN_AREA = 0.8
WARMUP = 20
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DECLINES_WINDOW = timedelta(days=28)
DECLARED = NOW - timedelta(days=30)
FLOOR_PROVIDERS = """SELECT kp.id, kp.state FROM known_providers kp
JOIN provider_areas pa ON pa.provider_id = kp.id WHERE pa.area = $1"""
FLOOR_HOURS = """SELECT p.provider_id, sum(p.weekly_hours), sum(CASE WHEN p.area = $1 THEN p.weekly_hours ELSE 0 END),
sum(CASE WHEN p.area = $1 AND p.placed_at >= pa.capacity_since THEN p.weekly_hours ELSE 0 END)
FROM placements p JOIN provider_areas pa ON pa.provider_id = p.provider_id AND pa.area = $1
WHERE p.provider_id = ANY($2) AND p.status IN ('active', 'suspended') GROUP BY p.provider_id"""


def _state(provider_id: uuid.UUID, number: int, area: str) -> ProviderState:
    return ProviderState(
        id=provider_id, name=f"Bench Care {number}", status=ProviderStatus.ACTIVE, skills=list(Skill),
        client_groups=list(ClientGroup), contracts=[ContractState(area=area, tier=Tier.FRAMEWORK,
                                                                  starts_on=NOW.date() - timedelta(days=600))],
        embargoes=[], rating=None, capacity=[CapacityState(area=area, weekly_hours=Decimal(40))],
        registered_at=NOW - timedelta(days=700), version=1)


def _market(rng: random.Random, per_area: int) -> dict[str, list[dict[str, Any]]]:
    """Rows for `AREAS` areas of `per_area` providers, each with its counted packages and its capacity
    declared a month ago (some of its hours placed since)."""
    codes = [f"A{number:03d}" for number in range(AREAS)]
    rows: dict[str, list[dict[str, Any]]] = {"areas": [], "providers": [], "provider_areas": [], "placements": []}
    rows["areas"] = [{"code": code, "name": code, "framework_offer_mode": "ranked"} for code in codes]
    for number in range(AREAS * per_area):
        provider_id, area = uuid.UUID(int=rng.getrandbits(128)), codes[number % AREAS]
        rows["providers"].append({
            "id": provider_id, "version": 1, "state": _state(provider_id, number, area).model_dump(mode="json"),
            "capacity_since": {area: DECLARED.isoformat()}, "updated_at": NOW})
        rows["provider_areas"].append({"area": area, "provider_id": provider_id, "capacity_since": DECLARED})
        rows["placements"] += [{
            "id": uuid.UUID(int=rng.getrandbits(128)), "referral_id": uuid.UUID(int=rng.getrandbits(128)),
            "provider_id": provider_id, "area": area if rng.random() < IN_OWN_AREA else rng.choice(codes),
            "weekly_hours": Decimal(rng.randint(100, 2800)) / 100, "status": "active",
            "placed_at": NOW - timedelta(days=rng.randint(0, 700))} for _ in range(PACKAGES_PER_PROVIDER)]
    return rows


async def _populate(database: Database, rows: dict[str, list[dict[str, Any]]]) -> None:
    async with database.sessionmaker() as session, session.begin():
        for model, key in ((KnownArea, "areas"), (KnownProvider, "providers"), (ProviderArea, "provider_areas"),
                           (Placement, "placements")):
            await session.execute(insert(model), rows[key])


async def _timed(reads: int, read: Callable[[str], Awaitable[object]]) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU milliseconds of each read after the warm-up, area by area in turn."""
    wall, cpu = [], []
    for index in range(WARMUP + reads):
        area = f"A{index % AREAS:03d}"
        started, started_cpu = time.perf_counter(), time.process_time()
        await read(area)
        if index >= WARMUP:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


async def _snapshot(database: Database, code: str) -> AreaSnapshot:
    async with database.sessionmaker() as session:
        area = await known_area(session, code=code)
        assert area is not None
        return await area_snapshot(session, area=area, now=NOW, declines_window=DECLINES_WINDOW)


def _hours_read(snapshot: AreaSnapshot) -> dict[str, Any]:
    """What the snapshot read, to tell a read that found the rows from one that did not."""
    return {"candidates_read": len(snapshot.candidates),
            "candidates_with_hours_in_the_area": sum(1 for each in snapshot.candidates if each.placed_in_area > 0),
            "hours_placed_since_declared": float(sum(each.placed_since_declared for each in snapshot.candidates))}


async def _floor_reads(url: str, reads: int) -> tuple[list[float], list[float]]:
    connection = await asyncpg.connect(asyncpg_dsn(url), server_settings={"search_path": "brokerage"})
    try:
        async def read(code: str) -> object:
            providers = await connection.fetch(FLOOR_PROVIDERS, code)
            return providers, await connection.fetch(FLOOR_HOURS, code, [row["id"] for row in providers])

        return await _timed(reads, read)
    finally:
        await connection.close()


async def _figures(scale: Scale) -> list[Figure]:
    per_area, reads = scale.cascade_providers // MARKET_AREAS, max(scale.cascade_decisions // 25, 20)
    async with temporary_database("readmodel") as url:
        await migrate("brokerage", url)
        database = Database(url, schema="brokerage", session_info=INFRA.session_info("brokerage"))
        try:
            await _populate(database, _market(random.Random(2026), per_area))
            wall, cpu = await _timed(reads, lambda code: _snapshot(database, code))
            read = await _snapshot(database, "A000")
        finally:
            await database.dispose()
        floor_wall, floor_cpu = await _floor_reads(url, reads)
    return [Figure(
        name=f"cascade: one area's snapshot read from brokerage's read model, p99 wall-clock ({per_area} providers "
             f"in the area, {PACKAGES_PER_PROVIDER} counted packages each, PostgreSQL)",
        value=p99(wall), unit="ms", floor=p99(floor_wall),
        detail={"reads": len(wall), "p50_ms": statistics.median(wall), "cpu_p50_ms": statistics.median(cpu),
                "cpu_p99_ms": p99(cpu), "floor_p50_ms": statistics.median(floor_wall),
                "floor_cpu_p50_ms": statistics.median(floor_cpu), "providers_in_area": per_area,
                "packages_per_provider": PACKAGES_PER_PROVIDER, **_hours_read(read),
                "floor": "asyncpg alone: the area's provider rows and their summed hours, nothing built"},
    )]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale))
