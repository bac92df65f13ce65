"""Concerns, monitoring visits and feedback through the gateway; each rescores the provider at once."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.harness import Suite
from tests.quality.support import audited, known_provider, risk_row


async def test_a_concern_is_recorded_listed_and_scored_in_the_matrix_at_once(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
        "provider_id": str(provider_id), "kind": "safeguarding", "severity": "high",
        "summary": "Bruising noticed and not reported", "package_id": None})
    assert answer.status_code == 201, answer.text
    concern = answer.json()
    assert (concern["kind"], concern["severity"], concern["occurred_on"]) == (
        "safeguarding", "high", date.today().isoformat())
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["score"], row["rag"]) == ("10.50", "amber")
    assert row["evidence"][0]["kind"] == "safeguarding"
    assert row["evidence"][0]["source_id"] == f"concern:{concern['id']}"
    listed = await suite.http.get("/api/v1/concerns", params={"provider_id": str(provider_id)},
                                  headers=await suite.staff("broker"))
    assert [item["id"] for item in listed.json()["items"]] == [concern["id"]]
    assert [action for action, _actor in await audited(suite)] == ["concern.recorded", "concerns.listed"]


async def test_a_concern_about_an_unknown_provider_is_422_and_writes_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
        "provider_id": str(uuid.uuid4()), "kind": "complaint", "severity": "low", "summary": "Rude carer"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in answer.json()["errors"]] == ["provider_id"]
    listed = await suite.http.get("/api/v1/concerns", headers=officer)
    assert listed.json() == {"items": [], "next_cursor": None}


async def test_bad_concerns_are_422_listing_the_fields(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
        "provider_id": "not-a-uuid", "kind": "gossip", "severity": "extreme", "summary": ""})
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"provider_id", "kind", "severity", "summary"}


async def test_only_quality_officers_write_and_only_staff_read(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    body = {"provider_id": str(provider_id), "kind": "complaint", "severity": "low", "summary": "Late again"}
    assert (await suite.http.post("/api/v1/concerns", json=body)).status_code == 401
    broker = await suite.staff("broker")
    assert (await suite.http.post("/api/v1/concerns", json=body, headers=broker)).status_code == 403
    provider_client = await suite.provider(str(provider_id))
    assert (await suite.http.get("/api/v1/concerns", headers=provider_client)).status_code == 403
    assert (await suite.http.get("/api/v1/risk-matrix", headers=provider_client)).status_code == 403


async def test_lists_page_with_a_cursor_without_repeats(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    for number in range(3):
        answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
            "provider_id": str(provider_id), "kind": "other", "severity": "low", "summary": f"note {number}"})
        assert answer.status_code == 201
    first = (await suite.http.get("/api/v1/concerns", params={"limit": 2}, headers=officer)).json()
    second = (await suite.http.get("/api/v1/concerns", params={"limit": 2, "cursor": first["next_cursor"]},
                                   headers=officer)).json()
    summaries = [item["summary"] for item in first["items"] + second["items"]]
    assert summaries == ["note 0", "note 1", "note 2"]
    assert second["next_cursor"] is None


async def test_a_monitoring_visit_scores_only_the_areas_that_fell_short(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    answer = await suite.http.post("/api/v1/monitoring-visits", headers=officer, json={
        "provider_id": str(provider_id), "visited_on": date.today().isoformat(), "summary": "Annual visit",
        "findings": [{"area": "staff_vetting", "outcome": "good"},
                     {"area": "medication", "outcome": "inadequate", "notes": "MAR charts incomplete"},
                     {"area": "training", "outcome": "requires_improvement"}]})
    assert answer.status_code == 201, answer.text
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["score"] == "10.00"
    assert sorted(line["severity"] for line in row["evidence"]) == ["high", "medium"]
    listed = await suite.http.get("/api/v1/monitoring-visits", headers=officer)
    assert listed.json()["items"][0]["findings"][1]["area"] == "medication"


async def test_a_monitoring_visit_checking_an_area_twice_is_refused(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    answer = await suite.http.post("/api/v1/monitoring-visits", headers=officer, json={
        "provider_id": str(provider_id), "visited_on": "2026-11-01",
        "findings": [{"area": "training", "outcome": "good"}, {"area": "training", "outcome": "inadequate"}]})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "findings"


async def test_feedback_scores_are_one_to_five_and_poor_ones_count_as_evidence(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    bad = await suite.http.post("/api/v1/feedback", headers=officer, json={
        "provider_id": str(provider_id), "scores": {"overall": 6}})
    assert bad.status_code == 422
    answer = await suite.http.post("/api/v1/feedback", headers=officer, json={
        "provider_id": str(provider_id), "scores": {"overall": 3, "punctuality": 1},
        "comments": "Carers often rushed", "received_on": (date.today() - timedelta(days=1)).isoformat()})
    assert answer.status_code == 201, answer.text
    assert answer.json()["scores"] == {"overall": 3, "punctuality": 1}
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert [line["kind"] for line in row["evidence"]] == ["feedback"]
    listed = await suite.http.get("/api/v1/feedback", params={"provider_id": str(provider_id)}, headers=officer)
    assert listed.json()["items"][0]["comments"] == "Carers often rushed"


async def test_a_retried_concern_with_the_same_idempotency_key_is_recorded_once(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    body = {"provider_id": str(provider_id), "kind": "late_visit", "severity": "medium", "summary": "Late"}
    headers = {**officer, "Idempotency-Key": "concern-42"}
    first = await suite.http.post("/api/v1/concerns", headers=headers, json=body)
    again = await suite.http.post("/api/v1/concerns", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    listed = await suite.http.get("/api/v1/concerns", headers=officer)
    assert len(listed.json()["items"]) == 1
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["score"] == "1.50"


async def test_records_dated_after_today_are_refused_naming_the_date_and_write_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    bodies = {
        "/api/v1/concerns": ("occurred_on", {"kind": "complaint", "severity": "low", "summary": "Rude carer",
                                             "occurred_on": tomorrow}),
        "/api/v1/monitoring-visits": ("visited_on", {"visited_on": tomorrow, "findings": [
            {"area": "training", "outcome": "good"}]}),
        "/api/v1/feedback": ("received_on", {"received_on": tomorrow, "scores": {"overall": 1}}),
    }
    for path, (field, body) in bodies.items():
        answer = await suite.http.post(path, headers=officer, json={"provider_id": str(provider_id), **body})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["type"].endswith("dated-in-future")
        assert [error["field"] for error in answer.json()["errors"]] == [field]
        listed = await suite.http.get(path, headers=officer)
        assert listed.json()["items"] == []
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["evidence"] == []
