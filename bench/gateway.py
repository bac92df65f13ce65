"""Figure 5, the gateway: what it adds over calling the service directly, for the request path's read
(`GET /api/v1/areas` with a token) on PostgreSQL, each server in its own process. Latency at concurrency
1 (p50 and p99 added), throughput at concurrency 8 (as a share of the service's own); beside each, the
same through Debian's nginx with `proxy_pass`: the proxy an operations team would otherwise put there.
The gateway does more than nginx (it checks the token and that its account is still active, and
applies the rate limit), so nginx is the floor, not a rival. Each figure is the median of three rounds
that take the three targets in turn. Goal: adds under 2 ms at p50.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

import httpx

from bench import Figure, Goal, Scale
from bench.http import Load, Server, nginx, uvicorn
from bench.infra import temporary_database
from bench.request_path import measure, migrate, providers_service, service_env
from shared.keys import generate_keypair

ADMIN_PASSWORD = "bench-admin-password"  # a throwaway account in a throwaway database
UNLIMITED = str(10**9)
ROUNDS = 3


async def _token(gateway_url: str) -> str:
    async with httpx.AsyncClient() as client:
        answer = await client.post(gateway_url + "/api/v1/auth/token", data={
            "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token


async def _figures(scale: Scale) -> list[Figure]:
    keys = generate_keypair()
    async with temporary_database("gateway") as url:
        await migrate("gateway", url)
        async with (providers_service(keys, url) as service, nginx(service.url.removeprefix("http://")) as proxy):
            with tempfile.TemporaryDirectory(prefix="bench-gateway-") as folder:
                env = {**service_env(keys, Path(folder), url), "GATEWAY_PROVIDERS_URL": service.url,
                       "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "GATEWAY_RATE_LIMIT_PER_MINUTE": UNLIMITED,
                       "GATEWAY_RATE_LIMIT_BURST": UNLIMITED}
                async with uvicorn("services.gateway.app:create_app", env) as gateway:
                    targets = {"direct": (service.url, service), "gateway": (gateway.url, gateway),
                               "nginx": (proxy, None)}
                    return await _measure(targets, await _token(gateway.url), scale.wrk_seconds)


Targets = dict[str, tuple[str, Server | None]]
"""Each target's base URL and, where its CPU time is wanted, its process (the service's and the gateway's)."""


async def _measure(targets: Targets, token: str, seconds: int) -> list[Figure]:
    """Three rounds, each target in turn within a round, and the median of each: measured one after the
    other, a busy machine's drift would pass for a difference between them."""
    latency = await _rounds(targets, token, connections=1, seconds=seconds)
    throughput = await _rounds(targets, token, connections=8, seconds=seconds)
    return _as_figures(latency, throughput)


async def _rounds(targets: Targets, token: str, *, connections: int, seconds: int) -> dict[str, Load]:
    runs: dict[str, list[Load]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (base, server) in targets.items():
            runs[name].append(await measure(base + "/api/v1/areas", connections=connections,
                                            seconds=max(seconds // 2, 1), token=token, server=server))
    return {name: _median(loads) for name, loads in runs.items()}


def _median(loads: list[Load]) -> Load:
    cpu = [load.cpu_ms_per_request for load in loads if load.cpu_ms_per_request is not None]
    return Load(requests=sum(load.requests for load in loads),
                requests_per_second=statistics.median(load.requests_per_second for load in loads),
                p50_ms=statistics.median(load.p50_ms for load in loads),
                p99_ms=statistics.median(load.p99_ms for load in loads),
                cpu_ms_per_request=statistics.median(cpu) if cpu else None)


def _added(through: float, direct: float) -> float:
    """Milliseconds added, to the microsecond: wrk prints latencies to two decimals, and the float error of
    their difference (3.36 - 1.36 = 1.9999999999999998) would put a figure sitting on its line under it."""
    return round(through - direct, 3)


def _as_figures(latency: dict[str, Load], throughput: dict[str, Load]) -> list[Figure]:
    direct, gateway, proxy = latency["direct"], latency["gateway"], latency["nginx"]
    detail = {"direct_p50_ms": direct.p50_ms, "gateway_p50_ms": gateway.p50_ms, "nginx_p50_ms": proxy.p50_ms,
              "direct_p99_ms": direct.p99_ms, "gateway_p99_ms": gateway.p99_ms, "nginx_p99_ms": proxy.p99_ms,
              "gateway_cpu_ms_per_request": gateway.cpu_ms_per_request,
              "service_cpu_ms_per_request": direct.cpu_ms_per_request}
    rates = {name: load.requests_per_second for name, load in throughput.items()}
    return [
        Figure(name="gateway: latency added at p50 (concurrency 1, PostgreSQL); floor: nginx's",
               value=_added(gateway.p50_ms, direct.p50_ms), unit="ms", floor=_added(proxy.p50_ms, direct.p50_ms),
               goal=Goal("value < 2 ms", value_below=2.0), detail=detail),
        Figure(name="gateway: latency added at p99 (concurrency 1, PostgreSQL); floor: nginx's",
               value=_added(gateway.p99_ms, direct.p99_ms), unit="ms", floor=_added(proxy.p99_ms, direct.p99_ms),
               detail=detail),
        Figure(name="gateway: throughput as a share of the service's own (concurrency 8); floor: nginx's",
               value=rates["gateway"] / rates["direct"], unit="x", floor=rates["nginx"] / rates["direct"],
               detail={**{f"{name}_req_per_s": rate for name, rate in rates.items()},
                       "gateway_cpu_ms_per_request": throughput["gateway"].cpu_ms_per_request,
                       "service_cpu_ms_per_request": throughput["direct"].cpu_ms_per_request}),
    ]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale))
