"""Invoice runs, the finance pull (JSON and CSV), acknowledgement, credit notes and provider scope: every
line a quantity at a published price, rounded once, with the rule that priced it and its ledger codes."""

from __future__ import annotations

import csv
import gc
import io
import json
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.harness import Backend, Suite, running_suite
from tests.packages.conftest import (
    PERIOD,
    SEED_CARD,
    SMOKE_CARD,
    START,
    WEEKDAYS,
    past_monday,
    place,
    seed_council,
    visit,
    weekly,
)

Row = tuple[str | None, str, str, str, str, str, str, str]


def _rows(lines: list[dict[str, Any]]) -> list[Row]:
    """What a finance officer reads of each line: package, funder, rule, quantity, unit, price, amount."""
    return [(line["package_id"], line["funder"], line["rule"], line["quantity"], line["unit"], line["unit_price"],
             line["amount"], line.get("reverses_line_id") and "reverses") for line in lines]


def _reconciles(document: dict[str, Any]) -> None:
    """Every amount is quantity x price rounded once, and the total is the sum of the amounts."""
    for line in document["lines"]:
        exact = Decimal(line["quantity"]) * Decimal(line["unit_price"])
        assert Decimal(line["amount"]) == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), line
    assert sum(Decimal(line["amount"]) for line in document["lines"]) == Decimal(document["total"])


async def _document(suite: Suite, headers: dict[str, str], summary: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = (await suite.http.get(f"/api/v1/invoices/{summary['id']}", headers=headers)).json()
    _reconciles(document)
    return document


async def test_an_invoice_run_issues_one_invoice_per_provider_from_visits_schedules_and_blocks(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    answer = await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    assert answer.status_code == 201, answer.text
    run = answer.json()
    issued = {item["provider_id"]: item for item in run["issued"]}
    assert set(issued) == {str(council["planned_provider"]), str(council["block_provider"])}
    assert sorted(item["number"] for item in run["issued"]) == ["INV-000001", "INV-000002"]
    assert gc.isenabled()  # the run pauses the cyclic garbage collector only while it runs

    block = await _document(suite, finance, issued[str(council["block_provider"])])
    assert _rows(block["lines"]) == [(None, "council", "block_top_up", "40.00", "hour", "15.75", "630.00", None)]
    invoice = await _document(suite, finance, issued[str(council["planned_provider"])])
    planned, delivered = council["planned"]["id"], council["delivered"]["id"]
    # the planned package: its weekday schedule less a week in hospital; the delivered one: two visits of 55
    # minutes planned at 60, within the 5 minutes' tolerance (the missed one is never paid), half health-funded
    assert sorted(_rows(invoice["lines"]), key=lambda row: (row[0] != planned, row[1])) == [
        (planned, "council", "planned_schedule", "15.00", "hour", "15.75", "236.25", None),
        (delivered, "council", "delivered_within_tolerance", "1.00", "hour", "15.75", "15.75", None),
        (delivered, "health", "delivered_within_tolerance", "1.00", "hour", "15.75", "15.75", None)]
    assert invoice["total"] == "267.75"
    assert {(line["cost_centre"], line["ledger_code"], line["funder"]) for line in invoice["lines"]} == {
        ("ASC-HOMECARE", "5201", "council"), ("ASC-HOMECARE", "5209", "health")}
    assert any("planned schedule" in line["description"] for line in invoice["lines"] if line["package_id"] == planned)

    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert again["issued"] == []
    assert again["already_issued"] == 2
    unchanged = (await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers=finance)).json()
    assert unchanged == invoice


async def test_each_visit_outcome_is_paid_by_the_councils_rule_and_the_line_names_it(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    assert (await suite.http.post("/api/v1/rate-cards", json=SMOKE_CARD, headers=commissioner)).status_code == 201
    provider_id = uuid.uuid4()
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=WEEKDAYS),
                           start_on=START))["id"]
    cancelled = {"outcome": "cancelled_by_client", "actual_start": None, "actual_minutes": None}
    report = await suite.http.post("/api/v1/visits", headers=await suite.provider(str(provider_id)), json={"visits": [
        visit(package, 0, "O-1", actual_minutes=57),
        visit(package, 1, "O-2", actual_minutes=41),
        visit(package, 2, "O-3", outcome="frustrated", actual_minutes=None, actual_start="08:02"),
        visit(package, 3, "O-4", **cancelled, notice_hours="2.00"),
        visit(package, 4, "O-5", **cancelled, notice_hours="48.00"),
        visit(package, 7, "O-6", outcome="missed", actual_start=None, actual_minutes=None),
        visit(package, 8, "O-7", actual_minutes=70)]})
    assert report.json()["recorded"] == 7, report.text
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=await suite.staff("finance"))).json()
    [summary] = run["issued"]
    invoice = await _document(suite, await suite.staff("finance"), summary)
    assert _rows(invoice["lines"]) == [
        (package, "council", "delivered_within_tolerance", "2.00", "hour", "20.28", "40.56", None),  # 57, 70
        (package, "council", "delivered_within_tolerance", "2.00", "visit", "4.54", "9.08", None),
        (package, "council", "actual_minutes", "0.75", "hour", "20.28", "15.21", None),  # 41 rounded up to 45
        (package, "council", "actual_minutes", "1.00", "visit", "4.54", "4.54", None),
        (package, "council", "frustrated_visit", "1.00", "hour", "20.28", "20.28", None),
        (package, "council", "frustrated_visit", "1.00", "visit", "4.54", "4.54", None),
        (package, "council", "late_cancellation", "1.00", "hour", "20.28", "20.28", None),  # 2 hours' notice
        (package, "council", "late_cancellation", "1.00", "visit", "4.54", "4.54", None)]
    assert invoice["total"] == "119.03"


