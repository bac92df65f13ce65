"""Invoice runs, the finance pull (JSON and CSV), acknowledgement, and provider scope."""

from __future__ import annotations

import csv
import gc
import io
import json
import uuid
from datetime import timedelta

from tests.harness import Backend, Suite, running_suite
from tests.packages.conftest import (
    PERIOD,
    SEED_CARD,
    START,
    WEEKDAYS,
    past_monday,
    place,
    seed_council,
    visit,
    weekly,
)


async def test_an_invoice_run_issues_one_invoice_per_provider_from_visits_schedules_and_blocks(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    answer = await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    assert answer.status_code == 201, answer.text
    run = answer.json()
    issued = {item["provider_id"]: item for item in run["issued"]}
    assert set(issued) == {str(council["planned_provider"]), str(council["block_provider"])}
    assert sorted(item["number"] for item in run["issued"]) == ["INV-000001", "INV-000002"]
    assert issued[str(council["block_provider"])]["total"] == "630.00"
    assert issued[str(council["planned_provider"])]["total"] == "265.13"
    assert gc.isenabled()  # the run pauses the cyclic garbage collector only while it runs

    invoice = (await suite.http.get(f"/api/v1/invoices/{issued[str(council['planned_provider'])]['id']}",
                                    headers=finance)).json()
    lines = {(line["package_id"], line["funder"]): line for line in invoice["lines"]}
    planned_line = lines[(council["planned"]["id"], "council")]
    assert (planned_line["amount"], planned_line["hours"]) == ("236.25", "15.00")
    assert "planned schedule" in planned_line["description"]
    assert lines[(council["delivered"]["id"], "council")]["amount"] == "14.44"
    assert lines[(council["delivered"]["id"], "health")]["amount"] == "14.44"
    assert "delivered visits" in lines[(council["delivered"]["id"], "health")]["description"]

    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert again["issued"] == []
    assert again["already_issued"] == 2
    unchanged = (await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers=finance)).json()
    assert unchanged == invoice


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
    assert sum(float(row["amount"]) * 100 for row in line_rows) == float(pulled[0]["total"]) * 100

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


async def test_a_correction_is_a_credit_note_and_the_invoice_never_changes(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in run["issued"] if item["provider_id"] == str(council["planned_provider"]))
    url = f"/api/v1/invoices/{invoice['id']}"
    before = (await suite.http.get(url, headers=finance)).json()
    credit = {"reason": "Two visits invoiced while in hospital",
              "lines": [{"package_id": council["planned"]["id"], "funder": "council", "amount": "31.50",
                         "hours": "2.00"}]}
    note = await suite.http.post(f"{url}/credit-notes", json=credit, headers=finance)
    assert note.status_code == 201, note.text
    assert (note.json()["kind"], note.json()["number"], note.json()["total"]) == ("credit_note", "CN-000001", "-31.50")
    assert note.json()["credits_invoice_id"] == invoice["id"]
    assert note.json()["sequence"] == 3
    assert (await suite.http.get(url, headers=finance)).json() == before
    too_much = {**credit, "lines": [{**credit["lines"][0], "amount": "205.00"}]}
    refused = await suite.http.post(f"{url}/credit-notes", json=too_much, headers=finance)
    assert refused.status_code == 409
    assert "204.75" in refused.json()["detail"]
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
        run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD,
                                     headers=await suite.staff("finance"))).json()
        assert [item["total"] for item in run["issued"]] == ["330.75"]  # 19 x 15.75 + 2 x 15.75


async def test_running_a_period_again_bills_late_visits_and_credits_what_went_down(suite: Suite) -> None:
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
    kinds = {item["kind"]: item for item in again["issued"]}
    assert set(kinds) == {"supplementary_invoice", "credit_note"}
    supplementary, credit = kinds["supplementary_invoice"], kinds["credit_note"]
    assert (supplementary["number"], supplementary["supplements_invoice_id"]) == ("INV-000003", invoice["id"])
    assert (credit["number"], credit["credits_invoice_id"]) == ("CN-000001", invoice["id"])
    assert supplementary["adjustment"]
    assert credit["adjustment"]
    # four delivered visits of 55 minutes now cost 57.75 (health 50%: 28.88, council 28.87); 28.88 was billed
    lines = {(line["package_id"], line["funder"]): line for line in (await suite.http.get(
        f"/api/v1/invoices/{supplementary['id']}", headers=finance)).json()["lines"]}
    assert (lines[(delivered, "council")]["amount"], lines[(delivered, "health")]["amount"]) == ("14.43", "14.44")
    assert lines[(delivered, "health")]["description"].startswith(f"Adjustment to {invoice['number']}: ")
    assert supplementary["total"] == "28.87"
    # the planned package now has one reported visit (14.44) instead of its schedule (236.25)
    credited = (await suite.http.get(f"/api/v1/invoices/{credit['id']}", headers=finance)).json()["lines"]
    assert [(line["package_id"], line["amount"]) for line in credited] == [(planned, "-221.81")]
    assert (await suite.http.get(f"/api/v1/invoices/{invoice['id']}", headers=finance)).json() == original

    third = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert third["issued"] == []
    pulled = (await suite.http.get("/api/v1/invoices", headers=finance)).json()["items"]
    assert [item["sequence"] for item in pulled] == [1, 2, 3, 4]
    as_csv = await suite.http.get("/api/v1/invoices", headers={**finance, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["kind"] for row in rows] == ["invoice", "invoice", "supplementary_invoice", "credit_note"]
    assert rows[3]["credits_invoice_id"] == rows[2]["supplements_invoice_id"] == invoice["id"]
    own = (await suite.http.get("/api/v1/invoices", headers=provider)).json()["items"]
    assert {item["kind"] for item in own} == {"invoice", "supplementary_invoice", "credit_note"}


async def test_a_credit_note_finance_issued_by_hand_is_not_billed_again_by_the_next_run(suite: Suite) -> None:
    council = await seed_council(suite)
    finance = await suite.staff("finance")
    run = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    invoice = next(item for item in run["issued"] if item["provider_id"] == str(council["planned_provider"]))
    credit = {"reason": "Goodwill: a visit was cut short",
              "lines": [{"package_id": council["planned"]["id"], "funder": "council", "amount": "10.00"}]}
    assert (await suite.http.post(f"/api/v1/invoices/{invoice['id']}/credit-notes", json=credit,
                                  headers=finance)).status_code == 201
    again = (await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)).json()
    assert again["issued"] == []


async def test_night_visits_are_invoiced_with_the_cards_night_uplift_planned_or_delivered(suite: Suite) -> None:
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
    assert totals[str(planned_provider)] == "378.00"  # 20 night hours at 15.75 + 20%
    assert totals[str(reporting_provider)] == "34.65"  # one night hour (18.90) and one day hour (15.75)
