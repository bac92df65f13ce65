"""Delivered visits reported by providers in bulk: idempotent by their own visit id, checked per row."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.harness import Suite
from tests.packages.conftest import past_monday, place, today, weekly


def _visit(package_id: str, day: Any, visit_id: str, **changes: Any) -> dict[str, Any]:
    return {"visit_id": visit_id, "package_id": package_id, "date": str(day), "planned_start": "08:00",
            "actual_start": "08:20", "planned_minutes": 60, "actual_minutes": 55, "carers": 1, "missed": False,
            **changes}


async def test_visits_are_recorded_once_per_provider_visit_id_and_checked_row_by_row(suite: Suite) -> None:
    broker = await suite.staff("broker")
    provider_id, other_id = uuid.uuid4(), uuid.uuid4()
    start = past_monday(2)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=start)
    others = await place(suite, broker, provider_id=other_id, visits=weekly(60), start_on=start)
    provider = await suite.provider(str(provider_id))
    body = {"visits": [
        _visit(package["id"], start, "V-1"),
        _visit(package["id"], start + timedelta(days=1), "V-2", missed=True, actual_start=None, actual_minutes=None),
        _visit(package["id"], start - timedelta(days=1), "V-3"),
        _visit(package["id"], today() + timedelta(days=1), "V-4"),
        _visit(others["id"], start, "V-5"),
        _visit(package["id"], start, "V-1"),
    ]}
    first = await suite.http.post("/api/v1/visits", json=body, headers=provider)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["recorded"], report["duplicates"], report["rejected"]) == (2, 1, 3)
    assert [r["status"] for r in report["results"]] == [
        "recorded", "recorded", "rejected", "rejected", "rejected", "duplicate"]
    assert report["results"][4]["reason"] == "no such package of yours"
    again = (await suite.http.post("/api/v1/visits", json=body, headers=provider)).json()
    assert (again["recorded"], again["duplicates"]) == (0, 3)
    assert again["results"][0]["id"] == report["results"][0]["id"]


async def test_implausible_visits_are_refused_whole_and_only_providers_report(suite: Suite) -> None:
    broker = await suite.staff("broker")
    provider_id = uuid.uuid4()
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=past_monday(1))
    provider = await suite.provider(str(provider_id))
    bad = {"visits": [_visit(package["id"], past_monday(1), "V-1", actual_minutes=5000, carers=3)]}
    answer = await suite.http.post("/api/v1/visits", json=bad, headers=provider)
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"visits.0.actual_minutes", "visits.0.carers"}
    good = {"visits": [_visit(package["id"], past_monday(1), "V-1")]}
    assert (await suite.http.post("/api/v1/visits", json=good, headers=broker)).status_code == 403
    assert (await suite.http.post("/api/v1/visits", json=good)).status_code == 401
    recorded = (await suite.http.post("/api/v1/visits", json=good, headers=provider)).json()
    assert recorded["recorded"] == 1