async def test_finance_pulls_in_order_as_json_and_csv_and_acknowledges(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    assert (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).status_code == 201
    first = (await suite.http.get("/api/v1/invoices", params={"limit": 1}, headers=finance)).json()
    second = (await suite.http.get("/api/v1/invoices", params={"limit": 1, "cursor": first["next_cursor"]},
                                   headers=finance)).json()
    pulled = [*first["items"], *second["items"]]
    assert [item["sequence"] for item in pulled] == [1, 2]
    assert second["next_cursor"] is None

    as_csv = await suite.http.get("/api/v1/invoices", headers={**finance, "Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["number"] for row in rows] == ["INV-000001", "INV-000002"]
    one = await suite.http.get(f"/api/v1/invoices/{pulled[0]['id']}", headers={**finance, "Accept": "text/csv"})
    line_rows = list(csv.DictReader(io.StringIO(one.text)))
    assert sum(Decimal(row["amount"]) for row in line_rows) == Decimal(pulled[0]["total"])
    for row in line_rows:
        assert (row["cost_centre"], row["ledger_code"]) in {("ASC-HOMECARE", "5201"), ("ASC-HOMECARE", "5209")}
        assert Decimal(row["amount"]) == (Decimal(row["quantity"]) * Decimal(row["unit_price"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert row["rule"]
        assert row["unit"] in {"hour", "visit"}

    acknowledged = await suite.http.post(f"/api/v1/invoices/{pulled[0]['id']}/acknowledge", headers=finance)
    assert acknowledged.json()["status"] == "acknowledged"
    again = await suite.http.post(f"/api/v1/invoices/{pulled[0]['id']}/acknowledge", headers=finance)
    assert again.json()["acknowledged_at"] == acknowledged.json()["acknowledged_at"]
    still_issued = (await suite.http.get("/api/v1/invoices", params={"status": "issued"}, headers=finance)).json()
    assert [item["id"] for item in still_issued["items"]] == [pulled[1]["id"]]

    provider = council["provider_headers"]
    own = (await suite.http.get("/api/v1/invoices", headers=provider)).json()["items"]
    assert [item["provider_id"] for item in own] == [str(council["planned_provider"])]
    others = next(item for item in pulled if item["provider_id"] == str(council["block_provider"]))
    assert (await suite.http.get(f"/api/v1/invoices/{others['id']}", headers=provider)).status_code == 404
    assert (await suite.http.post(f"/api/v1/invoices/{own[0]['id']}/acknowledge",
                                  headers=provider)).status_code == 403


async def test_a_ledger_resumes_its_pull_after_the_last_sequence_it_posted(suite: Suite) -> None:
    await seed_council(suite)
    finance = await suite.staff("finance")
    await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    first = (await suite.http.get("/api/v1/invoices", params={"after_sequence": 0}, headers=finance)).json()
    assert ([item["sequence"] for item in first["items"]], first["next_cursor"]) == ([1, 2], None)
    last_posted = first["items"][-1]["sequence"]
    nothing_yet = (await suite.http.get("/api/v1/invoices", params={"after_sequence": last_posted},
                                        headers=finance)).json()
    assert nothing_yet == {"items": [], "next_cursor": None}

    earlier = {"period_start": str(START - timedelta(days=28)), "period_end": str(START - timedelta(days=1))}
    broker = await suite.staff("broker")
    await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(60, days=WEEKDAYS),
                start_on=START - timedelta(days=28))
    later_run = (await suite.http.post("/api/v1/invoice-runs", json=earlier, headers=finance)).json()
    assert len(later_run["issued"]) == 2  # the block contract's provider and the new package's
    resumed = (await suite.http.get("/api/v1/invoices", params={"after_sequence": last_posted, "limit": 1},
                                    headers=finance)).json()
    assert [item["sequence"] for item in resumed["items"]] == [3]
    rest = (await suite.http.get("/api/v1/invoices", params={"after_sequence": last_posted, "limit": 1,
                                                             "cursor": resumed["next_cursor"]}, headers=finance)).json()
    assert ([item["sequence"] for item in rest["items"]], rest["next_cursor"]) == ([4], None)
    assert (await suite.http.get("/api/v1/invoices", params={"after_sequence": -1},
                                 headers=finance)).status_code == 422


async def test_invoice_runs_refuse_open_or_inverted_periods_and_need_finance(suite: Suite) -> None:
    finance = await suite.staff("finance")
    inverted = {"period_start": PERIOD["period_end"], "period_end": PERIOD["period_start"]}
    answer = await suite.http.post("/api/v1/invoice-runs", json=inverted, headers=finance)
    assert answer.status_code == 422
    current = {"period_start": str(past_monday(0)), "period_end": str(past_monday(0) + timedelta(days=27))}
    answer = await suite.http.post("/api/v1/invoice-runs", json=current, headers=finance)
    assert answer.status_code == 422
    assert answer.json()["type"].endswith("invoice-period")
    broker = await suite.staff("broker")
    assert (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=broker)).status_code == 403
    assert (await suite.http.get("/api/v1/invoices", headers=broker)).status_code == 403


async def test_a_correction_is_a_credit_note_of_a_lines_quantity_and_the_invoice_never_changes(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in run["issued"] if item["provider_id"] == str(council["planned_provider"]))
    url = f"/api/v1/invoices/{invoice['id']}"
    before = (await suite.http.get(url, headers=finance)).json()
    line = next(line for line in before["lines"] if line["rule"] == "planned_schedule")
    credit = {"reason": "Two visits invoiced while in hospital", "lines": [{"line": line["position"],
                                                                           "quantity": "2.00"}]}
    note = await suite.http.post(f"{url}/credit-notes", json=credit, headers=finance)
    assert note.status_code == 201, note.text
    assert (note.json()["kind"], note.json()["number"], note.json()["total"]) == ("credit_note", "CN-000001", "-31.50")
    assert note.json()["credits_invoice_id"] == invoice["id"]
    assert note.json()["sequence"] == 3
    [credited] = note.json()["lines"]
    assert (credited["quantity"], credited["unit_price"], credited["rule"], credited["reverses_line_id"]) == (
        "-2.00", "15.75", "adjustment", line["id"])
    _reconciles(note.json())
    assert (await suite.http.get(url, headers=finance)).json() == before
    too_much = {**credit, "lines": [{"line": line["position"], "quantity": "13.50"}]}
    refused = await suite.http.post(f"{url}/credit-notes", json=too_much, headers=finance)
    assert refused.status_code == 409
    assert f"Only 13.00 hour of line {line['position']}" in refused.json()["detail"]
    no_line = await suite.http.post(f"{url}/credit-notes", json={**credit, "lines": [{"line": 99, "quantity": "1"}]},
                                    headers=finance)
    assert no_line.status_code == 409
    pulled = (await suite.http.get("/api/v1/invoices", headers=finance)).json()["items"]
    assert [item["number"] for item in pulled] == [*sorted(i["number"] for i in run["issued"]), "CN-000001"]
    provider = council["provider_headers"]
    assert (await suite.http.post(f"{url}/credit-notes", json=credit, headers=provider)).status_code == 403


async def test_a_bank_holiday_in_the_period_is_priced_with_the_cards_uplift(backend: Backend) -> None:
    holiday = START + timedelta(days=1)
    async with running_suite(backend, PACKAGES_BANK_HOLIDAYS=json.dumps([str(holiday)])) as suite:
        commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
        card = {**SEED_CARD, "bank_holiday_uplift_percent": "100.00"}
        assert (await suite.http.post("/api/v1/rate-cards", json=card, headers=commissioner)).status_code == 201
        await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(60, days=WEEKDAYS), start_on=START)
        finance = await suite.staff("finance")
        [summary] = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()["issued"]
        invoice = await _document(suite, finance, summary)
        assert [(line["quantity"], line["unit_price"], line["amount"]) for line in invoice["lines"]] == [
            ("19.00", "15.75", "299.25"), ("1.00", "31.50", "31.50")]
        assert invoice["total"] == "330.75"


async def test_running_a_period_again_reverses_changed_lines_and_bills_them_as_they_now_stand(
        suite: Suite) -> None:
    council = await seed_council(suite)
    finance, provider = await suite.staff("finance"), council["provider_headers"]
    first = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in first["issued"] if item["provider_id"] == str(council["planned_provider"]))
    original = (await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers=finance)).json()
    delivered, planned = council["delivered"]["id"], council["planned"]["id"]
    late = [visit(delivered, 3, "V-4"), visit(delivered, 4, "V-5"), visit(planned, 0, "P-1")]
    assert (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": late})).status_code == 200

    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert again["already_issued"] == 2
    credit, supplementary = again["issued"]
    assert (credit["kind"], credit["number"], credit["credits_invoice_id"]) == ("credit_note", "CN-000001",
                                                                                 invoice["id"])
    assert (supplementary["kind"], supplementary["number"], supplementary["supplements_invoice_id"]) == (
        "supplementary_invoice", "INV-000003", invoice["id"])
    assert credit["adjustment"]
    assert supplementary["adjustment"]
    # every line of the invoice changed: each is reversed in full ...
    reversed_lines = (await _document(suite, finance, credit))["lines"]
    assert [(line["reverses_line_id"], line["quantity"], line["amount"], line["rule"]) for line in reversed_lines] == [
        (line["id"], f"-{line['quantity']}", f"-{line['amount']}", "adjustment") for line in original["lines"]]
    assert reversed_lines[0]["description"].startswith(f"Reversal of {invoice['number']} line 1: ")
    assert credit["total"] == "-267.75"
    # ... and billed as it now stands: the planned package reported one visit; the other four of its 60 minutes
    billed = (await _document(suite, finance, supplementary))["lines"]
    assert sorted(_rows(billed), key=lambda row: (row[0] != planned, row[1])) == [
        (planned, "council", "delivered_within_tolerance", "1.00", "hour", "15.75", "15.75", None),
        (delivered, "council", "delivered_within_tolerance", "2.00", "hour", "15.75", "31.50", None),
        (delivered, "health", "delivered_within_tolerance", "2.00", "hour", "15.75", "31.50", None)]
    assert supplementary["total"] == "78.75"
    assert (await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers=finance)).json() == original

    third = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert third["issued"] == []
    pulled = (await suite.http.get("/api/v1/invoices", headers=finance)).json()["items"]
    assert [item["sequence"] for item in pulled] == [1, 2, 3, 4]
    as_csv = await suite.http.get("/api/v1/invoices", headers={**finance, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["kind"] for row in rows] == ["invoice", "invoice", "credit_note", "supplementary_invoice"]
    assert rows[2]["credits_invoice_id"] == rows[3]["supplements_invoice_id"] == invoice["id"]
    own = (await suite.http.get("/api/v1/invoices", headers=provider)).json()["items"]
    assert {item["kind"] for item in own} == {"invoice", "supplementary_invoice", "credit_note"}


async def test_a_corrected_visit_keeps_its_first_version_and_the_next_run_settles_the_difference(
        suite: Suite) -> None:
    council = await seed_council(suite)
    finance, provider = await suite.staff("finance"), council["provider_headers"]
    first = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in first["issued"] if item["provider_id"] == str(council["planned_provider"]))
    delivered = council["delivered"]["id"]
    corrected = visit(delivered, 0, "V-1", actual_minutes=30, correction_reason="the carer logged out late")
    report = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [corrected]})).json()
    assert (report["corrected"], report["results"][0]["version"]) == (1, 2)
    shown = (await suite.http.get(f"/api/v1/visits/{report['results'][0]['id']}", headers=provider)).json()
    assert (shown["actual_minutes"], shown["paid_minutes"], shown["rule"]) == (30, 30, "actual_minutes")
    assert [(r["version"], r["reported"]["actual_minutes"], r["correction_reason"]) for r in shown["revisions"]] == [
        (1, 55, "the carer logged out late")]

    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    credit, supplementary = again["issued"]
    reversed_lines = (await _document(suite, finance, credit))["lines"]
    assert {(line["package_id"], line["quantity"], line["amount"]) for line in reversed_lines} == {
        (delivered, "-1.00", "-15.75")}
    assert len(reversed_lines) == 2  # council and health
    billed = (await _document(suite, finance, supplementary))["lines"]
    assert _rows(billed) == [
        (delivered, "council", "delivered_within_tolerance", "0.50", "hour", "15.75", "7.88", None),
        (delivered, "council", "actual_minutes", "0.25", "hour", "15.75", "3.94", None),
        (delivered, "health", "delivered_within_tolerance", "0.50", "hour", "15.75", "7.88", None),
        (delivered, "health", "actual_minutes", "0.25", "hour", "15.75", "3.94", None)]
    assert credit["credits_invoice_id"] == supplementary["supplements_invoice_id"] == invoice["id"]


