"""The demo council (`DEMO_DATA=1`): loaded once through the public API, at the seed's scale and mix, the
same on a second start, and read back here through the API as a newcomer's screens would read it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from services.demo import DEMO_PASSWORD, DEMO_USERS, PROVIDER_USER, load_demo_data
from services.demo.activity import DAY_NAMES, late_minutes, payment_period, tempered, visits_of
from services.demo.council import BANDS, band_of, placements, weekly_hours
from tests.harness import Backend, Suite, eventually, running_suite


async def _headers(suite: Suite, username: str) -> dict[str, str]:
    token = await suite.token(grant_type="password", username=username, password=DEMO_PASSWORD)
    return {"Authorization": f"Bearer {token}"}


async def _items(suite: Suite, headers: dict[str, str], path: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = await suite.http.get(path, headers=headers, params={**params, "limit": 500, "cursor": cursor})
        assert answer.status_code == 200, answer.text
        found.extend(answer.json()["items"])
        cursor = answer.json()["next_cursor"]
        if not cursor:
            return found


async def _census(suite: Suite) -> dict[str, Any]:
    """What the demo council holds, as its staff read it."""
    commissioner, broker = await _headers(suite, "demo.commissioner"), await _headers(suite, "demo.broker")
    finance, quality = await _headers(suite, "demo.finance"), await _headers(suite, "demo.quality")
    referrals = await _items(suite, broker, "/api/v1/referrals")
    providers = await _items(suite, commissioner, "/api/v1/providers")
    return {
        "areas": len((await suite.http.get("/api/v1/areas", headers=commissioner)).json()["items"]),
        "providers": sorted(provider["name"] for provider in providers),
        "referrals": Counter(referral["status"] for referral in referrals),
        "external_refs": sorted(referral["external_ref"] for referral in referrals if referral["external_ref"]),
        "client_refs": sorted(referral["client_ref"] for referral in referrals),
        "packages": len(await _items(suite, finance, "/api/v1/packages")),
        "visits": Counter(visit["outcome"] for visit in await _items(suite, finance, "/api/v1/visits")),
        "invoices": len(await _items(suite, finance, "/api/v1/invoices")),
        "rate_cards": len(await _items(suite, finance, "/api/v1/rate-cards")),
        **{path: len(await _items(suite, quality, f"/api/v1/{path}"))
           for path in ("concerns", "monitoring-visits", "action-plans", "feedback")},
    }


async def test_the_demo_council_loads_once_at_the_seeds_scale(backend: Backend) -> None:
    async with running_suite(backend) as suite:
        made = await load_demo_data(suite.app)  # its time is logged ("demo council loaded in"), never asserted
        assert made["packages imported"] == 125
        first = await _census(suite)
        await _check_the_mix(suite, first)
    async with running_suite(backend) as suite:  # a second start of the suite
        assert await load_demo_data(suite.app) == {}
        assert await _census(suite) == first


async def _check_the_mix(suite: Suite, census: dict[str, Any]) -> None:
    broker, commissioner = await _headers(suite, "demo.broker"), await _headers(suite, "demo.commissioner")
    assert len(set(census["client_refs"])) == len(census["client_refs"])
    assert census["areas"] == 5
    assert census["rate_cards"] == 5
    imported = {referral["id"] for referral in await _items(suite, broker, "/api/v1/referrals", status="placed")
                if referral["external_ref"]}
    packages = [package for package in await _items(suite, broker, "/api/v1/packages")
                if package["referral_id"] in imported]
    assert Counter(band_of(Decimal(package["weekly_hours"])) for package in packages) == {
        name: count for name, count, *_ in BANDS} == {"up to 14 h": 74, "14-20 h": 29, "21-34 h": 15,
                                                    "35 h or more": 7}
    assert sum(any(visit["carers"] == 2 for visit in package["visits"]) for package in packages) == 9
    assert census["packages"] == census["referrals"]["placed"] > 125
    assert census["referrals"]["unsourced"] >= 3
    assert census["referrals"]["sourcing"] >= 2

    providers = await _items(suite, commissioner, "/api/v1/providers")
    tiers = Counter(tier for provider in providers for tier in {c["tier"] for c in provider["contracts"]})
    assert tiers["primary"] == 2
    assert tiers["block"] == 1
    assert tiers["second_tier"] == 3
    assert 18 <= tiers["framework"] <= 22
    assert {provider["rating"]["overall"] for provider in providers} == {
        "outstanding", "good", "requires_improvement", "inadequate"}
    assert [p["name"] for p in providers if any(e["imposed_by"] == "regulator" for e in p["embargoes"])] == [
        "Bluebell Domiciliary Care"]

    assert set(census["visits"]) == {"delivered", "missed", "cancelled_by_client", "frustrated"}
    start, end = payment_period(date.today())
    finance = await _headers(suite, "demo.finance")
    invoices = await _items(suite, finance, "/api/v1/invoices")
    assert invoices
    assert {(i["period_start"], i["period_end"]) for i in invoices} == {(str(start), str(end))}
    assert all(census[path] for path in ("concerns", "monitoring-visits", "action-plans"))
    quality = await _headers(suite, "demo.quality")

    async def reds() -> list[str]:
        return [row["provider_name"] for row in await _items(suite, quality, "/api/v1/risk-matrix")
                if row["rag"] == "red"]
    assert await eventually(reds, timeout=30) == ["Bluebell Domiciliary Care"]
    await _headers(suite, PROVIDER_USER[0])


def test_the_placements_are_the_same_every_time() -> None:
    today = date(2026, 11, 29)
    assert [p.row("x") for p in placements(today)] == [p.row("x") for p in placements(today)]


async def test_no_demo_user_exists_without_demo_data(suite: Suite) -> None:
    await _no_demo_user_signs_in(suite)


async def _no_demo_user_signs_in(suite: Suite) -> None:
    for username in [*DEMO_USERS, PROVIDER_USER[0]]:
        answer = await suite.http.post("/api/v1/auth/token", data={
            "grant_type": "password", "username": username, "password": DEMO_PASSWORD})
        assert answer.status_code in (400, 401), answer.text


async def test_the_demo_never_loads_into_a_suite_holding_other_data(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    answer = await suite.http.post("/api/v1/areas", headers=commissioner, json={
        "code": "ZZZ", "name": "A council's own area", "rural": False, "framework_offer_mode": "ranked"})
    assert answer.status_code == 201, answer.text
    assert await load_demo_data(suite.app) == {}
    providers = await suite.http.get("/api/v1/providers", headers=commissioner)
    assert providers.json()["items"] == []
    await _no_demo_user_signs_in(suite)


def test_the_generated_council_has_the_seeds_mix_before_any_call() -> None:
    made = placements(date(2026, 11, 29))
    assert Counter(band_of(weekly_hours(p.visits)) for p in made) == {
        "up to 14 h": 74, "14-20 h": 29, "21-34 h": 15, "35 h or more": 7}
    assert sum(p.visits[0]["carers"] == 2 for p in made) == 9
    assert len({p.external_ref for p in made}) == len({p.client_ref for p in made}) == 125
    assert min(p.start_on for p in made) >= date(2025, 11, 29)


def test_a_packages_visits_are_the_same_every_time_and_no_provider_fails_often() -> None:
    period = payment_period(date(2026, 11, 29))
    packages = [{"id": f"p{n}", "client_ref": f"RUT-{n:04d}", "start_on": "2026-01-05",
                 "visits": [{"day": day, "start": "08:00", "minutes": 45, "carers": 1} for day in DAY_NAMES]}
                for n in range(40)]
    rows = [row for package in packages for row in visits_of(package, period)]
    assert rows == [row for package in packages for row in visits_of(package, period)]
    assert len(rows) == 40 * 28
    assert period == (date(2026, 10, 26), date(2026, 11, 22))
    kept = tempered(rows)
    assert sum(row["outcome"] == "missed" for row in kept) <= 2
    assert sum(late_minutes(row) >= 15 for row in kept) <= 4
    assert {row["outcome"] for row in kept} == {"delivered", "missed", "cancelled_by_client", "frustrated"}
