"""Offers through the gateway: who sees what, answers, 409s, expiry, and exactly one placement."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from services.brokerage.consumers import build_handlers
from services.brokerage.models import INFRA, Offer, Placement
from services.brokerage.offers.service import expire_due_offers
from services.brokerage.settings import BrokerageSettings
from shared.clock import SystemClock
from shared.contracts.common import FrameworkOfferMode, Tier
from shared.events.consumer import Consumer
from tests.brokerage.conftest import Market, brokerage_database
from tests.brokerage.test_referrals import answer, open_offers, refer, referral
from tests.harness import Backend, Suite, running_suite

LATER = datetime.now(UTC) + timedelta(days=3)


@contextlib.asynccontextmanager
async def market_of(backend: Backend) -> AsyncIterator[Market]:
    database = brokerage_database(backend)
    try:
        yield Market(database=database, consumer=Consumer(
            database=database, tables=INFRA.events, handlers=build_handlers(BrokerageSettings(), SystemClock())))
    finally:
        await database.dispose()


async def offered_to_the_primary(suite: Suite, market: Market) -> tuple[str, dict[str, Any]]:
    """A referral in an area whose one provider is a primary: that provider, and the offer it has open."""
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    await refer(suite, await suite.staff("broker"))
    [offer] = await open_offers(suite, primary)
    return primary, offer


async def count(market: Market, model: Any, *conditions: Any) -> int:
    async with market.database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def test_a_provider_sees_only_its_own_offers_and_others_are_404(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    other = await market.provider(Tier.FRAMEWORK)
    await refer(suite, await suite.staff("broker"))
    [offer] = await open_offers(suite, primary)
    assert offer["deadline"] > offer["created_at"]
    assert await open_offers(suite, other) == []
    as_other = await suite.provider(other)
    assert (await suite.http.get(f"/api/v1/offers/{offer['id']}", headers=as_other)).status_code == 404
    assert (await answer(suite, other, offer["id"], "accept", {})).status_code == 404
    staff = await suite.http.get("/api/v1/offers", headers=await suite.staff("commissioner"))
    assert [each["id"] for each in staff.json()["items"]] == [offer["id"]]
    assert (await suite.http.get("/api/v1/offers")).status_code == 401


async def test_a_declined_offer_cannot_be_answered_again_and_a_bad_reason_is_422(
    suite: Suite, market: Market
) -> None:
    primary, offer = await offered_to_the_primary(suite, market)
    bad = await answer(suite, primary, offer["id"], "decline", {"reason": "bored"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "reason"
    assert (await answer(suite, primary, offer["id"], "decline", {"reason": "skills"})).status_code == 200
    again = await answer(suite, primary, offer["id"], "accept", {"start_on": None})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "declined" in again.json()["detail"]


async def test_in_broadcast_the_first_acceptance_wins_and_the_others_are_withdrawn(
    suite: Suite, market: Market
) -> None:
    await market.area(mode=FrameworkOfferMode.BROADCAST)
    first, second, third = [await market.provider(Tier.FRAMEWORK) for _ in range(3)]
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    offers = {provider: (await open_offers(suite, provider))[0]["id"] for provider in (first, second, third)}
    start = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    won = await answer(suite, second, offers[second], "accept", {"start_on": start})
    assert won.status_code == 200, won.text
    assert (won.json()["status"], won.json()["start_on"]) == ("accepted", start)
    lost = await answer(suite, first, offers[first], "accept", {"start_on": None})
    assert lost.status_code == 409
    assert "withdrawn" in lost.json()["detail"]
    body = await referral(suite, broker, created["id"])
    assert (body["status"], body["placed_with"]) == ("placed", second)
    assert [entry["event"] for entry in body["history"]][-4:] == ["accepted", "withdrawn", "withdrawn", "placed"]


async def test_an_offer_past_its_deadline_expires_once_and_the_cascade_moves_on(
    suite: Suite, market: Market
) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    framework = await market.provider(Tier.FRAMEWORK)
    broker = await suite.staff("broker")
    created = await refer(suite, broker, urgency="hospital_discharge")
    [offer] = await open_offers(suite, primary)
    deadline = datetime.fromisoformat(offer["deadline"])
    assert timedelta(hours=1) < deadline - datetime.now(UTC) <= timedelta(hours=2)
    settings = BrokerageSettings()
    assert await expire_due_offers(market.database, settings=settings, now=LATER) == 1
    assert await expire_due_offers(market.database, settings=settings, now=LATER) == 0
    late = await answer(suite, primary, offer["id"], "accept", {})
    assert late.status_code == 409
    expired = (await suite.http.get(f"/api/v1/offers/{offer['id']}",
                                    headers=await suite.provider(primary))).json()
    assert (expired["status"], expired["answered_at"]) == ("expired", None)
    assert [each["referral_id"] for each in await open_offers(suite, framework)] == [created["id"]]
    history = (await referral(suite, broker, created["id"]))["history"]
    assert ("expired", primary) in [(entry["event"], entry["provider_id"]) for entry in history]


async def test_two_expiry_workers_expire_each_offer_exactly_once(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite, market_of(pg_backend) as market:
        await market.area(mode=FrameworkOfferMode.BROADCAST)
        for _ in range(8):
            await market.provider(Tier.FRAMEWORK)
        broker = await suite.staff("broker")
        for _ in range(5):
            await refer(suite, broker)
        assert await count(market, Offer, Offer.status == "open") == 40
        settings = BrokerageSettings()
        total = 0
        while expired := sum(await asyncio.gather(*(
                expire_due_offers(market.database, settings=settings, now=LATER) for _ in range(2)))):
            total += expired
        assert total == 40
        assert await count(market, Offer, Offer.status == "expired") == 40
        async with market.database.sessionmaker() as session:
            rows = (await session.scalars(select(INFRA.events.outbox.c.event_type))).all()
        assert rows.count("brokerage.offer.expired.v1") == 40
        assert rows.count("brokerage.referral.unsourced.v1") == 5


async def test_fifty_concurrent_accepts_give_exactly_one_placement(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite, market_of(pg_backend) as market:
        await market.area(mode=FrameworkOfferMode.BROADCAST)
        providers = [await market.provider(Tier.FRAMEWORK) for _ in range(50)]
        created = await refer(suite, await suite.staff("broker"))
        headers = await asyncio.gather(*(suite.provider(provider) for provider in providers))
        offers = await asyncio.gather(*(suite.http.get("/api/v1/offers", headers=each) for each in headers))
        offer_ids = [each.json()["items"][0]["id"] for each in offers]
        answers = await asyncio.gather(*(
            suite.http.post(f"/api/v1/offers/{offer_id}/accept", json={"start_on": None}, headers=each)
            for offer_id, each in zip(offer_ids, headers, strict=True)))
        statuses = sorted(each.status_code for each in answers)
        assert statuses == [200] + [409] * 49, [each.text for each in answers if each.status_code not in (200, 409)]
        assert await count(market, Placement, Placement.referral_id == created["id"]) == 1
        assert await count(market, Offer, Offer.status == "accepted") == 1
        assert await count(market, Offer, Offer.status == "withdrawn") == 49


async def test_an_acceptance_that_would_pass_the_cap_is_refused(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="15.00")
    broker = await suite.staff("broker")
    await refer(suite, broker)
    await refer(suite, broker)
    first, second = await open_offers(suite, primary)
    assert (await answer(suite, primary, first["id"], "accept", {"start_on": None})).status_code == 200
    refused = await answer(suite, primary, second["id"], "accept", {"start_on": None})
    assert refused.status_code == 409
    assert "cap_exceeded" in refused.json()["detail"]
    assert await count(market, Placement) == 1
    assert [each["id"] for each in await open_offers(suite, primary)] == [second["id"]]


async def test_a_proposed_start_in_the_past_is_422_and_changes_nothing(suite: Suite, market: Market) -> None:
    primary, offer = await offered_to_the_primary(suite, market)
    refused = await answer(suite, primary, offer["id"], "accept", {"start_on": "2020-01-01"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "start_on"
    assert [each["id"] for each in await open_offers(suite, primary)] == [offer["id"]]
