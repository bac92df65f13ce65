"""Figures 3 and 6, end-to-end sourcing and memory, on the distributed suite (`make run-distributed`: the
gateway and every service in a uvicorn process of its own, brokerage twice, a database per service on
PostgreSQL, RabbitMQ), started here by its own supervisor on a free port with its own databases and vhost.

Figure 3: referrals per second from a broker's POST, through the cascade's offer and the provider's
accept, to the package existing in the packages service (polled as a broker would), with the p50 and
p99 of that whole journey; eight referrals in flight at once, each in an area of its own with its own
provider (one provider taking every referral would measure that provider's row lock, not the suite).
Bounded by a count and a time (`Scale.referrals`, `Scale.referral_seconds`): no journey starts after it.
Floor: the same gateway's `/health/live` rate at the same concurrency. Goal: a quarter of the floor.

Figure 6: the peak resident memory (VmHWM) of each of the supervisor's processes during figure 3, a
figure each. Floor: a bare FastAPI app's peak after the same kind of load.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import Figure, Goal, Scale
from bench.http import Distributed, cpu_seconds, distributed, peak_rss_mb, uvicorn, wrk
from bench.infra import asyncpg_dsn, cpu_seconds_of, temporary_databases, temporary_vhost
from services.catalog import CATALOG
from services.distributed import database_urls

ADMIN_PASSWORD = "bench-admin-password"  # a throwaway account in a throwaway database
IN_FLIGHT = 8
AREAS = tuple(f"A{number}" for number in range(IN_FLIGHT))
VISITS = [{"day": day, "start": "08:00", "minutes": 60, "carers": 1}
          for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
POLL_SECONDS, POLL_MAX_SECONDS = 0.01, 0.08  # waits double from the first to the last, so polling
# eight journeys does not itself load the processes it measures
JOURNEY_TIMEOUT_SECONDS = 120


class Council:
    """The gateway as the council's staff and a provider's software use it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.headers: dict[str, dict[str, str]] = {}
        self.requests = 0

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        self.requests += 1
        answer = await self.http.request(method, "/api/v1/" + path, headers=self.headers.get(who), **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text[:500]}")
        return answer.json() if answer.content else None

    async def sign_in(self, who: str, form: dict[str, str]) -> None:
        token = (await self.call("anyone", "POST", "auth/token", data=form))["access_token"]
        self.headers[who] = {"Authorization": f"Bearer {token}"}

    async def staff(self, role: str) -> None:
        password = uuid.uuid4().hex
        await self.call("admin", "POST", "admin/users", json={"username": role, "password": password, "roles": [role]})
        await self.sign_in(role, {"grant_type": "password", "username": role, "password": password})


