"""Referrals through the gateway: intake and validation, the cascade end to end, broker overrides."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from services.brokerage.models import INFRA, Referral
from shared.clock import FixedClock
from shared.contracts.common import EmbargoScope, FrameworkOfferMode, Tier
from tests.brokerage.conftest import TODAY, Market, brokerage_database, market_of, referral_body
from tests.harness import Backend, GatewayClient, Suite, running_suite, service_statements

SHORT_VISITS = [{"day": "mon", "start": "08:00", "minutes": 15, "carers": 1},
                {"day": "mon", "start": "12:00", "minutes": 45, "carers": 1}]


async def refer(suite: Suite, broker: dict[str, str], **changes: Any) -> dict[str, Any]:
    answer = await suite.http.post("/api/v1/referrals", json=referral_body(**changes), headers=broker)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def open_offers(suite: GatewayClient, provider_id: str) -> list[dict[str, Any]]:
    answer = await suite.http.get("/api/v1/offers", params={"status": "open"},
                                  headers=await suite.provider(provider_id))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def answer(suite: GatewayClient, provider_id: str, offer_id: str, verb: str, body: dict[str, Any]) -> Any:
    return await suite.http.post(f"/api/v1/offers/{offer_id}/{verb}", json=body,
                                 headers=await suite.provider(provider_id))


async def referral(suite: GatewayClient, broker: dict[str, str], referral_id: str) -> dict[str, Any]:
    found = await suite.http.get(f"/api/v1/referrals/{referral_id}", headers=broker)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def events_of(history: list[dict[str, Any]], provider_id: str) -> list[tuple[str, str | None]]:
    return [(entry["event"], entry["reason"]) for entry in history if entry["provider_id"] == provider_id]


async def count_referrals(market: Market) -> int:
    async with market.database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Referral)) or 0)


async def test_a_referral_is_offered_to_the_primary_as_soon_as_it_is_made(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="120.00")
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    assert created["status"] == "sourcing"
    assert created["weekly_hours"] == "10.50"
    assert events_of(created["history"], primary) == [("considered", None), ("offered", None)]
    offers = await open_offers(suite, primary)
    assert [each["referral_id"] for each in offers] == [created["id"]]
    assert offers[0]["tier"] == "primary"
    assert "client_ref" not in offers[0]
    assert {visit["start"] for visit in created["visits"] + offers[0]["visits"]} == {"08:00"}


async def test_a_new_referral_reads_its_area_once_under_the_cascades_shared_lock_and_no_offers_of_its_round(
    suite: Suite, market: Market, backend: Backend
) -> None:
    await market.area()
    await market.provider(Tier.PRIMARY, cap="120.00")
    broker = await suite.staff("broker")
    with service_statements(suite, "brokerage") as statements:
        created = await refer(suite, broker)
    assert created["status"] == "sourcing"
    area_reads = [each for each in statements if re.search(r"FROM \S*known_areas\b", each)]
    assert len(area_reads) == 1, area_reads
    if backend.database_url:
        assert area_reads[0].rstrip().endswith("FOR SHARE"), area_reads
    offer_reads = [each for each in statements if re.match(r"\s*SELECT .* FROM \S*offers\b", each, re.DOTALL)]
    assert offer_reads == []


async def test_the_cascade_runs_primary_to_its_cap_then_framework_then_second_tier_then_the_waiting_list(
    suite: Suite, market: Market
) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="20.00")
    embargoed = await market.provider(Tier.FRAMEWORK, embargo=EmbargoScope.ALL, rating="outstanding")
    inadequate = await market.provider(Tier.FRAMEWORK, rating="inadequate")
    unskilled = await market.provider(Tier.FRAMEWORK, skills=(), rating="outstanding")
    elsewhere = await market.provider(Tier.FRAMEWORK, area="UPP", rating="outstanding")
    good = await market.provider(Tier.FRAMEWORK, rating="good")
    fair = await market.provider(Tier.FRAMEWORK, rating="requires_improvement")
    spot = await market.provider(Tier.SECOND_TIER)
    broker = await suite.staff("broker")

    first = await refer(suite, broker)
    placed = await answer(suite, primary, (await open_offers(suite, primary))[0]["id"], "accept", {"start_on": None})
    assert placed.status_code == 200, placed.text
    assert (await referral(suite, broker, first["id"]))["placed_with"] == primary

    second = await refer(suite, broker)
    history = second["history"]
    assert events_of(history, primary) == [("skipped", "cap_exceeded")]
    assert events_of(history, embargoed) == [("skipped", "embargoed")]
    assert events_of(history, inadequate) == [("skipped", "inadequate_rating")]
    assert events_of(history, unskilled) == [("skipped", "missing_skill")]
    assert events_of(history, elsewhere) == []
    assert events_of(history, good)[-1] == ("offered", None)
    assert await open_offers(suite, fair) == []

    declined = await answer(suite, good, (await open_offers(suite, good))[0]["id"], "decline",
                            {"reason": "no_staff_in_area", "detail": "rounds full"})
    assert declined.status_code == 200, declined.text
    [fair_offer] = await open_offers(suite, fair)
    await answer(suite, fair, fair_offer["id"], "decline", {"reason": "travel", "detail": ""})
    [spot_offer] = await open_offers(suite, spot)
    assert spot_offer["tier"] == "second_tier"
    await answer(suite, spot, spot_offer["id"], "decline", {"reason": "no_capacity", "detail": ""})

    waiting = await referral(suite, broker, second["id"])
    assert waiting["status"] == "unsourced"
    assert waiting["history"][-1]["event"] == "unsourced"
    assert ("declined", "no_staff_in_area") in events_of(waiting["history"], good)
    listed = await suite.http.get("/api/v1/referrals", params={"status": "unsourced"}, headers=broker)
    assert [each["id"] for each in listed.json()["items"]] == [second["id"]]

    newcomer = await market.provider(Tier.FRAMEWORK, capacity=None)
    assert (await referral(suite, broker, second["id"]))["status"] == "unsourced"
    await market.declare_capacity(newcomer, "30.00")
    retried = await referral(suite, broker, second["id"])
    assert retried["status"] == "sourcing"
    assert [each["referral_id"] for each in await open_offers(suite, newcomer)] == [second["id"]]


async def test_block_hours_are_used_before_the_primary(suite: Suite, market: Market) -> None:
    await market.area()
    block = await market.provider(Tier.BLOCK, block_hours="15.00")
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    first = await refer(suite, broker)
    assert events_of(first["history"], block)[-1] == ("offered", None)
    await answer(suite, block, (await open_offers(suite, block))[0]["id"], "accept", {"start_on": None})
    second = await refer(suite, broker)
    assert events_of(second["history"], block) == [("skipped", "block_hours_used")]
    assert events_of(second["history"], primary)[-1] == ("offered", None)


async def test_a_short_visit_without_the_nice_conditions_is_refused_naming_them(suite: Suite, market: Market) -> None:
    await market.area()
    broker = await suite.staff("broker")
    refused = await suite.http.post("/api/v1/referrals", headers=broker, json=referral_body(
        visits=SHORT_VISITS, short_visit_justification={
            "worker_known": True, "part_of_wider_package": False, "time_limited_task": True}))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [each["field"] for each in refused.json()["errors"]] == ["short_visit_justification.part_of_wider_package"]
    assert "wider package" in refused.json()["detail"]
    assert await count_referrals(market) == 0
    allowed = await suite.http.post("/api/v1/referrals", headers=broker, json=referral_body(
        visits=SHORT_VISITS, short_visit_justification={
            "worker_known": True, "part_of_wider_package": True, "time_limited_task": True}))
    assert allowed.status_code == 201, allowed.text


async def test_bad_referrals_are_422_listing_the_fields_and_store_nothing(suite: Suite, market: Market) -> None:
    await market.area()
    broker = await suite.staff("broker")
    cases = {
        "area": referral_body(area="NOWHERE"),
        "start_on": referral_body(start_on="2020-01-01"),
        "visits.0.carers": referral_body(visits=[{"day": "mon", "start": "08:00", "minutes": 45, "carers": 3}]),
        "funding.health_share_percent": referral_body(funding={"health_share_percent": 101}),
        "needs.0": referral_body(needs=["juggling"]),
        "visits": referral_body(visits=[]),
    }
    for field, body in cases.items():
        refused = await suite.http.post("/api/v1/referrals", json=body, headers=broker)
        assert refused.status_code == 422, (field, refused.text)
        assert field in [each["field"] for each in refused.json()["errors"]], (field, refused.json())
    assert await count_referrals(market) == 0


async def test_referrals_need_a_token_and_a_broker_to_write(suite: Suite, market: Market) -> None:
    await market.area()
    assert (await suite.http.post("/api/v1/referrals", json=referral_body())).status_code == 401
    quality = await suite.staff("quality_officer")
    assert (await suite.http.post("/api/v1/referrals", json=referral_body(), headers=quality)).status_code == 403
    assert (await suite.http.get("/api/v1/referrals", headers=quality)).status_code == 200
    provider = await market.provider(Tier.PRIMARY)
    as_provider = await suite.provider(provider)
    assert (await suite.http.get("/api/v1/referrals", headers=as_provider)).status_code == 403


async def test_a_broker_can_award_directly_with_a_reason(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    chosen = await market.provider(Tier.SECOND_TIER)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    awarded = await suite.http.post(f"/api/v1/referrals/{created['id']}/award", headers=broker,
                                    json={"provider_id": chosen, "reason": "knows the family"})
    assert awarded.status_code == 200, awarded.text
    body = awarded.json()
    assert (body["status"], body["placed_with"]) == ("placed", chosen)
    assert ("withdrawn", None) in events_of(body["history"], primary)
    assert "knows the family" in body["history"][-1]["detail"]
    late = await answer(suite, primary, (await suite.http.get(
        "/api/v1/offers", headers=await suite.provider(primary))).json()["items"][0]["id"], "accept", {})
    assert late.status_code == 409
    again = await suite.http.post(f"/api/v1/referrals/{created['id']}/cancel", headers=broker)
    assert again.status_code == 409


async def test_retry_and_cancel(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    retried = await suite.http.post(f"/api/v1/referrals/{created['id']}/retry", headers=broker)
    assert retried.status_code == 200
    assert [event for event, _ in events_of(retried.json()["history"], primary)].count("offered") == 2
    cancelled = await suite.http.post(f"/api/v1/referrals/{created['id']}/cancel", headers=broker)
    assert cancelled.json()["status"] == "cancelled"
    assert await open_offers(suite, primary) == []
    assert (await suite.http.post("/api/v1/referrals/00000000-0000-0000-0000-000000000000/cancel",
                                  headers=broker)).status_code == 404


async def test_the_referral_list_is_paginated(suite: Suite, market: Market) -> None:
    await market.area()
    broker = await suite.staff("broker")
    made = [(await refer(suite, broker))["id"] for _ in range(3)]
    first = (await suite.http.get("/api/v1/referrals", params={"limit": 2}, headers=broker)).json()
    second = (await suite.http.get("/api/v1/referrals", params={"limit": 2, "cursor": first["next_cursor"]},
                                   headers=broker)).json()
    assert [each["id"] for each in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None


async def test_events_are_published_for_every_step(suite: Suite, market: Market) -> None:
    await market.area(mode=FrameworkOfferMode.BROADCAST)
    one = await market.provider(Tier.FRAMEWORK)
    await market.provider(Tier.FRAMEWORK)
    broker = await suite.staff("broker")
    await refer(suite, broker)
    await answer(suite, one, (await open_offers(suite, one))[0]["id"], "accept", {"start_on": None})
    unsourced = await refer(suite, broker, area="OAK", needs=["peg_feeding"], client_group="mental_health")
    assert unsourced["status"] == "unsourced"
    async with market.database.sessionmaker() as session:
        types = set((await session.scalars(select(INFRA.events.outbox.c.event_type))).all())
    assert {"brokerage.referral.created.v1", "brokerage.offer.made.v1", "brokerage.offer.accepted.v1",
            "brokerage.offer.withdrawn.v1", "brokerage.referral.placed.v1",
            "brokerage.referral.unsourced.v1"} <= types


async def test_a_retried_create_with_the_same_idempotency_key_makes_one_referral(
    suite: Suite, market: Market
) -> None:
    await market.area()
    headers = {**await suite.staff("broker"), "Idempotency-Key": "referral-42"}
    first = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=headers)
    again = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert await count_referrals(market) == 1


async def test_reading_a_referral_is_audited_but_not_the_answer_to_making_it_and_an_unknown_award_is_422(
    suite: Suite, market: Market
) -> None:
    await market.area()
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    await referral(suite, broker, created["id"])
    async with market.database.sessionmaker() as session:
        actions = (await session.scalars(select(INFRA.audit.c.action).where(
            INFRA.audit.c.entity_id == created["id"]))).all()
    assert sorted(actions) == ["referral.created", "referral.read"]
    unknown = await suite.http.post(f"/api/v1/referrals/{created['id']}/award", headers=broker, json={
        "provider_id": "00000000-0000-0000-0000-000000000001", "reason": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "provider_id"
    assert (await referral(suite, broker, created["id"]))["status"] == created["status"] == "unsourced"


async def test_the_suites_clock_dates_a_referral_and_its_offers_and_says_what_is_past(backend: Backend) -> None:
    clock = FixedClock(datetime.combine(TODAY + timedelta(days=10), time(9, 30), UTC))
    market = market_of(brokerage_database(backend))
    try:
        async with running_suite(backend, clock=clock) as suite:
            await market.area()
            primary = await market.provider(Tier.PRIMARY)
            broker = await suite.staff("broker")
            past = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=broker)
            assert past.status_code == 422
            assert [each["field"] for each in past.json()["errors"]] == ["start_on"]
            created = await refer(suite, broker, start_on=(clock.today() + timedelta(days=1)).isoformat())
            assert datetime.fromisoformat(created["created_at"]) == clock.now()
            [offer] = await open_offers(suite, primary)
            assert datetime.fromisoformat(offer["deadline"]) == clock.now() + timedelta(days=1)
    finally:
        await market.database.dispose()