async def test_an_unplanned_visit_is_paid_only_once_a_broker_approves_it(suite: Suite) -> None:
    commissioner, broker, finance = [await suite.staff(role) for role in ("commissioner", "broker", "finance")]
    assert (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)).status_code == 201
    provider_id = uuid.uuid4()
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=("mon",)),
                           start_on=START))["id"]
    provider = await suite.provider(str(provider_id))
    report = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(package, 0, "U-1"), visit(package, 5, "U-2", actual_minutes=60)]})).json()
    assert [(row["status"], row["unplanned"]) for row in report["results"]] == [("recorded", False),
                                                                               ("recorded", True)]
    pending = (await suite.http.get("/api/v1/visits", params={"approval": "pending"}, headers=broker)).json()
    assert [(item["visit_id"], item["approval"], item["paid_minutes"]) for item in pending["items"]] == [
        ("U-2", "pending", 0)]
    first = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert [item["total"] for item in first["issued"]] == ["15.75"]  # the Monday only

    unplanned = pending["items"][0]["id"]
    assert (await suite.http.post(f"/api/v1/visits/{unplanned}/approve", json={}, headers=provider)).status_code == 403
    approved = await suite.http.post(f"/api/v1/visits/{unplanned}/approve", json={"note": "agreed by phone"},
                                     headers=broker)
    assert (approved.json()["approval"], approved.json()["paid_minutes"]) == ("approved", 60)
    assert (await suite.http.post(f"/api/v1/visits/{unplanned}/refuse", json={},
                                  headers=broker)).status_code == 409
    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    [supplementary] = again["issued"]
    billed = (await _document(suite, finance, supplementary))["lines"]
    assert _rows(billed) == [(package, "council", "delivered_within_tolerance", "1.00", "hour", "15.75", "15.75", None)]
    assert "Weekend contact hours" in billed[0]["description"]


