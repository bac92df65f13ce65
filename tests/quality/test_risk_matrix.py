"""The risk matrix through the gateway: recomputed as evidence arrives, escalation, the review."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.quality.risk.service import rescore_as_time_passes
from services.quality.settings import QualitySettings
from shared.contracts.providers import ProviderRated
from shared.contracts.quality import EscalationCleared, ProviderEscalated, RiskChanged
from tests.harness import Backend, Suite, eventually, running_suite
from tests.quality.support import cqc, known_provider, processed, provider_state, publish, published, risk_row


async def concern(suite: Suite, headers: dict[str, str], provider_id: uuid.UUID, severity: str = "high") -> None:
    answer = await suite.http.post("/api/v1/concerns", headers=headers, json={
        "provider_id": str(provider_id), "kind": "complaint", "severity": severity,
        "summary": "Carers did not stay the full visit"})
    assert answer.status_code == 201, answer.text


async def _rated_good_with_three_high_concerns(
    suite: Suite, officer: dict[str, str]
) -> tuple[uuid.UUID, dict[str, Any]]:
    """A provider rated Good with three high-severity complaints; its id and its matrix row."""
    provider_id = await known_provider(suite, officer, rating=cqc("good", 3))
    for _ in range(3):
        await concern(suite, officer, provider_id)
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    return provider_id, row


async def test_four_high_severity_concerns_turn_a_provider_red_and_escalate_it_once(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id, row = await _rated_good_with_three_high_concerns(suite, officer)
    assert (row["score"], row["rag"], row["escalated"]) == ("21.00", "amber", False)
    assert await published(suite, ProviderEscalated.event_type) == []
    await concern(suite, officer, provider_id)
    await concern(suite, officer, provider_id, severity="low")
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["score"], row["rag"], row["escalated"]) == ("29.00", "red", True)
    escalations = await published(suite, ProviderEscalated.event_type)
    assert [(each["provider_id"], each["escalation_id"]) for each in escalations] == [
        (str(provider_id), row["escalation_id"])]
    changes = [each["rag"] for each in await published(suite, RiskChanged.event_type)
               if each["provider_id"] == str(provider_id)]
    assert changes == ["green", "green", "amber", "amber", "red", "red"]


async def test_the_matrix_filters_by_rag_and_pages_with_a_cursor(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    ids = [await known_provider(suite, officer) for _ in range(3)]
    await concern(suite, officer, ids[0])
    await concern(suite, officer, ids[0])
    first = (await suite.http.get("/api/v1/risk-matrix", params={"limit": 2}, headers=officer)).json()
    second = (await suite.http.get("/api/v1/risk-matrix", params={"limit": 2, "cursor": first["next_cursor"]},
                                   headers=officer)).json()
    assert sorted(row["provider_id"] for row in first["items"] + second["items"]) == sorted(map(str, ids))
    green = (await suite.http.get("/api/v1/risk-matrix", params={"rag": "green"}, headers=officer)).json()
    assert {row["provider_id"] for row in green["items"]} == {str(ids[1]), str(ids[2])}
    amber = (await suite.http.get("/api/v1/risk-matrix", params={"rag": "amber"}, headers=officer)).json()
    assert [row["provider_id"] for row in amber["items"]] == [str(ids[0])]
    bad = await suite.http.get("/api/v1/risk-matrix", params={"rag": "purple", "limit": 501}, headers=officer)
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"rag", "limit"}


async def test_an_inadequate_rating_turns_red_and_a_review_back_at_green_clears_the_escalation(
    suite: Suite,
) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer, rating=cqc("inadequate", 1))
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["rag"], row["escalated"], row["evidence"][0]["kind"]) == ("red", True, "regulator_rating")
    state = provider_state(provider_id, rating=cqc("good", 3), version=2)
    await publish(suite, ProviderRated(provider=state, rating=cqc("good", 3)), source="providers")

    async def green() -> bool:
        found = await risk_row(suite, officer, provider_id)
        return found is not None and found["rag"] == "green"

    await eventually(green)
    answer = await suite.http.post("/api/v1/risk-matrix/review", headers=officer, json={
        "held_on": date.today().isoformat(), "notes": "Fortnightly review",
        "decisions": [{"provider_id": str(provider_id), "decision": "Back to green: suggest lifting the embargo"}]})
    assert answer.status_code == 201, answer.text
    review = answer.json()
    assert review["cleared"] == [str(provider_id)]
    assert review["reviewed_by"]
    cleared = await published(suite, EscalationCleared.event_type)
    assert [each["provider_id"] for each in cleared] == [str(provider_id)]
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["escalated"] is False
    again = await suite.http.post("/api/v1/risk-matrix/review", headers=officer,
                                  json={"held_on": date.today().isoformat()})
    assert again.json()["cleared"] == []
    reviews = (await suite.http.get("/api/v1/risk-matrix/reviews", headers=officer)).json()["items"]
    assert [each["id"] for each in reviews] == [review["id"], again.json()["id"]]


async def test_a_review_naming_an_unknown_provider_is_refused_and_records_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    answer = await suite.http.post("/api/v1/risk-matrix/review", headers=officer, json={
        "held_on": "2026-11-20", "decisions": [{"provider_id": str(uuid.uuid4()), "decision": "Visit"}]})
    assert answer.status_code == 422
    assert (await suite.http.get("/api/v1/risk-matrix/reviews", headers=officer)).json()["items"] == []
    broker = await suite.staff("broker")
    denied = await suite.http.post("/api/v1/risk-matrix/review", headers=broker, json={"held_on": "2026-11-20"})
    assert denied.status_code == 403


async def test_an_older_provider_event_arriving_late_changes_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer, rating=cqc("good", 3))
    newer = provider_state(provider_id, rating=cqc("requires_improvement", 2), version=3)
    await publish(suite, ProviderRated(provider=newer, rating=cqc("requires_improvement", 2)), source="providers")

    async def scored() -> bool:
        found = await risk_row(suite, officer, provider_id)
        return found is not None and found["score"] == "8.00"

    await eventually(scored)
    stale = provider_state(provider_id, rating=cqc("inadequate", 1), version=2)
    envelope = await publish(suite, ProviderRated(provider=stale, rating=cqc("inadequate", 1)), source="providers")
    await eventually(lambda: processed(suite, str(envelope.id)))
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["score"], row["rag"]) == ("8.00", "green")


async def test_with_the_escalation_policy_off_red_raises_no_escalation(backend: Backend) -> None:
    async with running_suite(backend, QUALITY_ESCALATION_ENABLED="false") as suite:
        officer = await suite.staff("quality_officer")
        provider_id = await known_provider(suite, officer)
        for _ in range(4):
            await concern(suite, officer, provider_id)
        row = await risk_row(suite, officer, provider_id)
        assert row is not None
        assert (row["rag"], row["escalated"]) == ("red", False)
        assert await published(suite, ProviderEscalated.event_type) == []


async def test_old_evidence_weighs_less_than_new(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
        "provider_id": str(provider_id), "kind": "complaint", "severity": "high", "summary": "Old complaint",
        "occurred_on": (date.today() - timedelta(days=90)).isoformat()})
    assert answer.status_code == 201
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["score"] == "3.50"


async def test_concerns_racing_for_one_provider_are_all_scored_and_escalate_once(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite:
        officer = await suite.staff("quality_officer")
        provider_id = await known_provider(suite, officer)
        await asyncio.gather(*(concern(suite, officer, provider_id) for _ in range(6)))
        row = await risk_row(suite, officer, provider_id)
        assert row is not None
        assert (row["score"], row["rag"], len(row["evidence"])) == ("42.00", "red", 6)
        assert len(await published(suite, ProviderEscalated.event_type)) == 1


async def test_scores_fall_as_evidence_ages_without_anyone_acting(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id, row = await _rated_good_with_three_high_concerns(suite, officer)
    assert (row["score"], row["rag"]) == ("21.00", "amber")

    half_a_year_on = datetime.now(UTC) + timedelta(days=180)
    rescored = await rescore_as_time_passes(suite.database("quality"), settings=QualitySettings(), now=half_a_year_on)
    assert rescored >= 1
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["score"], row["rag"]) == ("5.25", "green")  # each 7.00 has halved twice in 180 days
    changes = [each["rag"] for each in await published(suite, RiskChanged.event_type)
               if each["provider_id"] == str(provider_id)]
    assert changes[-1] == "green"


async def test_the_service_rescores_everyone_in_the_background(backend: Backend) -> None:
    async with running_suite(backend, QUALITY_RESCORE_SECONDS="0.2") as suite:
        officer = await suite.staff("quality_officer")
        provider_id = await known_provider(suite, officer)
        first = await risk_row(suite, officer, provider_id)
        assert first is not None

        async def assessed_again() -> bool:
            row = await risk_row(suite, officer, provider_id)
            at = datetime.fromisoformat
            return row is not None and at(row["assessed_at"]) > at(first["assessed_at"])

        await eventually(assessed_again)


async def test_a_providers_row_and_its_risk_over_time_are_read_one_provider_at_a_time(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id, _ = await _rated_good_with_three_high_concerns(suite, officer)
    await concern(suite, officer, provider_id)
    one = await suite.http.get(f"/api/v1/risk-matrix/{provider_id}", headers=await suite.staff("finance"))
    assert one.status_code == 200
    assert (one.json()["score"], one.json()["rag"]) == ("28.00", "red")
    history = (await suite.http.get(f"/api/v1/risk-matrix/{provider_id}/history", headers=officer)).json()
    points = [(point["score"], point["rag"]) for point in history["items"]]
    assert points == [("0.00", "green"), ("7.00", "green"), ("14.00", "amber"), ("21.00", "amber"),
                      ("28.00", "red")]
    assert [point["at"] for point in history["items"]] == sorted(point["at"] for point in history["items"])
    first = (await suite.http.get(f"/api/v1/risk-matrix/{provider_id}/history", params={"limit": 2},
                                  headers=officer)).json()
    rest = (await suite.http.get(f"/api/v1/risk-matrix/{provider_id}/history",
                                 params={"cursor": first["next_cursor"]}, headers=officer)).json()
    assert [(p["score"], p["rag"]) for p in first["items"] + rest["items"]] == points
    unknown = await suite.http.get(f"/api/v1/risk-matrix/{uuid.uuid4()}", headers=officer)
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("not-assessed")
    provider = await suite.provider(str(provider_id))
    assert (await suite.http.get(f"/api/v1/risk-matrix/{provider_id}/history", headers=provider)).status_code == 403
