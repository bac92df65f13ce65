"""Figure 9, the write path of visit reports, the largest load at national scale: a provider's system
reporting delivered visits (`POST /api/v1/visits`) to the packages service alone, in its own uvicorn
process on PostgreSQL and RabbitMQ, with `scale.visit_packages` packages and their four weeks of visits
already there (the invoice run's data). One visit a request (a system sending each as it ends) and fifty
(one sending in batches), at concurrency 1 and 8, driven by `wrk` with a Lua script that makes every
visit new: its own id and its own package, day and slot, so none is a duplicate or refused; afterwards the
database is counted to prove it. Each figure gives the service's, PostgreSQL's and RabbitMQ's CPU per
visit beside the rate, for the capacity arithmetic. Floor: bare FastAPI on the same uvicorn taking the
same body. No goal (the issue sets none).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench import Figure, Scale
from bench.http import Load, Server, uvicorn, wrk
from bench.infra import cpu_seconds_of, temporary_database, temporary_vhost
from bench.packages import PACKAGES_PER_PROVIDER, PERIOD, package_id, populate, provider_id, rate_cards
from bench.request_path import migrate, service_env, signed
from services.packages.models import INFRA
from shared.auth import Principal, Role
from shared.db import Database
from shared.keys import KeyPair, generate_keypair

BATCHES = (1, 50)
CONCURRENCY = (1, 8)
SLOTS = (("08:00", "08:05", 30, 28), ("18:00", "18:10", 45, 44))
"""The two visits of every day in the bench's schedules: planned start, actual start, planned and actual minutes."""
VISIT_ID_PREFIX = "bench-"

LUA = """
-- Reports `batch` new visits a request, visit k (counting from `start`) being package k mod #packages,
-- slot (k div #packages) mod 2 and day k div (2 #packages): a visit id, package, day and slot of its own.
local packages = {%(packages)s}
local days = {%(days)s}
local slots = {%(slots)s}
local batch, counter = 1, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  batch, counter = tonumber(args[1]), tonumber(args[2])
end

local function visit(k)
  local slot = slots[math.floor(k / #packages) %% 2 + 1]
  return string.format(
    '{"visit_id":"%(prefix)s%%d","package_id":"%%s","date":"%%s","planned_start":"%%s","actual_start":"%%s",' ..
    '"planned_minutes":%%d,"actual_minutes":%%d,"carers":1,"outcome":"delivered"}',
    k, packages[k %% #packages + 1], days[math.floor(k / (2 * #packages)) %% #days + 1],
    slot[1], slot[2], slot[3], slot[4])
end

function request()
  local rows = {}
  for j = 1, batch do
    rows[j] = visit(counter)
    counter = counter + 1
  end
  return wrk.format(nil, nil, nil, '{"visits":[' .. table.concat(rows, ",") .. ']}')
end
"""


def free_days(today: date) -> list[date]:
    """The days the bench's packages are in care and have no visit yet: from their start (30 days before
    the invoice period) to the day before it, and from the day after it to yesterday."""
    before = [PERIOD.start - timedelta(days=back) for back in range(30, 0, -1)]
    after = [PERIOD.end + timedelta(days=ahead) for ahead in range(1, (today - PERIOD.end).days)]
    return before + after


def lua_script(folder: Path, *, packages: list[uuid.UUID], days: list[date]) -> Path:
    script = folder / "visits.lua"
    script.write_text(LUA % {
        "packages": ", ".join(f'"{package}"' for package in packages),
        "days": ", ".join(f'"{day.isoformat()}"' for day in days),
        "slots": ", ".join(f'{{"{planned}", "{actual}", {minutes}, {actual_minutes}}}'
                           for planned, actual, minutes, actual_minutes in SLOTS),
        "prefix": VISIT_ID_PREFIX})
    return script


def provider_token(keys: KeyPair) -> str:
    """A provider client's token, as the gateway signs it, for the provider of packages 0 to 999."""
    return signed(keys, Principal(subject=str(uuid.uuid4()), kind="client", name="bench rota system",
                                  roles=frozenset({Role.PROVIDER}), provider_id=provider_id(0)))


@dataclass
class Counter:
    """Where the next run's visits start, and what the runs so far must have recorded: every answered
    request's visits at least, and at most those of the requests `wrk` may have had in flight at its end."""

    next_visit: int = 0
    answered_visits: int = 0

    def starting(self, batch: int) -> list[str]:
        return [str(batch), str(self.next_visit)]

    def ran(self, load: Load, *, batch: int, connections: int) -> None:
        self.answered_visits += load.requests * batch
        self.next_visit += (load.requests + connections) * batch


