"""A broker's changes to a referral through the gateway: cancel with a reason, amend the terms of one still
being sourced (sourced again), and the cascade's view of every provider before a direct award."""

from __future__ import annotations

import base64
import json

from shared.contracts.common import EmbargoScope, Tier
from tests.brokerage.conftest import Market
from tests.brokerage.test_referrals import SHORT_VISITS, events_of, open_offers, refer
from tests.harness import Suite


def subject_of(headers: dict[str, str]) -> str:
    """The user a bearer token speaks for (its `sub`)."""
    payload = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    subject: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    return subject


async def test_a_cancellation_keeps_its_reason_and_words_in_the_history(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    path = f"/api/v1/referrals/{created['id']}/cancel"
    vague = await suite.http.post(path, headers=broker, json={"reason": "other"})
    assert vague.status_code == 422, vague.text
    unknown = await suite.http.post(path, headers=broker, json={"reason": "bored"})
    assert unknown.status_code == 422
    cancelled = await suite.http.post(path, headers=broker, json={"reason": "care_arranged_elsewhere",
                                                                  "detail": "Family found a live-in carer"})
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled"
    last = body["history"][-1]
    assert (last["event"], last["reason"], last["detail"], last["actor"]) == (
        "cancelled", "care_arranged_elsewhere", "Family found a live-in carer", subject_of(broker))
    assert ("withdrawn", None) in events_of(body["history"], primary)
    assert await open_offers(suite, primary) == []


async def test_a_cancellation_without_a_body_is_still_recorded(suite: Suite, market: Market) -> None:
    await market.area()
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    cancelled = await suite.http.post(f"/api/v1/referrals/{created['id']}/cancel", headers=broker)
    assert cancelled.status_code == 200, cancelled.text
    assert [(each["event"], each["reason"]) for each in cancelled.json()["history"][-1:]] == [("cancelled", None)]


async def test_an_amended_referral_is_sourced_again_on_its_new_terms(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    path = f"/api/v1/referrals/{created['id']}"
    amended = await suite.http.patch(path, headers=broker, json={
        "urgency": "crisis", "needs": ["medication", "dementia"],
        "visits": [{"day": "mon", "start": "09:00", "minutes": 60, "carers": 2}]})
    assert amended.status_code == 200, amended.text
    body = amended.json()
    assert (body["urgency"], body["weekly_hours"], body["status"]) == ("crisis", "2.00", "sourcing")
    history = body["history"]
    amendment = next(each for each in history if each["event"] == "amended")
    assert (amendment["detail"], amendment["actor"]) == ("changed: visits, needs, urgency", subject_of(broker))
    assert all(each["actor"] is None for each in history if each["event"] != "amended")
    assert [event for event, _ in events_of(history, primary)] == ["considered", "offered", "withdrawn",
                                                                   "considered", "offered"]
    offers = await open_offers(suite, primary)
    assert [(each["referral_id"], each["weekly_hours"]) for each in offers] == [(created["id"], "2.00")]


async def test_an_amendment_keeps_the_rules_of_a_new_referral_and_a_closed_one_cannot_change(
    suite: Suite, market: Market
) -> None:
    await market.area()
    await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    path = f"/api/v1/referrals/{created['id']}"
    short = await suite.http.patch(path, headers=broker, json={"visits": SHORT_VISITS})
    assert short.status_code == 422
    assert {each["field"] for each in short.json()["errors"]} >= {"short_visit_justification.worker_known"}
    same = await suite.http.patch(path, headers=broker, json={"urgency": created["urgency"]})
    assert same.status_code == 422
    assert "nothing to change" in same.json()["detail"]
    stray = await suite.http.patch(path, headers=broker, json={"area": "UPP"})
    assert stray.status_code == 422
    assert (await suite.http.post(f"{path}/cancel", headers=broker)).status_code == 200
    closed = await suite.http.patch(path, headers=broker, json={"urgency": "crisis"})
    assert closed.status_code == 409


async def test_eligibility_lists_the_eligible_first_then_each_skipped_provider_with_its_reason(
    suite: Suite, market: Market
) -> None:
    await market.area()
    await market.area("UPP")
    primary = await market.provider(Tier.PRIMARY)
    embargoed = await market.provider(Tier.FRAMEWORK, embargo=EmbargoScope.ALL, rating="outstanding")
    framework = await market.provider(Tier.FRAMEWORK)
    await market.provider(Tier.FRAMEWORK, area="UPP")
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    answer = await suite.http.get(f"/api/v1/referrals/{created['id']}/eligibility", headers=broker)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(each["provider_id"], each["eligible"], each["reason"]) for each in items] == [
        (primary, True, None), (framework, True, None), (embargoed, False, "embargoed")]
    assert items[2]["detail"] == "embargoed: council embargo on all new work"
    assert items[0]["provider_name"] == "primary provider"
    missing = await suite.http.get("/api/v1/referrals/00000000-0000-0000-0000-000000000000/eligibility",
                                   headers=broker)
    assert missing.status_code == 404


async def test_an_award_over_the_cascade_names_the_rule_it_overrides(suite: Suite, market: Market) -> None:
    await market.area()
    await market.provider(Tier.PRIMARY)
    embargoed = await market.provider(Tier.FRAMEWORK, embargo=EmbargoScope.ALL)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    awarded = await suite.http.post(f"/api/v1/referrals/{created['id']}/award", headers=broker,
                                    json={"provider_id": embargoed, "reason": "only one with a night carer"})
    assert awarded.status_code == 200, awarded.text
    assert awarded.json()["history"][-1]["actor"] == subject_of(broker)
    assert awarded.json()["history"][-1]["detail"] == ("awarded by a broker: only one with a night carer "
                                                      "(overriding the cascade: embargoed: council embargo on all "
                                                      "new work)")


async def test_only_brokers_amend_or_cancel_and_providers_never_see_eligibility(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    commissioner = await suite.staff("commissioner")
    created = await refer(suite, broker)
    path = f"/api/v1/referrals/{created['id']}"
    assert (await suite.http.patch(path, headers=commissioner, json={"urgency": "crisis"})).status_code == 403
    assert (await suite.http.post(f"{path}/cancel", headers=commissioner,
                                  json={"reason": "duplicate"})).status_code == 403
    assert (await suite.http.get(f"{path}/eligibility", headers=commissioner)).status_code == 200
    assert (await suite.http.get(f"{path}/eligibility",
                                 headers=await suite.provider(primary))).status_code == 403
