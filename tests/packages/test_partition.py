"""Packages on a host of its own (a network namespace, tests/netns.py) partitioned from the broker during a
flow: a referral is placed while packages cannot reach RabbitMQ, so its package waits (packages itself
still answers); once the partition heals, the package is made, once. The registry and brokerage run in
their own processes on this machine, the gateway in the test; all on the tests' own PostgreSQL cluster
and RabbitMQ node, which packages reaches at the machine's end of its veth. Needs root. About 20 s."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.migrate import declare_broker_topology
from shared.keys import generate_keypair
from tests.brokerage.conftest import referral_body
from tests.brokerage.test_cascade_e2e import Council
from tests.brokerage.test_replica_races import market_known, rows
from tests.harness import Backend, Suite, eventually, patched_environment, running_gateway
from tests.netns import Namespace, forwarded, separate_host
from tests.nodes import PrivateCluster, PrivateRabbit
from tests.packages.conftest import SEED_CARD
from tests.served import free_port, service_process, until_ready

pytestmark = pytest.mark.faults
PLACED = "brokerage.referral.placed.v1"


@dataclass
class Partitioned:
    """The gateway in the test, and the namespace packages runs in."""

    suite: Suite
    namespace: Namespace


@pytest.fixture
async def partitioned(fault_backend: Backend, rabbit_node: PrivateRabbit, postgres_cluster: PrivateCluster,
                      tmp_path: Path) -> AsyncIterator[Partitioned]:
    with patched_environment(fault_backend.environment()):
        await declare_broker_topology(["brokerage", "packages"])  # no event published before its queue exists
    keys = generate_keypair()
    env = {**fault_backend.environment(), "JWT_PUBLIC_KEY": keys.public_pem}
    ports = {name: free_port() for name in ("providers", "brokerage", "packages")}
    async with contextlib.AsyncExitStack() as stack:  # unwound in reverse: the processes stop before the relays
        namespace = stack.enter_context(separate_host())
        for port in (rabbit_node.port, postgres_cluster.port):
            await stack.enter_async_context(forwarded(namespace.host_ip, port))
        processes = contextlib.ExitStack()  # stopped in a thread: packages' goodbyes to the broker and the
        stack.push_async_callback(asyncio.to_thread, processes.close)  # database go through this loop's relays
        for name in ("providers", "brokerage"):
            processes.enter_context(service_process(name, ports[name], env, tmp_path / f"{name}.log"))
        away = {**env, "BROKER_URL": f"amqp://guest:guest@{namespace.host_ip}:{rabbit_node.port}/",
                "DATABASE_URL": f"postgresql+asyncpg://postgres@{namespace.host_ip}:{postgres_cluster.port}/postgres"}
        processes.enter_context(service_process("packages", ports["packages"], away, tmp_path / "packages.log",
                                            host=namespace.ip, wrapper=namespace.exec_prefix()))
        urls = {"providers": f"http://127.0.0.1:{ports['providers']}",
                "brokerage": f"http://127.0.0.1:{ports['brokerage']}",
                "packages": f"http://{namespace.ip}:{ports['packages']}"}
        await asyncio.gather(*(until_ready(url) for url in urls.values()))
        suite = await stack.enter_async_context(running_gateway(
            fault_backend, GATEWAY_PROVIDERS_URL=urls["providers"], GATEWAY_BROKERAGE_URL=urls["brokerage"],
            GATEWAY_PACKAGES_URL=urls["packages"], GATEWAY_JWT_PRIVATE_KEY=keys.private_pem,
            GATEWAY_JWT_PUBLIC_KEY=keys.public_pem))
        yield Partitioned(suite=suite, namespace=namespace)


async def test_a_service_partitioned_from_the_broker_catches_up_once_the_partition_heals(
    partitioned: Partitioned, fault_backend: Backend, rabbit_node: PrivateRabbit,
) -> None:
    suite = partitioned.suite
    council = Council(suite, await suite.staff("commissioner"))
    await council.post("areas", {"code": "OAK", "name": "Oakham", "rural": False, "framework_offer_mode": "ranked"})
    await council.post("rate-cards", SEED_CARD)
    provider = await council.provider("Partitioned Care", tier="primary", cap="40.00")
    await eventually(lambda: market_known(fault_backend, 1), timeout=30, interval=0.2)
    broker, rostering = await suite.staff("broker"), await suite.provider(provider)
    made = await suite.http.post("/api/v1/referrals", headers=broker, json=referral_body())
    assert made.status_code == 201, made.text
    referral = made.json()["id"]
    [offer] = (await suite.http.get("/api/v1/offers", params={"status": "open"}, headers=rostering)).json()["items"]

    async def packages() -> list[dict[str, Any]]:
        listed = await suite.http.get("/api/v1/packages", params={"provider_id": provider}, headers=broker)
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items

    with partitioned.namespace.cut_off_from(rabbit_node.port):
        accepted = await suite.http.post(f"/api/v1/offers/{offer['id']}/accept", json={"start_on": None},
                                         headers=rostering)
        assert accepted.status_code == 200, accepted.text
        await eventually(lambda: rows(fault_backend, "SELECT event_id FROM brokerage.event_outbox WHERE "
                                                     f"event_type = '{PLACED}' AND published_at IS NOT NULL"),
                         timeout=30, interval=0.2)
        assert await packages() == []  # packages answers, but the placement has not reached it

    [package] = await eventually(packages, timeout=45, interval=0.3)
    assert (package["referral_id"], package["status"]) == (referral, "active")
    assert await rows(fault_backend, "SELECT referral_id::text FROM packages.packages") == [(referral,)]
    [(event_id,)] = await rows(fault_backend, f"SELECT event_id FROM brokerage.event_outbox "
                                              f"WHERE event_type = '{PLACED}'")
    assert await rows(fault_backend, f"SELECT event_id FROM packages.event_inbox "
                                     f"WHERE event_type = '{PLACED}'") == [(event_id,)]