async def test_a_voided_visit_is_kept_but_no_longer_paid(suite: Suite) -> None:
    council = await seed_council(suite)
    finance, provider = await suite.staff("finance"), council["provider_headers"]
    await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    mine = (await suite.http.get("/api/v1/visits", params={"package_id": council["delivered"]["id"]},
                                 headers=provider)).json()["items"]
    first = mine[0]
    voided = await suite.http.post(f"/api/v1/visits/{first['id']}/void", json={"reason": "wrong package"},
                                   headers=provider)
    assert (voided.json()["voided"], voided.json()["paid_minutes"]) == (True, 0)
    assert (await suite.http.post(f"/api/v1/visits/{first['id']}/void", json={"reason": "again"},
                                  headers=provider)).status_code == 409
    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    credit, supplementary = again["issued"]
    assert (credit["total"], supplementary["total"]) == ("-31.50", "15.76")  # one visit left: 2 x 0.50 h at 15.75
    replacement = visit(council["delivered"]["id"], 0, "V-1-again")
    assert (await suite.http.post("/api/v1/visits", headers=provider,
                                  json={"visits": [replacement]})).json()["recorded"] == 1


async def test_a_credit_note_finance_issued_by_hand_is_not_billed_again_by_the_next_run(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in run["issued"] if item["provider_id"] == str(council["planned_provider"]))
    credit = {"reason": "Goodwill: a visit was cut short", "lines": [{"line": 1, "quantity": "0.50"}]}
    assert (await suite.http.post(f"/api/v1/invoices/{invoice['id']}/credit-notes", json=credit,
                                  headers=finance)).status_code == 201
    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert again["issued"] == []


