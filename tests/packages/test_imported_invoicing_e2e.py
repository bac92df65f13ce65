"""Going live: a council's existing placements brought in through the import, their visits for the last
four weeks reported with every outcome, and the period invoiced to the penny, each line's rule as expected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.harness import Suite, eventually
from tests.packages.conftest import PERIOD, SMOKE_CARD, START, visit

WEEKDAY_OFFSETS = [week * 7 + day for week in range(4) for day in range(5)]
SCHEDULE = [{"day": day, "start": "08:00", "minutes": 60, "carers": 1} for day in ("mon", "tue", "wed", "thu", "fri")]


def _placement(n: int, provider_id: str, *, health: int = 0) -> dict[str, Any]:
    return {"external_ref": f"GO-LIVE-{n}", "client_ref": f"C-GL-{n}", "area": "OAK", "client_group": "older_people",
            "needs": [], "urgency": "routine", "start_on": str(START - timedelta(days=365)), "visits": SCHEDULE,
            "short_visit_justification": None, "funding": {"health_share_percent": health},
            "provider_id": provider_id}


async def _registered_provider(suite: Suite) -> str:
    commissioner = await suite.staff("commissioner")
    assert (await suite.http.post("/api/v1/areas", headers=commissioner, json={
        "code": "OAK", "name": "Oakham", "rural": False, "framework_offer_mode": "ranked"})).status_code == 201
    provider = await suite.http.post("/api/v1/providers", headers=commissioner, json={
        "name": "Rutland Home Care", "skills": [], "client_groups": ["older_people"], "cqc_location_id": None})
    provider_id: str = provider.json()["id"]
    contracts = await suite.http.put(f"/api/v1/providers/{provider_id}/contracts", headers=commissioner, json={
        "contracts": [{"area": "OAK", "tier": "framework", "weekly_hours_cap": None, "block_hours": None,
                       "starts_on": str(START - timedelta(days=400)), "ends_on": None}]})
    assert contracts.status_code == 200, contracts.text
    assert (await suite.http.post("/api/v1/rate-cards", json=SMOKE_CARD, headers=commissioner)).status_code == 201
    return provider_id


async def test_imported_placements_are_invoiced_for_the_last_four_weeks_from_their_reported_visits(
        suite: Suite) -> None:
    provider_id = await _registered_provider(suite)
    broker, finance = await suite.staff("broker"), await suite.staff("finance")
    placements = [_placement(1, provider_id), _placement(2, provider_id), _placement(3, provider_id),
                  _placement(4, provider_id, health=50)]

    async def imported() -> dict[str, Any] | None:
        """The registry's provider reaches brokerage by its events; until then its rows are refused."""
        report: dict[str, Any] = (await suite.http.post("/api/v1/referrals/import", json={"placements": placements},
                                                        headers=broker)).json()
        return report if not report["rejected"] else None

    report = await eventually(imported)
    assert report["created"] + report["unchanged"] == 4

    async def packages() -> list[dict[str, Any]] | None:
        items = (await suite.http.get("/api/v1/packages", params={"provider_id": provider_id},
                                      headers=broker)).json()["items"]
        return items if len(items) == 4 else None

    by_client = {package["client_ref"]: package["id"] for package in await eventually(packages)}
    steady, planned, mixed, shared = (by_client[f"C-GL-{n}"] for n in range(1, 5))
    missed = {"outcome": "missed", "actual_start": None, "actual_minutes": None}
    outcomes: dict[int, dict[str, Any]] = {
        0: missed, 1: missed, 2: {"actual_minutes": 41}, 3: {"actual_minutes": 41},
        4: {"outcome": "frustrated", "actual_minutes": None},
        7: {"outcome": "cancelled_by_client", "actual_start": None, "actual_minutes": None, "notice_hours": "1.00"}}
    visits = [
        *(visit(steady, offset, f"S-{offset}", actual_minutes=58) for offset in WEEKDAY_OFFSETS),
        *(visit(mixed, offset, f"M-{offset}", **outcomes.get(offset, {"actual_minutes": 57}))
          for offset in WEEKDAY_OFFSETS),
        *(visit(shared, offset, f"H-{offset}", actual_minutes=60) for offset in WEEKDAY_OFFSETS)]
    recorded = await suite.http.post("/api/v1/visits", json={"visits": visits},
                                     headers=await suite.provider(provider_id))
    assert recorded.json()["recorded"] == 60, recorded.text

    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    [summary] = run["issued"]
    assert run["unpriced_packages"] == []
    invoice = (await suite.http.get(f"/api/v1/invoices/{summary['id']}", headers=finance)).json()
    lines: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for line in invoice["lines"]:
        lines.setdefault(line["package_id"], []).append(
            (line["funder"], line["rule"], line["unit"], line["quantity"], line["amount"]))
    every_weekday = [("hour", "20.00", "405.60"), ("visit", "20.00", "90.80")]
    assert lines[steady] == [("council", "delivered_within_tolerance", *each) for each in every_weekday]
    assert lines[planned] == [("council", "planned_schedule", *each) for each in every_weekday]
    assert lines[mixed] == [
        ("council", "delivered_within_tolerance", "hour", "14.00", "283.92"),
        ("council", "delivered_within_tolerance", "visit", "14.00", "63.56"),
        ("council", "actual_minutes", "hour", "1.50", "30.42"),
        ("council", "actual_minutes", "visit", "2.00", "9.08"),
        ("council", "frustrated_visit", "hour", "1.00", "20.28"),
        ("council", "frustrated_visit", "visit", "1.00", "4.54"),
        ("council", "late_cancellation", "hour", "1.00", "20.28"),
        ("council", "late_cancellation", "visit", "1.00", "4.54")]
    assert lines[shared] == [
        ("council", "delivered_within_tolerance", "hour", "10.00", "202.80"),
        ("council", "delivered_within_tolerance", "visit", "10.00", "45.40"),
        ("health", "delivered_within_tolerance", "hour", "10.00", "202.80"),
        ("health", "delivered_within_tolerance", "visit", "10.00", "45.40")]
    assert invoice["total"] == "1925.82"  # 3 x 496.40 + 436.62
