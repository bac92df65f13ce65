"""Action plans through the gateway: actions with owners and due dates; overdue ones raise the risk."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.harness import Suite
from tests.quality.support import known_provider, risk_row


async def test_an_overdue_action_raises_the_risk_until_it_is_done(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    yesterday, next_month = date.today() - timedelta(days=1), date.today() + timedelta(days=30)
    answer = await suite.http.post("/api/v1/action-plans", headers=officer, json={
        "provider_id": str(provider_id), "title": "Medication handling", "reason": "Monitoring visit findings",
        "actions": [{"description": "Audit MAR charts", "owner": "Registered manager", "due_on": yesterday.isoformat()},
                    {"description": "Retrain carers", "owner": "Training lead", "due_on": next_month.isoformat()}]})
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert [(action["status"], action["overdue"]) for action in plan["actions"]] == [
        ("open", True), ("open", False)]
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["score"], [line["kind"] for line in row["evidence"]]) == ("5.00", ["overdue_action"])
    overdue = plan["actions"][0]["id"]
    done = await suite.http.patch(f"/api/v1/action-plans/{plan['id']}/actions/{overdue}", headers=officer,
                                  json={"status": "done"})
    assert done.status_code == 200, done.text
    assert done.json()["actions"][0]["status"] == "done"
    assert done.json()["actions"][0]["completed_at"] is not None
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert row["score"] == "0.00"


async def test_a_finished_action_cannot_be_reopened(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    plan = (await suite.http.post("/api/v1/action-plans", headers=officer, json={
        "provider_id": str(provider_id), "title": "Rotas",
        "actions": [{"description": "Fix rotas", "owner": "Manager", "due_on": "2030-01-01"}]})).json()
    path = f"/api/v1/action-plans/{plan['id']}/actions/{plan['actions'][0]['id']}"
    assert (await suite.http.patch(path, headers=officer, json={"status": "cancelled"})).status_code == 200
    reopened = await suite.http.patch(path, headers=officer, json={"status": "open"})
    assert reopened.status_code == 409
    assert reopened.headers["content-type"].startswith("application/problem+json")
    fetched = (await suite.http.get(f"/api/v1/action-plans/{plan['id']}", headers=officer)).json()
    assert (fetched["status"], fetched["actions"][0]["status"]) == ("closed", "cancelled")


async def test_plans_are_listed_by_provider_and_unknown_ones_are_404(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    first, second = await known_provider(suite, officer), await known_provider(suite, officer)
    for provider_id in (first, second):
        answer = await suite.http.post("/api/v1/action-plans", headers=officer, json={
            "provider_id": str(provider_id), "title": "Plan",
            "actions": [{"description": "Act", "owner": "Manager", "due_on": "2030-01-01"}]})
        assert answer.status_code == 201
    broker = await suite.staff("broker")
    listed = (await suite.http.get("/api/v1/action-plans", params={"provider_id": str(second)},
                                   headers=broker)).json()
    assert [plan["provider_id"] for plan in listed["items"]] == [str(second)]
    missing = await suite.http.get(f"/api/v1/action-plans/{uuid.uuid4()}", headers=broker)
    assert missing.status_code == 404
    empty = await suite.http.post("/api/v1/action-plans", headers=officer, json={
        "provider_id": str(first), "title": "No actions", "actions": []})
    assert empty.status_code == 422
    assert [error["field"] for error in empty.json()["errors"]] == ["actions"]