async def test_night_visits_are_invoiced_at_the_cards_night_prices_planned_or_delivered(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    card = {**SEED_CARD, "night_uplift_percent": "20.00"}
    assert (await suite.http.post("/api/v1/rate-cards", json=card, headers=commissioner)).status_code == 201
    planned_provider, reporting_provider = uuid.uuid4(), uuid.uuid4()
    await place(suite, broker, provider_id=planned_provider, visits=weekly(60, days=WEEKDAYS, start="23:00"),
                start_on=START)
    reported = await place(suite, broker, provider_id=reporting_provider, visits=weekly(60, days=WEEKDAYS),
                           start_on=START)
    night = {"planned_start": "23:00", "actual_start": "23:05", "actual_minutes": 60}
    visits = [visit(reported["id"], 0, "N-1", **night), visit(reported["id"], 1, "D-1", actual_minutes=60)]
    answer = await suite.http.post("/api/v1/visits", json={"visits": visits},
                                   headers=await suite.provider(str(reporting_provider)))
    assert answer.json()["recorded"] == 2
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=await suite.staff("finance"))).json()
    totals = {item["provider_id"]: item["total"] for item in run["issued"]}
    assert totals[str(planned_provider)] == "378.00"  # 20 night hours at 18.90 (15.75 + 20%)
    assert totals[str(reporting_provider)] == "34.65"  # one night hour (18.90) and one day hour (15.75)


