"""`make run-distributed`'s supervisor (services/distributed.py) as a person runs it: every service its own
process, a database each, two brokerage replicas; a referral goes through to a package via the gateway, and
Ctrl-C leaves nothing running. About 40 s (five databases migrated, six processes started)."""

from __future__ import annotations

import asyncio
import signal
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
from tests.harness import GatewayClient, eventually
from tests.packages.conftest import SEED_CARD
from tests.served import Distributed, output_shown_on_failure, running_distributed


@dataclass
class Offered:
    """A provider of its own area, offered a referral through the cascade, with its token; and the broker
    who made the referral."""

    provider: str
    rostering: dict[str, str]
    broker: dict[str, str]
    referral: dict[str, Any]
    offer: dict[str, Any]


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distributed]:
    database_url, broker_url = infra.unique_database_url(), infra.create_vhost()
    try:
        with running_distributed(database_url, broker_url, tmp_path_factory.mktemp("distributed")) as running:
            yield running
    finally:
        for name in CATALOG:
            asyncio.run(infra.drop_database(f"{database_url}_{name}"))
        infra.delete_vhost(broker_url)


@pytest.fixture(autouse=True)
def shown_on_failure(request: pytest.FixtureRequest, distributed: Distributed) -> Iterator[None]:
    with output_shown_on_failure(request, distributed.log):
        yield


async def offered_referral(http: httpx.AsyncClient, area: str) -> Offered:
    """A new area with one primary provider, made through the gateway, and a referral there offered to it
    once brokerage has heard of both (the registry's events cross the broker)."""
    suite = GatewayClient(http)
    council = Council(suite, await suite.staff("commissioner"))
    await council.post("areas", {"code": area, "name": f"{area} town", "rural": False,
                                 "framework_offer_mode": "ranked"})
    await council.post("rate-cards", {**SEED_CARD, "area": area})
    provider = await council.provider(f"{area} Care", tier="primary", area=area, cap="40.00")
    rostering = await suite.provider(provider)
    broker = await suite.staff("broker")
    placed = await refer(http, broker, area)
    return Offered(provider, rostering, broker, placed, await offer_of(http, rostering, placed))


async def refer(http: httpx.AsyncClient, broker: dict[str, str], area: str) -> dict[str, Any]:
    """A referral in `area`, made once brokerage has heard of the area."""
    async def referred() -> dict[str, Any] | None:
        made = await http.post("/api/v1/referrals", headers=broker, json=referral_body(
            area=area, start_on=(TODAY + timedelta(days=3)).isoformat()))
        return made.json() if made.status_code == 201 else None

    placed: dict[str, Any] = await eventually(referred, timeout=30, interval=0.3)
    return placed


async def offer_of(http: httpx.AsyncClient, rostering: dict[str, str], referral: dict[str, Any]) -> dict[str, Any]:
    """The referral's open offer to the provider, once brokerage has heard of the provider too."""
    async def offered() -> list[dict[str, Any]]:
        listed = await http.get("/api/v1/offers", params={"status": "open"}, headers=rostering)
        return [each for each in listed.json()["items"] if each["referral_id"] == referral["id"]]

    [offer] = await eventually(offered, timeout=30, interval=0.3)
    return offer


async def packages_of(http: httpx.AsyncClient, broker: dict[str, str], provider: str) -> list[dict[str, Any]]:
    listed = await http.get("/api/v1/packages", params={"provider_id": provider}, headers=broker)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_referral_goes_through_to_a_package_across_the_processes(distributed: Distributed) -> None:
    labels = distributed.log.read_text()
    assert {"providers", "brokerage-1", "brokerage-2", "packages", "quality", "gateway"} <= {
        line.split(" | ", 1)[0].strip() for line in labels.splitlines() if " | " in line}
    async with httpx.AsyncClient(base_url=distributed.gateway, timeout=30) as http:
        offered = await offered_referral(http, "OAK")
        accepted = await http.post(f"/api/v1/offers/{offered.offer['id']}/accept", json={"start_on": None},
                                   headers=offered.rostering)
        assert accepted.status_code == 200, accepted.text
        [made] = await eventually(lambda: packages_of(http, offered.broker, offered.provider), timeout=30, interval=0.3)
        assert (made["referral_id"], made["status"]) == (offered.referral["id"], "active")


def test_ctrl_c_stops_every_process(distributed: Distributed) -> None:
    children = distributed.children()
    assert len(children) == 6  # four services, brokerage twice, and the gateway
    distributed.supervisor.send_signal(signal.SIGINT)
    assert distributed.supervisor.wait(timeout=60) == 0
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(distributed.gateway + "/health/live")