async def _set_up(council: Council) -> list[str]:
    """Staff, and per area one framework provider with room for every referral and its machine client."""
    await council.sign_in("admin", {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
    for role in ("commissioner", "broker"):
        await council.staff(role)
    return [await _provider(council, area) for area in AREAS]


async def _provider(council: Council, area: str) -> str:
    await council.call("commissioner", "POST", "areas", json={"code": area, "name": f"Area {area}", "rural": False,
                                                              "framework_offer_mode": "ranked"})
    provider = (await council.call("commissioner", "POST", "providers", json={
        "name": f"Bench Care {area}", "skills": ["dementia"], "client_groups": ["older_people"]}))["id"]
    await council.call("commissioner", "PUT", f"providers/{provider}/contracts", json={"contracts": [{
        "area": area, "tier": "framework", "weekly_hours_cap": None, "block_hours": None,
        "starts_on": "2026-01-01", "ends_on": None}]})
    await council.call("commissioner", "POST", f"providers/{provider}/ratings", json={
        "regulator": "cqc", "overall": "good", "published_on": "2026-03-01"})
    await council.call("commissioner", "PUT", f"providers/{provider}/capacity",
                       json={"areas": [{"area": area, "weekly_hours": "100000.00"}]})
    client = await council.call("admin", "POST", "admin/clients", json={
        "name": f"Bench Care {area}'s system", "roles": ["provider"], "provider_id": provider})
    await council.sign_in(area, {"grant_type": "client_credentials", "client_id": client["client_id"],
                                 "client_secret": client["client_secret"]})
    return str(provider)


async def _brokerage_knows(url: str, providers: list[str]) -> None:
    """Brokerage decides from its read model, fed by the registry's events: wait until it has every
    provider with its capacity, so no measured referral finds an empty market."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for _ in range(600):
            states = await connection.fetch("SELECT state FROM brokerage.known_providers WHERE id = ANY($1)",
                                            [uuid.UUID(provider) for provider in providers])
            if len(states) == len(providers) and all(json.loads(row["state"]).get("capacity") for row in states):
                return
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    raise RuntimeError("brokerage never learned of the benchmark's providers")


def _referral(number: int, area: str) -> dict[str, Any]:
    return {"client_ref": f"B-{number}", "area": area, "client_group": "older_people", "needs": ["dementia"],
            "urgency": "routine", "start_on": (date.today() + timedelta(days=7)).isoformat(), "visits": VISITS,
            "short_visit_justification": None, "funding": {"health_share_percent": 0}}


STAGES = ("referral_posted", "offer_seen", "offer_accepted", "package_seen")
"""A journey's hops, each timed from the end of the one before: the broker's POST answered (the cascade
runs inside it, so the offer exists when it returns); the offer found by the provider's first poll (its
wait and one GET); the provider's accept answered; the package found by the broker's polling (the
accept's event through brokerage's outbox and relay, RabbitMQ, and the packages service's consumer and
transaction). A polled hop includes up to one poll interval of waiting."""


@dataclass(frozen=True)
class Journey:
    stage_seconds: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return sum(self.stage_seconds)


async def _journey(council: Council, number: int, area: str) -> Journey:
    """POST a referral, accept its offer as the area's provider, and wait until packages has its package."""
    marks = [time.perf_counter()]
    referral = (await council.call("broker", "POST", "referrals", json=_referral(number, area)))["id"]
    marks.append(time.perf_counter())
    offer = await _until(lambda: _open_offer(council, area, referral))
    marks.append(time.perf_counter())
    await council.call(area, "POST", f"offers/{offer}/accept", json={"start_on": None})
    marks.append(time.perf_counter())
    await _until(lambda: _package(council, referral))
    marks.append(time.perf_counter())
    return Journey(tuple(end - start for start, end in itertools.pairwise(marks)))


async def _open_offer(council: Council, area: str, referral: str) -> str | None:
    offers = await council.call(area, "GET", "offers", params={"status": "open", "limit": 100})
    return next((offer["id"] for offer in offers["items"] if offer["referral_id"] == referral), None)


async def _package(council: Council, referral: str) -> str | None:
    packages = await council.call("broker", "GET", "packages", params={"referral_id": referral})
    return str(packages["items"][0]["id"]) if packages["items"] else None


async def _until(check: Any) -> str:
    deadline, wait = time.perf_counter() + JOURNEY_TIMEOUT_SECONDS, POLL_SECONDS
    while (found := await check()) is None:
        if time.perf_counter() > deadline:
            raise RuntimeError("a referral's journey did not finish in time")
        await asyncio.sleep(wait)
        wait = min(wait * 2, POLL_MAX_SECONDS)
    return str(found)


async def _referrals(council: Council, count: int, seconds: float) -> tuple[float, list[Journey]]:
    """Up to `count` journeys, `IN_FLIGHT` at a time, none started after `seconds`; returns the wall time
    and each journey."""
    numbers = iter(range(count))
    journeys: list[Journey] = []
    started = time.perf_counter()

    async def worker(area: str) -> None:
        for number in numbers:
            if time.perf_counter() - started > seconds:
                return
            journeys.append(await _journey(council, number, area))

    await asyncio.gather(*(worker(area) for area in AREAS))
    return time.perf_counter() - started, journeys


def _settings(url: str, broker_url: str, folder: Path) -> dict[str, str]:
    return {"DATA_DIR": str(folder), "DATABASE_URL": url, "BROKER_URL": broker_url, "DEMO_DATA": "0",
            "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "GATEWAY_RATE_LIMIT_PER_MINUTE": str(10**9),
            "GATEWAY_RATE_LIMIT_BURST": str(10**9), "JWT_PRIVATE_KEY": "", "JWT_PUBLIC_KEY": "",
            "BROKERAGE_RAMP_UP_WEEKS": "0"}  # an established provider, as most of a market is


def _cpu_by_process(suite: Distributed) -> dict[str, float]:
    """CPU seconds used so far by each of the suite's processes, PostgreSQL's, RabbitMQ's and the bench's
    own (its client shares the cores)."""
    return {**{label: cpu_seconds(pid) for label, pid in suite.processes().items()},
            "postgresql": cpu_seconds_of("postgres"), "rabbitmq": cpu_seconds_of("beam.smp"),
            "bench_client": time.process_time()}


@dataclass(frozen=True)
class Measured:
    """Figure 3's journeys (wall seconds, each journey, CPU per referral by process), its floor's rate,
    and each process's peak memory after the journeys (figure 6)."""

    seconds: float
    journeys: list[Journey]
    requests: int
    cpu_ms_per_referral: dict[str, float]
    health_rate: float
    peaks_mb: dict[str, float]

    @property
    def requests_per_referral(self) -> float:
        return self.requests / len(self.journeys)

    @property
    def journey_floor(self) -> float:
        """The referrals/s the gateway could carry if each journey's requests did no work: its
        `/health/live` rate over the requests a journey made."""
        return self.health_rate / self.requests_per_referral


async def _measure(suite: Distributed, url: str, scale: Scale) -> Measured:
    async with httpx.AsyncClient(base_url=suite.url, timeout=60) as http:
        council = Council(http)
        await _brokerage_knows(database_urls(url)["brokerage"], await _set_up(council))
        await _referrals(council, max(scale.referrals // 10, 2), scale.referral_seconds)  # warm-up: pools, queues
        before, requests_before = _cpu_by_process(suite), council.requests
        seconds, journeys = await _referrals(council, scale.referrals, scale.referral_seconds)
        after, requests = _cpu_by_process(suite), council.requests - requests_before
    cpu_ms = {label: (after[label] - before[label]) * 1000 / len(journeys) for label in before}
    peaks_mb = {label: peak_rss_mb(pid) for label, pid in suite.processes().items()}
    await wrk(suite.url + "/health/live", connections=IN_FLIGHT, seconds=1)
    health = await wrk(suite.url + "/health/live", connections=IN_FLIGHT, seconds=scale.wrk_seconds)
    return Measured(seconds, journeys, requests, cpu_ms, health.requests_per_second, peaks_mb)


async def _bare_peak_mb(scale: Scale) -> float:
    async with uvicorn("bench.bare:create_app", {"BENCH_BARE_BODY": '{"items": []}'}) as bare:
        await wrk(bare.url + "/api/v1/areas", connections=IN_FLIGHT, seconds=scale.wrk_seconds)
        return bare.peak_rss_mb()


def _p50_and_p99_ms(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000


def _sourcing(measured: Measured, scale: Scale) -> Figure:
    journeys = measured.journeys
    p50_ms, p99_ms = _p50_and_p99_ms([journey.seconds for journey in journeys])
    stages = {stage: _p50_and_p99_ms([journey.stage_seconds[index] for journey in journeys])
              for index, stage in enumerate(STAGES)}
    return Figure(
        name="end-to-end sourcing, distributed suite (make run-distributed: six processes, PostgreSQL + "
             "RabbitMQ): referrals/s from POST to the package existing; floor: the gateway's /health/live rate",
        value=len(journeys) / measured.seconds, unit="referrals/s", floor=measured.health_rate,
        goal=Goal("ratio >= 0.25", ratio_at_least=0.25),
        detail={"floor_unit": "req/s", "referrals": len(journeys), "in_flight": IN_FLIGHT,
                "seconds": measured.seconds, "bounds": f"{scale.referrals} referrals or {scale.referral_seconds} s",
                "p50_ms": p50_ms, "p99_ms": p99_ms,
                "stages_p50_ms": {stage: p50 for stage, (p50, _) in stages.items()},
                "stages_p99_ms": {stage: p99 for stage, (_, p99) in stages.items()},
                "cpu_ms_per_referral": measured.cpu_ms_per_referral,
                "requests_per_referral_measured": measured.requests_per_referral,
                "journey_floor_referrals_per_s": measured.journey_floor,
                "ratio_to_the_journey_floor": len(journeys) / measured.seconds / measured.journey_floor,
                "requests_per_referral": "POST referral, GET offers (until open), POST accept, GET "
                                         "packages (until placed); polled after 10, 20, 40, then every 80 ms"})


def _memory(label: str, peak_mb: float, bare_mb: float) -> Figure:
    return Figure(name=f"memory: peak RSS of the {label} process (make run-distributed) during end-to-end "
                       "sourcing; floor: bare FastAPI's", value=peak_mb, unit="MB", floor=bare_mb,
                  detail={"process": label, "read_from": "/proc/<pid>/status VmHWM after figure 3's journeys"})


async def _figures(scale: Scale) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as folder:
        async with (temporary_databases("sourcing", CATALOG) as url, temporary_vhost("sourcing") as broker_url,
                    distributed(_settings(url, broker_url, Path(folder))) as suite):
            measured = await _measure(suite, url, scale)
    bare_mb = await _bare_peak_mb(scale)
    return [_sourcing(measured, scale),
            *(_memory(label, peak_mb, bare_mb) for label, peak_mb in measured.peaks_mb.items())]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale))