async def test_a_provider_reads_its_remittance_line_by_line(suite: Suite) -> None:
    council = await seed_council(suite)
    finance, provider = await suite.staff("finance"), council["provider_headers"]
    await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    answer = await suite.http.get("/api/v1/remittances", params=PERIOD, headers=provider)
    assert answer.status_code == 200, answer.text
    remittance = answer.json()
    assert (remittance["provider_id"], remittance["total"]) == (str(council["planned_provider"]), "267.75")
    [document] = remittance["documents"]
    assert {line["rule"] for line in document["lines"]} == {"planned_schedule", "delivered_within_tolerance"}
    assert all({"quantity", "unit", "unit_price", "amount"} <= set(line) for line in document["lines"])
    other = await suite.http.get("/api/v1/remittances", headers=provider,
                                 params={**PERIOD, "provider_id": str(council["block_provider"])})
    assert other.json()["provider_id"] == str(council["planned_provider"])  # its own, whatever it asks
    staff = await suite.http.get("/api/v1/remittances", headers=finance,
                                 params={**PERIOD, "provider_id": str(council["block_provider"])})
    assert staff.json()["total"] == "630.00"
    unnamed = await suite.http.get("/api/v1/remittances", params=PERIOD, headers=finance)
    assert (unnamed.status_code, unnamed.json()["type"].endswith("remittance")) == (422, True)


