"""Reconciling a period through the gateway: per package, visits planned on its days in care, visits reported
by outcome, and what the period's documents charge; finance narrows the invoice list and sees who
acknowledged each document."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.harness import Suite
from tests.packages.conftest import PERIOD, SEED_CARD, START, place, seed_council, visit, weekly


def _by_client(page: dict[str, Any]) -> dict[str, tuple[int, ...] | str]:
    rows: dict[str, tuple[int, ...] | str] = {}
    for row in page["items"]:
        rows[row["client_ref"]] = (row["planned_visits"], row["delivered"], row["missed"], row["cancelled_by_client"],
                                   row["frustrated"], row["not_reported"], row["awaiting_approval"])
        rows[row["client_ref"] + " paid"] = row["paid"]
    return rows


async def test_a_period_is_reconciled_package_by_package_planned_reported_and_paid(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    before = (await suite.http.get("/api/v1/reconciliation", params=PERIOD, headers=finance)).json()
    # C-1: weekdays for four weeks less a week in hospital; C-2: every day, two delivered and one missed
    assert _by_client(before) == {"C-1": (15, 0, 0, 0, 0, 15, 0), "C-1 paid": "0.00",
                                  "C-2": (28, 2, 1, 0, 0, 25, 0), "C-2 paid": "0.00"}
    assert (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).status_code == 201
    after = (await suite.http.get("/api/v1/reconciliation", params=PERIOD, headers=finance)).json()
    assert (after["period_start"], after["period_end"]) == (PERIOD["period_start"], PERIOD["period_end"])
    assert _by_client(after)["C-1 paid"] == "236.25"
    assert _by_client(after)["C-2 paid"] == "31.50"

    own = (await suite.http.get("/api/v1/reconciliation", params={**PERIOD, "provider_id": str(uuid.uuid4())},
                                headers=council["provider_headers"])).json()
    assert {row["provider_id"] for row in own["items"]} == {str(council["planned_provider"])}
    first = (await suite.http.get("/api/v1/reconciliation", params={**PERIOD, "limit": 1}, headers=finance)).json()
    rest = (await suite.http.get("/api/v1/reconciliation", params={**PERIOD, "cursor": first["next_cursor"]},
                                 headers=finance)).json()
    assert sorted(row["client_ref"] for row in first["items"] + rest["items"]) == ["C-1", "C-2"]


async def test_unplanned_visits_count_once_approved_and_corrections_count_once(suite: Suite) -> None:
    commissioner, broker, finance = [await suite.staff(role) for role in ("commissioner", "broker", "finance")]
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    provider_id = uuid.uuid4()
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=("mon",)),
                           start_on=START))["id"]
    provider = await suite.provider(str(provider_id))
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(package, 0, "R-1"), visit(package, 5, "R-2"), visit(package, 7, "R-3", outcome="frustrated")]})
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(package, 7, "R-3", outcome="cancelled_by_client", notice_hours="2", actual_start=None,
              actual_minutes=None, correction_reason="It was the person who cancelled")]})
    page = (await suite.http.get("/api/v1/reconciliation", params=PERIOD, headers=finance)).json()
    assert _by_client(page)["C-1"] == (4, 1, 0, 1, 0, 2, 1)
    [pending] = (await suite.http.get("/api/v1/visits", params={"approval": "pending"}, headers=broker)).json()["items"]
    await suite.http.post(f"/api/v1/visits/{pending['id']}/approve", json={}, headers=broker)
    page = (await suite.http.get("/api/v1/reconciliation", params=PERIOD, headers=finance)).json()
    assert _by_client(page)["C-1"] == (4, 2, 0, 1, 0, 2, 0)


async def test_a_reconciliation_period_is_checked_and_needs_a_finance_reader(suite: Suite) -> None:
    finance, broker = await suite.staff("finance"), await suite.staff("broker")
    inverted = await suite.http.get("/api/v1/reconciliation", headers=finance, params={
        "period_start": PERIOD["period_end"], "period_end": PERIOD["period_start"]})
    assert inverted.status_code == 422
    assert [error["field"] for error in inverted.json()["errors"]] == ["period_end"]
    too_long = await suite.http.get("/api/v1/reconciliation", headers=finance, params={
        "period_start": str(START - timedelta(days=400)), "period_end": PERIOD["period_end"]})
    assert too_long.status_code == 422
    assert (await suite.http.get("/api/v1/reconciliation", params=PERIOD, headers=broker)).status_code == 403


async def test_finance_narrows_invoices_by_kind_and_period_and_sees_who_acknowledged(suite: Suite) -> None:
    await seed_council(suite)
    finance = await suite.staff("finance")
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = run["issued"][0]
    note = await suite.http.post(f"/api/v1/invoices/{invoice['id']}/credit-notes", headers=finance, json={
        "reason": "A visit charged twice", "lines": [{"line": 1, "quantity": "1.00"}]})
    assert note.status_code == 201

    async def numbers(**params: str) -> list[str]:
        answer = await suite.http.get("/api/v1/invoices", params=params, headers=finance)
        return [item["number"] for item in answer.json()["items"]]

    assert await numbers(kind="credit_note") == ["CN-000001"]
    assert len(await numbers(kind="invoice", **PERIOD)) == 2
    later = str(START + timedelta(days=28))
    assert await numbers(period_start=later) == []
    acknowledged = (await suite.http.post(f"/api/v1/invoices/{invoice['id']}/acknowledge", headers=finance)).json()
    me = (await suite.http.get("/api/v1/users/me", headers=finance)).json()
    assert acknowledged["acknowledged_by"] == me["id"]
    [named] = (await suite.http.get("/api/v1/users", params={"id": me["id"]}, headers=finance)).json()["items"]
    assert named["display_name"] == me["username"]
