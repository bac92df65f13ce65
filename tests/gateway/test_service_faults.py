"""A service behind the gateway that is down, or killed (SIGKILL) in the middle of its work: the gateway
answers 503 problem+json with Retry-After, the calls succeed again once the service is back, and nothing
is lost or applied twice. The registry (providers) runs alone in its own uvicorn process on the tests'
own PostgreSQL cluster and RabbitMQ node; the gateway runs in the test."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import httpx
import pytest
from sqlalchemy import select

from services.migrate import declare_broker_topology
from services.providers.models import INFRA
from shared.db import Database
from shared.errors import PROBLEM_JSON
from shared.keys import generate_keypair
from tests.harness import Backend, Suite, eventually, patched_environment, running_gateway
from tests.served import free_port, service_process, until_ready

pytestmark = pytest.mark.faults
AREA_CREATED = "providers.area.created.v1"


@dataclass
class Registry:
    """The gateway in the test, and a way to (re)start the registry's process behind it."""

    suite: Suite
    start: Callable[[], AbstractContextManager[subprocess.Popen[bytes]]]
    url: str


@pytest.fixture
async def registry(fault_backend: Backend, tmp_path: Path) -> AsyncIterator[Registry]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with patched_environment(fault_backend.environment()):
        await declare_broker_topology(["brokerage"])  # the registry's events wait there for brokerage

    keys = generate_keypair()  # the gateway signs with its settings' key, the registry checks with the other half
    env = {**fault_backend.environment(), "JWT_PUBLIC_KEY": keys.public_pem}

    @contextmanager
    def start() -> Iterator[subprocess.Popen[bytes]]:
        with service_process("providers", port, env, tmp_path / "providers.log") as process:
            yield process

    async with running_gateway(fault_backend, GATEWAY_PROVIDERS_URL=url, GATEWAY_JWT_PRIVATE_KEY=keys.private_pem,
                               GATEWAY_JWT_PUBLIC_KEY=keys.public_pem) as suite:
        yield Registry(suite=suite, start=start, url=url)


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert int(answer.headers["retry-after"]) > 0


async def test_a_service_down_behind_the_gateway_answers_503_until_it_is_back(registry: Registry) -> None:
    suite = registry.suite
    commissioner = await suite.staff("commissioner")
    area = {"code": "DWN", "name": "Downton"}
    assert_unavailable(await suite.http.post("/api/v1/areas", headers=commissioner, json=area))
    with registry.start():
        await until_ready(registry.url)
        created = await suite.http.post("/api/v1/areas", headers=commissioner, json=area)
        assert created.status_code == 201, created.text
    assert_unavailable(await suite.http.get("/api/v1/areas/DWN", headers=commissioner))
    with registry.start():
        await until_ready(registry.url)
        listed = await suite.http.get("/api/v1/areas", headers=commissioner)
        assert [each["code"] for each in listed.json()["items"]] == ["DWN"]


async def test_a_service_killed_mid_flow_loses_nothing_and_applies_nothing_twice(
    registry: Registry, fault_backend: Backend,
) -> None:
    """Twenty areas are posted at once and the registry is SIGKILLed once some have answered; after a restart
    each unanswered one is sent again. Each area is made once, with one event, and every event reaches
    brokerage's queue (a repeat there is the inbox's to drop)."""
    suite = registry.suite
    commissioner = await suite.staff("commissioner")
    codes = [f"K{n:02d}" for n in range(20)]
    answered: list[str] = []

    async def post(code: str) -> httpx.Response:
        answer = await suite.http.post("/api/v1/areas", headers=commissioner, json={"code": code, "name": code})
        if answer.status_code == 201:
            answered.append(code)
        return answer

    with registry.start() as process:
        await until_ready(registry.url)
        posting = [asyncio.create_task(post(code)) for code in codes]
        await eventually(lambda: len(answered) >= 3, timeout=30, interval=0.01)
        process.kill()
        first = await asyncio.gather(*posting)
    statuses = {answer.status_code for answer in first}
    assert statuses == {201, 503}  # some answered before the kill, the rest were cut off by it
    with registry.start():
        await until_ready(registry.url)
        again = {code: await post(code) for code, answer in zip(codes, first, strict=True)
                 if answer.status_code != 201}
        assert {answer.status_code for answer in again.values()} <= {201, 409}
        listed = await suite.http.get("/api/v1/areas", headers=commissioner, params={"limit": 100})
        assert sorted(each["code"] for each in listed.json()["items"]) == codes
        events = await area_events(fault_backend)
        assert sorted(code for code, _ in events) == codes
        await eventually(lambda: _all_queued(fault_backend, {event_id for _, event_id in events}), timeout=30)


async def area_events(backend: Backend) -> list[tuple[str, str]]:
    """(area code, event id) of every area-created event in the registry's outbox."""
    database = Database(backend.database_url_of("providers"), schema="providers",
                        session_info=INFRA.session_info("providers"))
    table = INFRA.events.outbox
    try:
        async with database.sessionmaker() as session:
            rows = (await session.execute(select(table.c.body).where(table.c.event_type == AREA_CREATED))).all()
    finally:
        await database.dispose()
    bodies = [json.loads(row.body) for row in rows]
    return [(body["payload"]["area"]["code"], body["id"]) for body in bodies]


async def _all_queued(backend: Backend, event_ids: set[str]) -> bool:
    """Whether every one of `event_ids` is waiting in brokerage's queue (read, then left there)."""
    connection = await aio_pika.connect(backend.broker_url or "")
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue("brokerage.events", passive=True)
        seen: set[str] = set()
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            seen.add(str(message.message_id))
        return seen >= event_ids
    finally:
        await connection.close()  # unacknowledged, the messages go back to the queue
