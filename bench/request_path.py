"""Figure 8, the request path: an authenticated list (`GET /api/v1/areas`, five rows) served by the
providers service alone, in its own uvicorn process, at concurrency 1 and 8, on SQLite and on PostgreSQL;
floor: bare FastAPI on the same uvicorn returning the same JSON. Measured with `wrk`, one thread, as a
new user would. Goal: at least a quarter of the floor's requests per second.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import Figure, Goal, Scale
from bench.http import Load, Server, uvicorn, wrk
from bench.infra import temporary_database
from services.catalog import CATALOG
from services.gateway.auth.tokens import issue_token
from shared import migrations
from shared.auth import Principal, Role
from shared.keys import KeyPair, generate_keypair

AREAS = ("OAK", "UPP", "KET", "COT", "EMP")
CONCURRENCY = (1, 8)
GOAL = Goal("ratio >= 0.25 (a quarter of bare FastAPI's requests/s)", ratio_at_least=0.25)


def service_env(keys: KeyPair, data_dir: Path, database_url: str | None) -> dict[str, str]:
    """One service's environment: its own keys and data, the local broker, nothing inherited that
    would point it elsewhere (an empty URL means the embedded default)."""
    return {"DATA_DIR": str(data_dir), "DATABASE_URL": database_url or "", "BROKER_URL": "",
            "JWT_PUBLIC_KEY": keys.public_pem, "JWT_PRIVATE_KEY": keys.private_pem, "DEMO_DATA": "0"}


def staff_token(keys: KeyPair, *roles: Role) -> str:
    """A token as the gateway would sign it, for calling a service directly (services check only the
    signature and claims; whether the account is active is the gateway's question)."""
    return signed(keys, Principal(subject=str(uuid.uuid4()), kind="user", name="bench", roles=frozenset(roles)))


def signed(keys: KeyPair, principal: Principal) -> str:
    """`principal`'s token for an hour, signed with `keys` as the gateway signs."""
    return issue_token(principal, private_key=keys.private_pem, issuer="homecare-suite",
                       audience="homecare-suite-api", ttl_seconds=3600, now=datetime.now(UTC))


async def migrate(service: str, url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, service=service, migrations_dir=CATALOG[service].migrations_dir,
                            url=url)


@asynccontextmanager
async def providers_service(keys: KeyPair, database_url: str | None) -> AsyncIterator[Server]:
    """The providers service alone with five areas in it, on SQLite (`database_url` None) or PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix="bench-providers-") as folder:
        data_dir = Path(folder)
        await migrate("providers", database_url or f"sqlite+aiosqlite:///{data_dir / 'providers.db'}")
        env = service_env(keys, data_dir, database_url)
        async with uvicorn("services.providers.app:create_app", env) as server:
            headers = {"Authorization": f"Bearer {staff_token(keys, Role.COMMISSIONER)}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
                for code in AREAS:
                    answer = await client.post("/api/v1/areas", json={"code": code, "name": code.title(),
                                                                       "rural": False})
                    answer.raise_for_status()
            yield server


async def areas_json(server: Server, token: str) -> str:
    async with httpx.AsyncClient() as client:
        answer = await client.get(server.url + "/api/v1/areas", headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.text


async def measure(url: str, *, connections: int, seconds: int, token: str | None = None,
                  server: Server | None = None) -> Load:
    """One second of warm-up (pools filled, caches made), then the measured run; with `server`, its CPU
    time per request too."""
    await wrk(url, connections=connections, seconds=1, token=token)
    before = server.cpu_seconds() if server else 0.0
    load = await wrk(url, connections=connections, seconds=seconds, token=token)
    if server is None:
        return load
    return dataclasses.replace(load, cpu_ms_per_request=(server.cpu_seconds() - before) * 1000 / load.requests)


async def _backend(keys: KeyPair, label: str, database_url: str | None, scale: Scale) -> list[Figure]:
    token = staff_token(keys, Role.BROKER)
    async with providers_service(keys, database_url) as service:
        body = await areas_json(service, token)
        served = {c: await measure(service.url + "/api/v1/areas", connections=c, seconds=scale.wrk_seconds,
                                   token=token, server=service) for c in CONCURRENCY}
    async with uvicorn("bench.bare:create_app", {"BENCH_BARE_BODY": body}) as bare:
        floors = {c: await measure(bare.url + "/api/v1/areas", connections=c, seconds=scale.wrk_seconds,
                                   server=bare) for c in CONCURRENCY}
    return [Figure(
        name=f"request path: GET /api/v1/areas with a token, providers alone on {label}, concurrency {c}",
        value=served[c].requests_per_second, unit="req/s", floor=floors[c].requests_per_second, goal=GOAL,
        detail={"p50_ms": served[c].p50_ms, "p99_ms": served[c].p99_ms, "floor_p50_ms": floors[c].p50_ms,
                "floor_p99_ms": floors[c].p99_ms, "cpu_ms_per_request": served[c].cpu_ms_per_request,
                "floor_cpu_ms_per_request": floors[c].cpu_ms_per_request, "rows": len(json.loads(body)["items"])},
    ) for c in CONCURRENCY]


async def _figures(scale: Scale) -> list[Figure]:
    keys = generate_keypair()
    figures = await _backend(keys, "SQLite", None, scale)
    async with temporary_database("request_path") as url:
        figures += await _backend(keys, "PostgreSQL", url, scale)
    return figures


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale))