async def test_ledger_codes_follow_the_councils_mapping_by_area_client_group_and_funder(backend: Backend) -> None:
    codes = [{"funder": "council", "cost_centre": "ASC", "ledger_code": "5000"},
             {"funder": "health", "cost_centre": "ASC", "ledger_code": "5900"},
             {"area": "OAK", "client_group": "older_people", "funder": "council", "cost_centre": "OAK-OP",
              "ledger_code": "5101"}]
    async with running_suite(backend, PACKAGES_LEDGER_CODES=json.dumps(codes)) as suite:
        council = await seed_council(suite)
        finance = await suite.staff("finance")
        run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
        by_provider = {item["provider_id"]: item for item in run["issued"]}
        invoice = by_provider[str(council["planned_provider"])]
        as_csv = await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers={**finance, "Accept": "text/csv"})
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert {(row["funder"], row["cost_centre"], row["ledger_code"]) for row in rows} == {
            ("council", "OAK-OP", "5101"), ("health", "ASC", "5900")}
        block = await _document(suite, finance, by_provider[str(council["block_provider"])])
        assert [(line["cost_centre"], line["ledger_code"]) for line in block["lines"]] == [("ASC", "5000")]


async def test_a_decision_on_an_unplanned_visit_stands_for_its_day_and_a_move_waits_for_a_new_one(
        suite: Suite) -> None:
    broker = await suite.staff("broker")
    provider_id = uuid.uuid4()
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=("mon",)),
                           start_on=START))["id"]
    provider = await suite.provider(str(provider_id))
    report = (await suite.http.post("/api/v1/visits", headers=provider,
                                    json={"visits": [visit(package, 5, "W-1")]})).json()
    visit_id = report["results"][0]["id"]
    await suite.http.post(f"/api/v1/visits/{visit_id}/approve", json={}, headers=broker)
    longer = visit(package, 5, "W-1", actual_minutes=60, correction_reason="logged out early")
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [longer]})
    shown = (await suite.http.get(f"/api/v1/visits/{visit_id}", headers=broker)).json()
    assert (shown["approval"], shown["version"]) == ("approved", 2)
    moved = visit(package, 6, "W-1", actual_minutes=60, correction_reason="it was the Sunday")
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [moved]})
    shown = (await suite.http.get(f"/api/v1/visits/{visit_id}", headers=broker)).json()
    assert (shown["approval"], shown["paid_minutes"], shown["version"]) == ("pending", 0, 3)
    planned_day = visit(package, 7, "W-1", actual_minutes=60, correction_reason="it was the Monday")
    await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [planned_day]})
    shown = (await suite.http.get(f"/api/v1/visits/{visit_id}", headers=broker)).json()
    assert (shown["approval"], shown["paid_minutes"]) == (None, 60)


