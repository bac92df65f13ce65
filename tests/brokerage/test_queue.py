"""The broker's queue through the gateway: filters, and beside each referral the tier reached, its open
offers with their answer-by times, the provider it was placed with and the newest step a broker is told of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.brokerage.referrals.queue_domain import furthest_tier
from shared.contracts.common import Tier
from tests.brokerage.conftest import Market
from tests.brokerage.test_referrals import answer, open_offers, refer
from tests.harness import Suite


async def listed(suite: Suite, broker: dict[str, str], **params: str) -> list[dict[str, Any]]:
    found = await suite.http.get("/api/v1/referrals", params=params, headers=broker)
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


def test_the_tier_reached_is_the_furthest_down_the_cascade() -> None:
    assert furthest_tier([Tier.PRIMARY, Tier.SECOND_TIER, Tier.FRAMEWORK]) is Tier.SECOND_TIER
    assert furthest_tier([None, Tier.BLOCK]) is Tier.BLOCK
    assert furthest_tier([]) is None


async def test_the_queue_shows_open_offers_the_tier_reached_and_who_it_was_placed_with(
    suite: Suite, market: Market
) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="120.00")
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    [row] = await listed(suite, broker, status="sourcing")
    assert (row["id"], row["tier_reached"], row["placed_with_name"], row["last_event"]) == (
        created["id"], "primary", None, None)
    [offer] = row["open_offers"]
    assert (offer["provider_id"], offer["tier"]) == (primary, "primary")
    assert offer["provider_name"]
    assert datetime.fromisoformat(offer["deadline"]) > datetime.now(UTC)
    accepted = await answer(suite, primary, (await open_offers(suite, primary))[0]["id"], "accept", {})
    assert accepted.status_code == 200, accepted.text
    [placed] = await listed(suite, broker, status="placed")
    assert (placed["open_offers"], placed["placed_with_name"]) == ([], offer["provider_name"])
    assert (placed["last_event"]["event"], placed["last_event"]["provider_name"]) == ("placed", offer["provider_name"])


async def test_the_queue_filters_by_area_urgency_and_steps_since_a_time(suite: Suite, market: Market) -> None:
    await market.area()
    await market.area("UPP")
    primary = await market.provider(Tier.PRIMARY, cap="120.00")
    await market.provider(Tier.FRAMEWORK)
    broker = await suite.staff("broker")
    before = datetime.now(UTC) - timedelta(seconds=1)
    routine = await refer(suite, broker)
    discharge = await refer(suite, broker, urgency="hospital_discharge")
    waiting = await refer(suite, broker, area="UPP")
    assert [each["id"] for each in await listed(suite, broker, area="UPP")] == [waiting["id"]]
    assert [each["id"] for each in await listed(suite, broker, urgency="hospital_discharge")] == [discharge["id"]]
    offer = next(each for each in await open_offers(suite, primary) if each["referral_id"] == routine["id"])
    declined = await answer(suite, primary, offer["id"], "decline", {"reason": "no_capacity"})
    assert declined.status_code == 200, declined.text
    told = await listed(suite, broker, event_since=before.isoformat())
    assert {each["id"]: each["last_event"]["event"] for each in told} == {routine["id"]: "declined",
                                                                          waiting["id"]: "unsourced"}
    assert (told[0]["last_event"]["reason"], told[0]["tier_reached"]) == ("no_capacity", "framework")
    assert await listed(suite, broker, event_since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []
    naive = await suite.http.get("/api/v1/referrals", params={"event_since": "2026-11-30T09:00:00"}, headers=broker)
    assert naive.status_code == 422


async def test_a_broker_lists_the_referrals_they_made(suite: Suite, market: Market) -> None:
    await market.area()
    one, other = await suite.staff("broker"), await suite.staff("broker")
    made = await refer(suite, one)
    await refer(suite, other)
    assert [each["id"] for each in await listed(suite, one, mine="true")] == [made["id"]]
    assert len(await listed(suite, one)) == 2
