"""Call-logging compliance and punctuality, from the visits a provider reported to the risk matrix: the
invoice run counts them per provider and period, and quality shows a provider below the target."""

from __future__ import annotations

from typing import Any

from tests.harness import Suite, eventually
from tests.packages.conftest import PERIOD, SEED_CARD, START, WEEKDAYS, place, visit, weekly
from tests.quality.support import known_provider, risk_row

WEEKDAY_OFFSETS = [week * 7 + day for week in range(4) for day in range(5)]
"""The 20 weekdays of the four-week period: the 20 visits a Monday-to-Friday schedule plans."""


async def test_a_provider_logging_fewer_visits_than_the_target_shows_it_on_the_risk_matrix(suite: Suite) -> None:
    officer, broker = await suite.staff("quality_officer"), await suite.staff("broker")
    provider_id = await known_provider(suite, officer)
    assert (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD,
                                  headers=await suite.staff("commissioner"))).status_code == 201
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=WEEKDAYS),
                           start_on=START))["id"]
    missed = {"outcome": "missed", "actual_start": None, "actual_minutes": None}
    logged = [visit(package, offset, f"L-{offset}", **(
        missed if offset in (0, 1) else {"actual_start": "08:20"} if offset in (2, 3, 4) else {}))
        for offset in WEEKDAY_OFFSETS[:15]]
    report = await suite.http.post("/api/v1/visits", json={"visits": logged},
                                   headers=await suite.provider(str(provider_id)))
    assert report.json()["recorded"] == 15, report.text
    run = await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=await suite.staff("finance"))
    assert run.status_code == 201, run.text

    async def reported() -> dict[str, Any] | None:
        row = await risk_row(suite, officer, provider_id)
        return row["visit_performance"] if row and row["visit_performance"] else None

    performance = await eventually(reported)
    assert {key: performance[key] for key in ("planned_visits", "logged_visits", "missed_visits", "timed_visits",
                                              "punctual_visits", "compliance_percent", "target_percent",
                                              "below_target", "punctuality_percent")} == {
        "planned_visits": 20, "logged_visits": 15, "missed_visits": 2, "timed_visits": 13, "punctual_visits": 10,
        "compliance_percent": "75.00", "target_percent": "85.00", "below_target": True,
        "punctuality_percent": "76.92"}
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert {item["kind"] for item in row["evidence"]} >= {"call_logging", "punctuality", "missed_visit"}