async def test_minutes_a_visit_ran_over_are_paid_once_a_broker_approves_the_extension(suite: Suite) -> None:
    commissioner, broker, finance = [await suite.staff(role) for role in ("commissioner", "broker", "finance")]
    assert (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)).status_code == 201
    provider_id = uuid.uuid4()
    package = (await place(suite, broker, provider_id=provider_id, visits=weekly(45, days=("mon",)),
                           start_on=START))["id"]
    provider = await suite.provider(str(provider_id))
    report = (await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(package, 0, "X-1", planned_minutes=45, actual_minutes=58)]})).json()
    visit_id = report["results"][0]["id"]
    shown = (await suite.http.get(f"/api/v1/visits/{visit_id}", headers=broker)).json()
    assert (shown["paid_minutes"], shown["overrun_minutes"], shown["extension_approved"]) == (45, 15, False)
    first = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert [item["total"] for item in first["issued"]] == ["11.81"]  # 0.75 h at 15.75

    assert (await suite.http.post(f"/api/v1/visits/{visit_id}/extension", json={},
                                  headers=provider)).status_code == 403
    extended = await suite.http.post(f"/api/v1/visits/{visit_id}/extension",
                                     json={"note": "stayed until the ambulance came"}, headers=broker)
    assert (extended.json()["paid_minutes"], extended.json()["extension_approved"]) == (60, True)
    again = await suite.http.post(f"/api/v1/visits/{visit_id}/extension", json={}, headers=broker)
    assert (again.status_code, again.json()["type"].endswith("no-extension")) == (409, True)
    [supplementary] = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()["issued"]
    billed = (await _document(suite, finance, supplementary))["lines"]
    assert _rows(billed) == [(package, "council", "approved_extension", "0.25", "hour", "15.75", "3.94", None)]


async def test_where_the_council_allows_banking_an_over_run_is_paid_from_the_weeks_unused_minutes(
        backend: Backend) -> None:
    async with running_suite(backend, PACKAGES_BANKING="true") as suite:
        commissioner, broker, finance = [await suite.staff(role) for role in ("commissioner", "broker", "finance")]
        assert (await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)).status_code == 201
        provider_id = uuid.uuid4()
        package = (await place(suite, broker, provider_id=provider_id, visits=weekly(45, days=("mon", "wed")),
                               start_on=START))["id"]
        longer, shorter, later = (visit(package, 0, "K-1", planned_minutes=45, actual_minutes=60),
                                  visit(package, 2, "K-2", planned_minutes=45, actual_minutes=30),
                                  visit(package, 7, "K-3", planned_minutes=45, actual_minutes=70))
        assert (await suite.http.post("/api/v1/visits", headers=await suite.provider(str(provider_id)),
                                      json={"visits": [longer, shorter, later]})).json()["recorded"] == 3
        [invoice] = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()["issued"]
        lines = (await _document(suite, finance, invoice))["lines"]
        # week 1: 60 and 30 minutes against 90 planned: the 15 over are paid from the 15 unused; week 2: the
        # visit of 70 minutes ran 25 over, paid from the Wednesday nobody reported (45 unused)
        assert _rows(lines) == [
            (package, "council", "delivered_within_tolerance", "1.50", "hour", "15.75", "23.63", None),
            (package, "council", "actual_minutes", "0.50", "hour", "15.75", "7.88", None),
            (package, "council", "banked_minutes", "0.6667", "hour", "15.75", "10.50", None)]
