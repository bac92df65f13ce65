"""`make run-distributed`'s supervisor (services/distributed.py) as a person runs it: every service its own
process, a database each, two brokerage replicas; a referral goes through to a package via the gateway, and
Ctrl-C leaves nothing running. About 40 s (five databases migrated, six processes started)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.catalog import CATALOG
from tests import infra
from tests.brokerage.conftest import TODAY, referral_body
from tests.brokerage.test_cascade_e2e import Council
from tests.harness import ADMIN_PASSWORD, GatewayClient, eventually
from tests.packages.conftest import SEED_CARD
from tests.served import ROOT, free_port, wait_ready


@dataclass
class Distributed:
    gateway: str
    supervisor: subprocess.Popen[bytes]
    log: Path

    def children(self) -> list[int]:
        listed = Path(f"/proc/{self.supervisor.pid}/task/{self.supervisor.pid}/children").read_text()
        return [int(pid) for pid in listed.split()]


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distributed]:
    database_url, broker_url = infra.unique_database_url(), infra.create_vhost()
    folder = tmp_path_factory.mktemp("distributed")
    port, log = free_port(), folder / "distributed.log"
    env = {**os.environ, "DATABASE_URL": database_url, "BROKER_URL": broker_url, "DATA_DIR": str(folder),
           "DEMO_DATA": "0", "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    try:
        with log.open("wb") as output:
            supervisor = subprocess.Popen([sys.executable, "-m", "services.distributed", "--port", str(port)],
                                          cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
            try:
                wait_ready(f"http://127.0.0.1:{port}", log, seconds=120)
                yield Distributed(f"http://127.0.0.1:{port}", supervisor, log)
            finally:
                if supervisor.poll() is None:  # only when a test failed before its Ctrl-C
                    supervisor.terminate()  # the supervisor stops its processes (a SIGKILL would orphan them)
                    supervisor.wait(timeout=60)
    finally:
        for name in CATALOG:
            asyncio.run(infra.drop_database(f"{database_url}_{name}"))
        infra.delete_vhost(broker_url)


async def test_a_referral_goes_through_to_a_package_across_the_processes(distributed: Distributed) -> None:
    labels = distributed.log.read_text()
    assert {"providers", "brokerage-1", "brokerage-2", "packages", "quality", "gateway"} <= {
        line.split(" | ", 1)[0].strip() for line in labels.splitlines() if " | " in line}
    async with httpx.AsyncClient(base_url=distributed.gateway, timeout=30) as http:
        suite = GatewayClient(http)
        commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
        council = Council(suite, commissioner)
        await council.post("areas", {"code": "OAK", "name": "Oakham", "rural": False,
                                     "framework_offer_mode": "ranked"})
        await council.post("rate-cards", SEED_CARD)
        provider = await council.provider("Distributed Care", tier="primary", cap="40.00")

        async def referred() -> dict[str, Any] | None:  # once brokerage heard of the area
            made = await http.post("/api/v1/referrals", headers=broker, json=referral_body(
                start_on=(TODAY + timedelta(days=3)).isoformat()))
            return made.json() if made.status_code == 201 else None

        placed = await eventually(referred, timeout=30, interval=0.3)
        rostering = await suite.provider(provider)

        async def offered() -> list[dict[str, Any]]:  # once brokerage heard of the provider too
            listed = await http.get("/api/v1/offers", params={"status": "open"}, headers=rostering)
            return [each for each in listed.json()["items"] if each["referral_id"] == placed["id"]]

        [offer] = await eventually(offered, timeout=30, interval=0.3)
        accepted = await http.post(f"/api/v1/offers/{offer['id']}/accept", json={"start_on": None},
                                   headers=rostering)
        assert accepted.status_code == 200, accepted.text

        async def package() -> list[dict[str, Any]]:
            listed = await http.get("/api/v1/packages", params={"provider_id": provider}, headers=broker)
            items: list[dict[str, Any]] = listed.json()["items"]
            return items

        [made] = await eventually(package, timeout=30, interval=0.3)
        assert (made["referral_id"], made["status"]) == (placed["id"], "active")


def test_ctrl_c_stops_every_process(distributed: Distributed) -> None:
    children = distributed.children()
    assert len(children) == 6  # four services, brokerage twice, and the gateway
    distributed.supervisor.send_signal(signal.SIGINT)
    assert distributed.supervisor.wait(timeout=60) == 0
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(distributed.gateway + "/health/live")