@dataclass(frozen=True)
class Run:
    load: Load
    batch: int
    cpu_ms_per_visit: dict[str, float]

    @property
    def visits_per_second(self) -> float:
        return self.load.requests_per_second * self.batch


def _cpu_meters(server: Server) -> dict[str, Callable[[], float]]:
    return {"service": server.cpu_seconds, "postgresql": lambda: cpu_seconds_of("postgres"),
            "rabbitmq": lambda: cpu_seconds_of("beam.smp")}


async def _run(server: Server, script: Path, counter: Counter, *, batch: int, connections: int, seconds: int,
               token: str | None = None) -> Run:
    """One second of warm-up, then the measured run, each reporting visits no run has reported before."""
    meters = _cpu_meters(server)
    for length in (1, seconds):
        before = {name: meter() for name, meter in meters.items()}
        load = await wrk(server.url + "/api/v1/visits", connections=connections, seconds=length, token=token,
                         script=script, script_args=counter.starting(batch))
        counter.ran(load, batch=batch, connections=connections)
    visits = load.requests * batch
    return Run(load, batch, {name: (meter() - before[name]) * 1000 / visits for name, meter in meters.items()})


async def _populated(url: str, packages: int) -> None:
    await migrate("packages", url)
    database = Database(url, schema="packages", session_info=INFRA.session_info("packages"))
    try:
        await populate(database, packages, rate_cards())
    finally:
        await database.dispose()


async def _recorded(url: str) -> int:
    database = Database(url, schema="packages", session_info=INFRA.session_info("packages"))
    try:
        async with database.sessionmaker() as session:
            return int((await session.execute(text("SELECT count(*) FROM visits WHERE provider_visit_id LIKE :bench"),
                                              {"bench": VISIT_ID_PREFIX + "%"})).scalar_one())
    finally:
        await database.dispose()


@asynccontextmanager
async def packages_service(keys: KeyPair, packages: int) -> AsyncIterator[tuple[Server, str]]:
    """The packages service alone on a database of `packages` packages and a virtual host of its own;
    yields the server and the database's URL."""
    async with temporary_database("visits") as url, temporary_vhost("visits") as broker_url:
        await _populated(url, packages)
        with tempfile.TemporaryDirectory(prefix="bench-packages-") as folder:
            env = {**service_env(keys, Path(folder), url), "BROKER_URL": broker_url}
            async with uvicorn("services.packages.app:create_app", env) as server:
                yield server, url


def _check_every_visit_recorded(recorded: int, counter: Counter) -> None:
    """A visit refused or taken as a duplicate would flatter the figure: the database must hold every
    answered request's visits, and no more than the requests sent."""
    if not counter.answered_visits <= recorded <= counter.next_visit:
        raise RuntimeError(f"{recorded} visits recorded; the runs answered {counter.answered_visits} "
                           f"and sent at most {counter.next_visit}: some were refused or duplicated")


async def _figures(scale: Scale) -> list[Figure]:
    keys = generate_keypair()
    packages = [package_id(number) for number in range(min(PACKAGES_PER_PROVIDER, scale.visit_packages))]
    settings = [(batch, connections) for batch in BATCHES for connections in CONCURRENCY]
    with tempfile.TemporaryDirectory(prefix="bench-visits-") as folder:
        script = lua_script(Path(folder), packages=packages, days=free_days(datetime.now(UTC).date()))
        async with packages_service(keys, scale.visit_packages) as (service, url):
            counter, token = Counter(), provider_token(keys)
            served = {(b, c): await _run(service, script, counter, batch=b, connections=c,
                                         seconds=scale.wrk_seconds, token=token) for b, c in settings}
            recorded = await _recorded(url)
            _check_every_visit_recorded(recorded, counter)
        async with uvicorn("bench.bare:create_app", {}) as bare:
            floors = {(b, c): await _run(bare, script, Counter(), batch=b, connections=c, seconds=scale.wrk_seconds)
                      for b, c in settings}
    return [Figure(
        name=f"visit reports: POST /api/v1/visits, {b} visit(s) a request, packages service alone "
             f"({scale.visit_packages} packages, PostgreSQL, RabbitMQ), concurrency {c}",
        value=served[b, c].visits_per_second, unit="visits/s", floor=floors[b, c].visits_per_second,
        detail={"p50_ms": served[b, c].load.p50_ms, "p99_ms": served[b, c].load.p99_ms,
                "floor_p50_ms": floors[b, c].load.p50_ms,
                **{f"{part}_cpu_ms_per_visit": cpu for part, cpu in served[b, c].cpu_ms_per_visit.items()},
                "floor_cpu_ms_per_visit": floors[b, c].cpu_ms_per_visit["service"],
                "visits_in_the_database_after_all_runs": recorded},
    ) for b, c in settings]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_figures(scale))
