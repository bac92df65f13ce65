"""Two brokerage replicas (two uvicorn processes on one database and broker, as `make run-distributed` runs
them) under racing accepts and offer expiry. Each referral is broadcast to three providers, and every
provider accepts its offer on both replicas at once. Then the first replica's (sandbox) clock jumps past
every deadline, so its expiry worker closes offers while accepts still arrive at the second replica, one
referral after another (the first usually placed, the later ones expired), before the second's clock
follows. Nothing is lost and nothing applied twice: at most one winner per referral (every other answer
409), one placement and one package per placed referral, each placement event consumed once, no offer
both accepted and expired. The registry and packages run in their own processes, the gateway in the test;
all on the tests' own PostgreSQL cluster and RabbitMQ node. About 25 s (four processes started), besides
starting that node and cluster once per run."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.migrate import declare_broker_topology
from shared.errors import PROBLEM_JSON
from shared.keys import generate_keypair
from tests.brokerage.conftest import referral_body
from tests.brokerage.test_cascade_e2e import Council
from tests.harness import Backend, Suite, eventually, patched_environment, running_gateway
from tests.packages.conftest import SEED_CARD
from tests.served import free_port, service_process, until_ready

pytestmark = pytest.mark.faults
PROVIDERS = 3
RACED, EXPIRING_RACED, EXPIRING_UNANSWERED = 5, 3, 2
PAST_EVERY_DEADLINE = {"offset_seconds": 3 * 24 * 3600}
EXPIRY_INTERVAL = 0.2


@dataclass
class Replicas:
    """The gateway in the test (its brokerage is the first replica) and both replicas' addresses."""

    suite: Suite
    brokerage: list[str]


@pytest.fixture
async def replicas(fault_backend: Backend, tmp_path: Path) -> AsyncIterator[Replicas]:
    with patched_environment(fault_backend.environment()):
        await declare_broker_topology(["brokerage", "packages"])  # no event published before its queue exists
    keys = generate_keypair()
    env = {**fault_backend.environment(), "JWT_PUBLIC_KEY": keys.public_pem}
    ports = {name: free_port() for name in ("providers", "brokerage-1", "brokerage-2", "packages")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    brokerage_env = {**env, "SUITE_SANDBOX": "1", "BROKERAGE_EXPIRY_INTERVAL_SECONDS": str(EXPIRY_INTERVAL)}
    with contextlib.ExitStack() as processes:
        for name, port in ports.items():
            service = name.split("-")[0]
            processes.enter_context(service_process(service, port, brokerage_env if service == "brokerage" else env,
                                                    tmp_path / f"{name}.log"))
        await asyncio.gather(*(until_ready(url) for url in urls.values()))
        async with running_gateway(fault_backend, GATEWAY_PROVIDERS_URL=urls["providers"],
                                   GATEWAY_BROKERAGE_URL=urls["brokerage-1"], GATEWAY_PACKAGES_URL=urls["packages"],
                                   GATEWAY_JWT_PRIVATE_KEY=keys.private_pem,
                                   GATEWAY_JWT_PUBLIC_KEY=keys.public_pem) as suite:
            yield Replicas(suite=suite, brokerage=[urls["brokerage-1"], urls["brokerage-2"]])


async def rows(backend: Backend, query: str) -> list[Any]:
    engine = create_async_engine(backend.database_url or "")
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(query))).all())
    finally:
        await engine.dispose()


async def market_known(backend: Backend, providers: int) -> bool:
    """Whether brokerage's read model knows the area and all `providers` with their capacity."""
    known = await rows(backend, "SELECT state FROM brokerage.known_providers")
    areas = await rows(backend, "SELECT code FROM brokerage.known_areas")
    return len(known) == providers and all(each.state.get("capacity") for each in known) and bool(areas)


