"""`make run-distributed` (every service its own process, brokerage twice) on the tests' own RabbitMQ node
and PostgreSQL cluster (tests/nodes.py), with the broker stopped and started, and the database restarted,
in the middle of referrals' flows. Nothing is lost and nothing applied twice: each accepted referral
becomes exactly one package, each placement event is taken in once, every outbox drains and no message is
dead-lettered. While the database is down every request answers 503 problem+json with Retry-After, at the
gateway and at a service itself, never 500; the suite recovers by itself, and no process exits (the
supervisor would stop them all). About 90 s: the suite started once (five databases made and migrated, six
processes), then both faults."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.catalog import CATALOG
from services.distributed import database_urls
from shared.errors import PROBLEM_JSON
from tests.harness import delete_queues, eventually
from tests.nodes import PrivateCluster, PrivateRabbit
from tests.served import Distributed, output_shown_on_failure, running_distributed
from tests.test_distributed import Offered, offered_referral, packages_of, refer

pytestmark = pytest.mark.faults
PLACED = "brokerage.referral.placed.v1"


@pytest.fixture(scope="module")
def distributed(rabbit_node: PrivateRabbit, postgres_cluster: PrivateCluster,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distributed]:
    """The cluster is the tests' own and goes when the run ends: its databases need no dropping; the
    queues go with the suite, so the later fault tests on the node start from none."""
    with running_distributed(postgres_cluster.url("distributed"), rabbit_node.url,
                             tmp_path_factory.mktemp("distributed-faults")) as running:
        yield running
    asyncio.run(delete_queues(rabbit_node.url))


@pytest.fixture(autouse=True)
def restored(request: pytest.FixtureRequest, distributed: Distributed, rabbit_node: PrivateRabbit,
             postgres_cluster: PrivateCluster) -> Iterator[None]:
    """The output shown when a test fails; the node and cluster running again whatever happened."""
    with output_shown_on_failure(request, distributed.log):
        yield
    if not postgres_cluster.is_running():
        postgres_cluster.start()
    if not rabbit_node.is_running():
        rabbit_node.start_app()


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["status"] == 503


async def accept(http: httpx.AsyncClient, offered: Offered) -> httpx.Response:
    return await http.post(f"/api/v1/offers/{offered.offer['id']}/accept", json={"start_on": None},
                           headers=offered.rostering)


async def scalar(database_url: str, query: str) -> Any:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()


async def settled(cluster: PrivateCluster, rabbit: PrivateRabbit) -> bool:
    """Every service's outbox published, and every queue empty (no event waiting or dead-lettered)."""
    databases = database_urls(cluster.url("distributed"))
    for service in CATALOG:
        unpublished = f"SELECT count(*) FROM {service}.event_outbox WHERE published_at IS NULL"
        if await scalar(databases[service], unpublished):
            return False
    return await asyncio.to_thread(queued, rabbit) == {}


def queued(rabbit: PrivateRabbit) -> dict[str, int]:
    """The suite's queues holding messages, with how many (retries and dead letters included); other
    tests' queues on the node are not the suite's."""
    listed = rabbit.ctl("list_queues", "--quiet", "--no-table-headers", "name", "messages")
    counts = {name: int(count) for name, count in (line.split() for line in listed.splitlines() if line.strip())}
    return {name: count for name, count in counts.items()
            if count and name.startswith(tuple(f"{service}.events" for service in CATALOG))}


async def placements_taken_in(cluster: PrivateCluster) -> int:
    packages = database_urls(cluster.url("distributed"))["packages"]
    return int(await scalar(packages, f"SELECT count(*) FROM packages.event_inbox WHERE event_type = '{PLACED}'"))


async def one_package_each(http: httpx.AsyncClient, offered: list[Offered]) -> bool:
    """Each referral placed with its provider is exactly one active package (and no package besides)."""
    for each in offered:
        found = await packages_of(http, each.broker, each.provider)
        if [(package["referral_id"], package["status"]) for package in found] != [(each.referral["id"], "active")]:
            return False
    return True


async def test_rabbitmq_stopped_and_started_mid_flow_loses_nothing_and_doubles_nothing(
    distributed: Distributed, rabbit_node: PrivateRabbit, postgres_cluster: PrivateCluster,
) -> None:
    async with httpx.AsyncClient(base_url=distributed.gateway, timeout=30) as http:
        first = await offered_referral(http, "RBA")
        second = await offered_referral(http, "RBB")
        taken_before = await placements_taken_in(postgres_cluster)
        await asyncio.to_thread(rabbit_node.stop_app)
        try:
            for offered in (first, second):  # brokerage decides from its own data: no broker needed
                answered = await accept(http, offered)
                assert answered.status_code == 200, answered.text
            third_referral = await refer(http, first.broker, "RBA")
            assert third_referral["status"] in {"sourcing", "unsourced"}
        finally:
            await asyncio.to_thread(rabbit_node.start_app)
        await eventually(lambda: one_package_each(http, [first, second]), timeout=90, interval=0.5)
        await eventually(lambda: settled(postgres_cluster, rabbit_node), timeout=60, interval=0.5)
        assert await one_package_each(http, [first, second])
        assert await placements_taken_in(postgres_cluster) == taken_before + 2
        assert len(distributed.children()) == 6


async def test_postgresql_restarted_mid_flow_answers_503_then_recovers_by_itself(
    distributed: Distributed, rabbit_node: PrivateRabbit, postgres_cluster: PrivateCluster,
) -> None:
    async with httpx.AsyncClient(base_url=distributed.gateway, timeout=30) as http:
        before, during = await offered_referral(http, "PGA"), await offered_referral(http, "PGB")
        taken_before = await placements_taken_in(postgres_cluster)
        accepted = await accept(http, before)
        assert accepted.status_code == 200, accepted.text
        await asyncio.to_thread(postgres_cluster.stop)  # the placement's event may still be in the outbox
        try:
            assert_unavailable(await accept(http, during))
            assert_unavailable(await http.get("/api/v1/offers", headers=during.rostering))
            assert_unavailable(await http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "admin", "password": "any"}))
            async with httpx.AsyncClient(base_url=distributed.address_of("brokerage-1"), timeout=30) as brokerage:
                assert_unavailable(await brokerage.get("/api/v1/offers", headers=during.rostering))
                assert_unavailable(await brokerage.post(f"/api/v1/offers/{during.offer['id']}/accept",
                                                        json={"start_on": None}, headers=during.rostering))
        finally:
            await asyncio.to_thread(postgres_cluster.start)

        async def accepted_once_back() -> bool:
            answer = await accept(http, during)
            assert answer.status_code in {200, 503}, answer.text
            return answer.status_code == 200

        await eventually(accepted_once_back, timeout=60, interval=0.5)
        await eventually(lambda: one_package_each(http, [before, during]), timeout=60, interval=0.5)
        await eventually(lambda: settled(postgres_cluster, rabbit_node), timeout=60, interval=0.5)
        assert await one_package_each(http, [before, during])
        assert await placements_taken_in(postgres_cluster) == taken_before + 2
        assert len(distributed.children()) == 6
