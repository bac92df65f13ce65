"""Rate cards, quotes and financial assessments through the gateway."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.harness import Backend, Suite, running_suite
from tests.packages.conftest import SEED_CARD, SMOKE_CARD, WEEKDAYS, weekly

DEMO_CARD = {**SEED_CARD, "travel_minutes_per_visit": 12, "mileage_per_visit_miles": "3.0",
             "overhead_percent": "25.00", "surplus_percent": "3.00", "weekend_uplift_percent": "10.00"}


async def test_a_rate_card_shows_its_hourly_rate_and_a_breakdown_that_adds_up(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    created = await suite.http.post("/api/v1/rate-cards", json=DEMO_CARD, headers=commissioner)
    assert created.status_code == 201, created.text
    shown = await suite.http.get(f"/api/v1/rate-cards/{created.json()['id']}", headers=await suite.staff("broker"))
    card = shown.json()
    assert card["hourly_rate"] == "26.07"
    assert sum(Decimal(v) for v in card["breakdown"].values()) == Decimal(card["hourly_rate"])
    prices = card["prices"]
    assert Decimal(prices["contact_hour"]) + Decimal(prices["per_visit"]) == Decimal(card["hourly_rate"])
    # the weekend's 10% on 20.28; no night uplift on this card
    assert (prices["weekend_contact_hour"], prices["night_contact_hour"]) == ("22.31", prices["contact_hour"])
    assert set(card["breakdown"]) == {"care_worker_pay", "travel_time_pay", "mileage", "on_costs",
                                      "training_supervision", "overheads", "surplus"}
    listed = await suite.http.get("/api/v1/rate-cards", params={"area": "OAK"}, headers=commissioner)
    assert [item["id"] for item in listed.json()["items"]] == [card["id"]]


async def test_a_rate_card_below_the_minimum_wage_once_travel_is_counted_is_refused(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    unpaid_travel = {**DEMO_CARD, "travel_minutes_per_visit": 20, "travel_hourly_pay": "6.00"}
    answer = await suite.http.post("/api/v1/rate-cards", json=unpaid_travel, headers=commissioner)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("below-minimum-wage")
    assert answer.json()["effective_hourly_pay"] == "10.95"
    listed = await suite.http.get("/api/v1/rate-cards", headers=commissioner)
    assert listed.json()["items"] == []


async def test_rate_cards_need_a_commissioner_and_valid_input(suite: Suite) -> None:
    broker = await suite.staff("broker")
    assert (await suite.http.post("/api/v1/rate-cards", json=DEMO_CARD, headers=broker)).status_code == 403
    assert (await suite.http.post("/api/v1/rate-cards", json=DEMO_CARD)).status_code == 401
    bad = {**DEMO_CARD, "care_worker_hourly_pay": "abc", "on_cost_percent": "-1"}
    answer = await suite.http.post("/api/v1/rate-cards", json=bad, headers=await suite.staff("commissioner"))
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"care_worker_hourly_pay", "on_cost_percent"}


async def test_a_second_card_for_the_same_area_and_date_conflicts(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    assert (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)).status_code == 201
    again = await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    assert again.status_code == 409


async def test_a_quote_uses_the_card_in_force_and_splits_with_the_seed_caps(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    await suite.http.post("/api/v1/rate-cards", json={**SEED_CARD, "effective_from": "2026-06-01",
                                                     "care_worker_hourly_pay": "14.00"}, headers=commissioner)
    assessed = await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": "C-9", "assessed_weekly_contribution": "500.00", "effective_from": "2026-01-01"})
    assert assessed.status_code == 201, assessed.text
    body = {"area": "OAK", "visits": weekly(60, days=("mon", "tue", "wed", "thu", "fri")) * 2,
            "on": "2026-03-01", "client_ref": "C-9"}
    quote = (await suite.http.post("/api/v1/quotes", json=body, headers=broker)).json()
    assert quote == {"weekly_hours": "10.00", "weekly_cost": "157.50", "council_share": "27.50",
                     "health_share": "0.00", "client_contribution": "130.00", "hourly_rate": "15.75",
                     "price_lines": [{"description": "Weekday contact hours", "quantity": "10.00", "unit": "hour",
                                      "unit_price": "15.75", "amount": "157.50"}]}
    later = (await suite.http.post("/api/v1/quotes", json={**body, "on": "2026-07-01"}, headers=broker)).json()
    assert later["hourly_rate"] == "17.50"


async def test_a_quote_takes_a_referral_shaped_funding_object(suite: Suite) -> None:
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=await suite.staff("commissioner"))
    body = {"area": "OAK", "visits": weekly(60, days=("mon", "thu")), "on": "2026-03-01",
            "funding": {"health_share_percent": 50}}
    quote = (await suite.http.post("/api/v1/quotes", json=body, headers=await suite.staff("broker"))).json()
    assert (quote["weekly_cost"], quote["health_share"], quote["council_share"]) == ("31.50", "15.75", "15.75")


async def test_a_quote_without_a_rate_card_is_refused(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/quotes", json={"area": "NOPE", "visits": weekly(30)},
                                   headers=await suite.staff("quality_officer"))
    assert answer.status_code == 422
    assert answer.json()["type"].endswith("no-rate-card")


async def test_reading_a_financial_assessment_is_audited_and_limited_to_care_staff(suite: Suite) -> None:
    broker = await suite.staff("broker")
    created = (await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": "C-1", "assessed_weekly_contribution": "50.00", "effective_from": "2026-01-01"})).json()
    shown = await suite.http.get(f"/api/v1/financial-assessments/{created['id']}", headers=broker)
    assert shown.json()["assessed_weekly_contribution"] == "50.00"
    quality = await suite.staff("quality_officer")
    assert (await suite.http.get(f"/api/v1/financial-assessments/{created['id']}",
                                 headers=quality)).status_code == 403


NIGHT_CARD = {**SEED_CARD, "night_uplift_percent": "20.00"}


async def test_a_night_visit_costs_the_cards_night_uplift_more_than_the_same_visit_by_day(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    created = await suite.http.post("/api/v1/rate-cards", json=NIGHT_CARD, headers=commissioner)
    assert created.status_code == 201, created.text
    shown = (await suite.http.get(f"/api/v1/rate-cards/{created.json()['id']}", headers=broker)).json()
    assert (shown["night_uplift_percent"], shown["hourly_rate"]) == ("20.00", "15.75")
    body = {"area": "OAK", "on": "2026-03-01"}
    night = await suite.http.post("/api/v1/quotes", headers=broker,
                                  json={**body, "visits": weekly(60, days=("mon",), start="23:00")})
    day = await suite.http.post("/api/v1/quotes", headers=broker,
                                json={**body, "visits": weekly(60, days=("mon",), start="09:00")})
    assert (night.json()["weekly_cost"], day.json()["weekly_cost"]) == ("18.90", "15.75")  # 15.75 x 1.20
    assert night.json()["weekly_hours"] == day.json()["weekly_hours"] == "1.00"


async def test_a_card_without_a_night_uplift_shows_none_and_prices_nights_as_days(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    created = (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)).json()
    assert created["night_uplift_percent"] == "0.00"
    body = {"area": "OAK", "on": "2026-03-01", "visits": weekly(60, start="23:00")}
    assert (await suite.http.post("/api/v1/quotes", json=body, headers=broker)).json()["weekly_cost"] == "110.25"


@pytest.mark.parametrize("uplift", ["-1", "101"])
async def test_a_night_uplift_outside_0_to_100_percent_is_refused(suite: Suite, uplift: str) -> None:
    commissioner = await suite.staff("commissioner")
    answer = await suite.http.post("/api/v1/rate-cards", json={**SEED_CARD, "night_uplift_percent": uplift},
                                   headers=commissioner)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["night_uplift_percent"]
    assert (await suite.http.get("/api/v1/rate-cards", headers=commissioner)).json()["items"] == []


async def test_quotes_use_the_councils_night_window_from_the_settings(backend: Backend) -> None:
    async with running_suite(backend, PACKAGES_NIGHT_STARTS="20:00", PACKAGES_NIGHT_ENDS="06:00") as suite:
        broker = await suite.staff("broker")
        await suite.http.post("/api/v1/rate-cards", json=NIGHT_CARD, headers=await suite.staff("commissioner"))
        body = {"area": "OAK", "on": "2026-03-01", "visits": [
            *weekly(60, days=("mon",), start="21:00"), *weekly(60, days=("tue",), start="06:00")]}
        quote = (await suite.http.post("/api/v1/quotes", json=body, headers=broker)).json()
        assert quote["weekly_cost"] == "34.65"  # 15.75 x 1.20 at 21:00 + 15.75 at 06:00, the end of the night


@pytest.mark.parametrize(("visits", "weekly_cost", "lines"), [
    pytest.param(weekly(60, days=WEEKDAYS), "124.10", [("5.00", "hour", "20.28", "101.40"),
                                                      ("5.00", "visit", "4.54", "22.70")], id="five-one-hour-visits"),
    pytest.param(weekly(60, days=WEEKDAYS) * 8, "992.80", [("40.00", "hour", "20.28", "811.20"),
                                                          ("40.00", "visit", "4.54", "181.60")], id="forty-hours"),
    pytest.param(weekly(45, days=("mon",)), "19.75", [("0.75", "hour", "20.28", "15.21"),
                                                      ("1.00", "visit", "4.54", "4.54")], id="a-45-minute-visit"),
    pytest.param(weekly(60, days=WEEKDAYS, carers=2), "248.20", [("10.00", "hour", "20.28", "202.80"),
                                                                ("10.00", "visit", "4.54", "45.40")], id="double-up"),
    pytest.param([*weekly(60, days=("sat",)), *weekly(30, days=("tue",), start="23:00")], "44.92",
                 [("1.00", "hour", "22.31", "22.31"), ("1.00", "visit", "4.99", "4.99"),
                  ("0.50", "hour", "24.34", "12.17"), ("1.00", "visit", "5.45", "5.45")], id="weekend-and-night"),
])
async def test_a_quote_is_quantities_at_published_prices_that_a_calculator_reproduces(
        suite: Suite, visits: list[dict[str, object]], weekly_cost: str, lines: list[tuple[str, ...]]) -> None:
    created = await suite.http.post("/api/v1/rate-cards", json=SMOKE_CARD, headers=await suite.staff("commissioner"))
    prices = created.json()["prices"]
    assert (created.json()["hourly_rate"], prices["contact_hour"], prices["per_visit"]) == ("24.82", "20.28", "4.54")
    quote = (await suite.http.post("/api/v1/quotes", json={"area": "OAK", "visits": visits, "on": "2026-03-01"},
                                   headers=await suite.staff("broker"))).json()
    assert quote["weekly_cost"] == weekly_cost
    charged = [(line["quantity"], line["unit"], line["unit_price"], line["amount"]) for line in quote["price_lines"]]
    assert charged == lines
    assert sum(Decimal(line["amount"]) for line in quote["price_lines"]) == Decimal(weekly_cost)
    published = set(prices.values())
    for line in quote["price_lines"]:
        assert line["unit_price"] in published
        assert Decimal(line["amount"]) == (Decimal(line["quantity"]) * Decimal(line["unit_price"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
