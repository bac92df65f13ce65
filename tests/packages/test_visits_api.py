"""Delivered visits reported by providers in bulk: idempotent by their own visit id, checked per row."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.harness import Suite
from tests.packages.conftest import past_monday, place, today, weekly


def _visit(package_id: str, day: Any, visit_id: str, **changes: Any) -> dict[str, Any]:
    return {"visit_id": visit_id, "package_id": package_id, "date": str(day), "planned_start": "08:00",
            "actual_start": "08:20", "planned_minutes": 60, "actual_minutes": 55, "carers": 1, "outcome": "delivered",
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
        _visit(package["id"], start + timedelta(days=1), "V-2", outcome="missed", actual_start=None,
               actual_minutes=None),
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


async def test_a_second_visit_in_the_same_slot_is_refused_as_a_duplicate_of_the_first(suite: Suite) -> None:
    broker, provider_id = await suite.staff("broker"), uuid.uuid4()
    start = past_monday(2)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=start)
    provider = await suite.provider(str(provider_id))
    first = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        _visit(package["id"], start, "A-1"), _visit(package["id"], start, "A-2", actual_minutes=60)]})).json()
    assert [(row["status"], row["reason"]) for row in first["results"]] == [
        ("recorded", None), ("rejected", "a duplicate of visit A-1: the package has a visit on "
                                     f"{start} planned at 08:00 already")]
    later = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        _visit(package["id"], start, "A-3"), _visit(package["id"], start, "A-4", planned_start="18:00")]})).json()
    assert [row["status"] for row in later["results"]] == ["rejected", "recorded"]


async def test_a_visit_changes_only_through_a_correction_with_its_reason(suite: Suite) -> None:
    broker, provider_id = await suite.staff("broker"), uuid.uuid4()
    start = past_monday(2)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=start)
    provider = await suite.provider(str(provider_id))
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [_visit(package["id"], start, "C-1")]})
    silently = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        _visit(package["id"], start, "C-1", actual_minutes=20)]})).json()
    assert silently["results"][0]["status"] == "rejected"
    assert "correction_reason" in silently["results"][0]["reason"]
    unknown = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        _visit(package["id"], start, "C-9", correction_reason="typo")]})).json()
    assert unknown["results"][0]["reason"] == "there is no visit C-9 to correct"
    moved = _visit(package["id"], start + timedelta(days=1), "C-1", actual_minutes=20, correction_reason="wrong day")
    corrected = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [moved]})).json()
    assert (corrected["corrected"], corrected["results"][0]["version"]) == (1, 2)
    replay = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [moved]})).json()
    assert replay["duplicates"] == 1
    freed = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        _visit(package["id"], start, "C-2")]})).json()
    assert freed["recorded"] == 1  # the correction moved C-1 off the first day's slot


async def test_each_outcome_carries_what_it_needs_and_the_first_versions_missed_flag_still_works(
        suite: Suite) -> None:
    broker, provider_id = await suite.staff("broker"), uuid.uuid4()
    start = past_monday(2)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=start)
    provider = await suite.provider(str(provider_id))
    none = {"actual_start": None, "actual_minutes": None}
    bad = {"visits": [
        _visit(package["id"], start, "B-1", outcome="cancelled_by_client", **none),
        _visit(package["id"], start, "B-2", outcome="missed"),
        _visit(package["id"], start, "B-3", notice_hours="3.00"),
        _visit(package["id"], start, "B-4", missed=True, outcome="delivered", **none)]}
    answer = await suite.http.post("/api/v1/visits", headers=provider, json=bad)
    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {"visits.0", "visits.1", "visits.2", "visits.3"}
    legacy = {key: value for key, value in _visit(package["id"], start, "B-5", missed=True, **none).items()
              if key != "outcome"}
    recorded = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [legacy]})).json()
    shown = (await suite.http.get(f"/api/v1/visits/{recorded['results'][0]['id']}", headers=provider)).json()
    assert (shown["outcome"], shown["paid_minutes"], shown["rule"]) == ("missed", 0, None)
    assert (shown["planned_start"], shown["actual_start"]) == ("08:00", None)