async def open_offers(suite: Suite, tokens: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each referral's open offers, by provider: {referral id: {provider id: offer id}}."""
    found: dict[str, dict[str, str]] = {}
    for provider, headers in tokens.items():
        listed = await suite.http.get("/api/v1/offers", params={"status": "open", "limit": 100}, headers=headers)
        assert listed.status_code == 200, listed.text
        for offer in listed.json()["items"]:
            found.setdefault(offer["referral_id"], {})[provider] = offer["id"]
    return found


async def accept_everywhere(brokerage: list[str], tokens: dict[str, dict[str, str]], offers: dict[str, str],
                            *, after: float = 0) -> list[httpx.Response]:
    """Each provider accepts its offer of one referral on every replica, all at once, `after` seconds."""
    await asyncio.sleep(after)
    async with httpx.AsyncClient(timeout=30) as http:
        return await asyncio.gather(*(
            http.post(f"{replica}/api/v1/offers/{offer}/accept", json={"start_on": None}, headers=tokens[provider])
            for provider, offer in offers.items() for replica in brokerage))


async def move_clocks(brokerage: list[str], admin: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        moved = await asyncio.gather(*(http.put(f"{replica}/sandbox/clock", json=PAST_EVERY_DEADLINE,
                                                headers=admin) for replica in brokerage))
    assert [answer.status_code for answer in moved] == [200] * len(brokerage), [each.text for each in moved]


def assert_at_most_one_winner(answers: list[httpx.Response]) -> int:
    """The number of winners (0 or 1); every other answer is a 409 problem."""
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409}, [answer.text for answer in answers]
    assert statuses[200] <= 1
    assert all(answer.headers["content-type"] == PROBLEM_JSON for answer in answers if answer.status_code == 409)
    return statuses[200]


async def test_racing_accepts_and_expiry_on_two_replicas_place_each_referral_at_most_once(
    replicas: Replicas, fault_backend: Backend,
) -> None:
    suite, brokerage = replicas.suite, replicas.brokerage
    council = Council(suite, await suite.staff("commissioner"))
    await council.post("areas", {"code": "OAK", "name": "Oakham", "rural": False,
                                 "framework_offer_mode": "broadcast"})
    await council.post("rate-cards", SEED_CARD)
    providers = [await council.provider(f"Framework {n}", tier="framework", capacity="999.00")
                 for n in range(PROVIDERS)]
    await eventually(lambda: market_known(fault_backend, PROVIDERS), timeout=30, interval=0.2)
    tokens = {provider: await suite.provider(provider) for provider in providers}
    broker = await suite.staff("broker")
    referrals = []
    for _ in range(RACED + EXPIRING_RACED + EXPIRING_UNANSWERED):
        made = await suite.http.post("/api/v1/referrals", headers=broker, json=referral_body())
        assert made.status_code == 201, made.text
        referrals.append(made.json()["id"])
    offers = await open_offers(suite, tokens)
    assert {referral: len(offers.get(referral, {})) for referral in referrals} == dict.fromkeys(referrals, PROVIDERS)

    raced = referrals[:RACED]
    answers = await asyncio.gather(*(accept_everywhere(brokerage, tokens, offers[each]) for each in raced))
    assert [assert_at_most_one_winner(each) for each in answers] == [1] * RACED

    expiring_raced = referrals[RACED:RACED + EXPIRING_RACED]
    admin = await suite.as_admin()
    await move_clocks(brokerage[:1], admin)  # the first replica's expiry worker closes offers the second accepts
    winners = [assert_at_most_one_winner(each) for each in await asyncio.gather(*(
        accept_everywhere(brokerage, tokens, offers[each], after=n * EXPIRY_INTERVAL)
        for n, each in enumerate(expiring_raced)))]
    await move_clocks(brokerage[1:], admin)

    first_offers = ", ".join(f"'{offer}'" for each in offers.values() for offer in each.values())
    await eventually(lambda: _none_open(fault_backend, first_offers), timeout=30, interval=0.2)
    await assert_nothing_lost_or_doubled(fault_backend, first_offers, dict(zip(raced + expiring_raced,
                                                                               [1] * RACED + winners, strict=True)))
    unanswered = referrals[RACED + EXPIRING_RACED:]
    statuses = await rows(fault_backend, f"SELECT referral_id::text, status FROM brokerage.offers "
                                         f"WHERE id::text IN ({first_offers})")
    assert {status for referral, status in statuses if referral in unanswered} == {"expired"}


async def _none_open(backend: Backend, offer_ids: str) -> bool:
    return not await rows(backend, f"SELECT id FROM brokerage.offers WHERE status = 'open' "
                                   f"AND id::text IN ({offer_ids})")


async def assert_nothing_lost_or_doubled(backend: Backend, offer_ids: str, winners: dict[str, int]) -> None:
    """Each referral placed as often as its accepts won (once or never): one accepted offer, one placement,
    one package made from one consumed event; no accepted offer also expired."""
    accepted = Counter(referral for (referral,) in await rows(
        backend, f"SELECT referral_id::text FROM brokerage.offers WHERE status = 'accepted' "
                 f"AND id::text IN ({offer_ids})"))
    placed = {referral for (referral,) in await rows(
        backend, "SELECT referral_id::text FROM brokerage.placements")}
    assert {referral: accepted[referral] for referral in winners} == winners
    assert placed == {referral for referral, won in winners.items() if won}
    assert await rows(backend, """
        SELECT accepted.referral_id FROM brokerage.referral_history accepted
        JOIN brokerage.referral_history expired ON expired.referral_id = accepted.referral_id
         AND expired.provider_id = accepted.provider_id AND expired.event = 'expired'
        WHERE accepted.event = 'accepted'""") == []

    async def packaged() -> bool:
        packages = Counter(referral for (referral,) in await rows(
            backend, "SELECT referral_id::text FROM packages.packages"))
        return packages == Counter(placed)

    await eventually(packaged, timeout=30, interval=0.2)
    events = [event_id for (event_id,) in await rows(
        backend, "SELECT event_id FROM brokerage.event_outbox WHERE event_type = 'brokerage.referral.placed.v1'")]
    consumed = [event_id for (event_id,) in await rows(
        backend, "SELECT event_id FROM packages.event_inbox WHERE event_type = 'brokerage.referral.placed.v1'")]
    assert len(events) == len(placed)
    assert sorted(consumed) == sorted(events)
