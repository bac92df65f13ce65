"""Subject access and erasure (DOMAIN.md, "Personal data"): the gateway gathers a person's record from every
service that holds part of it, for the data protection officer or an admin only, audited; the retention job
erases people whose care ended long enough ago, in every service through the event, once."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.brokerage.people.service import erase_past_retention as erase_never_placed
from services.brokerage.settings import BrokerageSettings
from services.packages.people.service import erase_past_retention, people_past_retention
from services.packages.settings import PackagesSettings
from shared.audit import SYSTEM_ACTOR
from shared.contracts.common import Tier
from shared.contracts.packages import PersonErasureDue
from shared.personal import ERASED, years_before
from tests.brokerage.conftest import brokerage_database, market_of, referral_body
from tests.harness import Suite, eventually
from tests.packages.conftest import PERIOD, SEED_CARD, START, place, visit, weekly
from tests.quality.support import known_provider, publish

NOTE = "Mrs Example fell at home; her daughter called"
"""Free text about the person, in every service."""
CLIENT = "OAK/C-900"
"""A reference brokerage takes (slashes too), asked for through the path as it is."""
YEARS = PackagesSettings().retention_years


async def _person_in_every_service(suite: Suite, client_ref: str = CLIENT) -> dict[str, Any]:
    """A cancelled referral, an ended package with visits (one voided), a suspension, an invoice, a financial
    assessment, and a concern and feedback naming the package, all about `client_ref`."""
    broker, finance = await suite.staff("broker"), await suite.staff("finance")
    market = market_of(brokerage_database(suite.backend))
    try:
        await market.area()
        await market.provider(Tier.PRIMARY)
    finally:
        await market.database.dispose()
    referral = (await suite.http.post("/api/v1/referrals", headers=broker,
                                      json=referral_body(client_ref=client_ref))).json()
    cancelled = await suite.http.post(f"/api/v1/referrals/{referral['id']}/cancel", headers=broker,
                                      json={"reason": "other", "detail": NOTE})
    assert cancelled.status_code == 200, cancelled.text
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=await suite.staff("commissioner"))
    provider_id = await known_provider(suite, await suite.staff("quality_officer"))
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60), start_on=START,
                          client_ref=client_ref)
    url = f"/api/v1/packages/{package['id']}"
    assessed = await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": client_ref, "assessed_weekly_contribution": "35.50", "effective_from": str(START)})
    assert assessed.status_code == 201, assessed.text
    provider = await suite.provider(str(provider_id))
    reported = await suite.http.post("/api/v1/visits", headers=provider, json={"visits": [
        visit(package["id"], 0, "V-1"), visit(package["id"], 1, "V-2")]})
    assert reported.json()["recorded"] == 2
    voided = await suite.http.post(f"/api/v1/visits/{reported.json()['results'][1]['id']}/void", headers=provider,
                                   json={"reason": NOTE})
    assert voided.status_code == 200, voided.text
    for path, body in ((f"{url}/suspend", {"starts_on": str(START + timedelta(days=7)), "reason": NOTE}),
                       (f"{url}/resume", {"on": str(START + timedelta(days=14))}),
                       (f"{url}/end", {"on": str(START + timedelta(days=27)), "reason": NOTE})):
        assert (await suite.http.post(path, headers=broker, json=body)).status_code == 200
    run = await suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
    assert run.status_code in (200, 201), run.text
    officer = await suite.staff("quality_officer")
    for path, body in (("/api/v1/concerns", {"kind": "missed_visit", "severity": "high", "summary": NOTE}),
                       ("/api/v1/feedback", {"scores": {"overall": 2}, "comments": NOTE})):
        made = await suite.http.post(path, headers=officer, json={
            "provider_id": str(provider_id), "package_id": package["id"], **body})
        assert made.status_code == 201, made.text
    return {"package": package, "referral": referral, "provider_id": provider_id}


async def _record(suite: Suite, headers: dict[str, str], client_ref: str = CLIENT) -> Any:
    return await suite.http.get(f"/api/v1/people/{client_ref}/record", headers=headers)


async def test_the_record_gathers_every_service_for_the_officer_and_admin_only_and_audits_each_read(
        suite: Suite) -> None:
    person = await _person_in_every_service(suite)
    officer = await suite.staff("dpo")
    for refused in (await suite.staff("broker"), await suite.staff("commissioner")):
        answer = await _record(suite, refused)
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
    assert (await _record(suite, await suite.as_admin())).status_code == 200

    answer = await _record(suite, officer)

    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["client_ref"] == CLIENT
    brokerage, packages, quality = (record["services"][name] for name in ("brokerage", "packages", "quality"))
    assert [each["id"] for each in brokerage["referrals"]] == [person["referral"]["id"]]
    assert {entry["event"] for entry in brokerage["referral_history"]} >= {"cancelled"}
    assert [each["id"] for each in packages["packages"]] == [person["package"]["id"]]
    assert len(packages["visits"]) == 2
    assert len(packages["suspensions"]) == 1
    assert packages["invoice_lines"]
    assert all(line["package_id"] == person["package"]["id"] for line in packages["invoice_lines"])
    assert [each["assessed_weekly_contribution"] for each in packages["financial_assessments"]] == ["35.50"]
    assert [each["summary"] for each in quality["concerns"]] == [NOTE]
    assert [each["comments"] for each in quality["feedback"]] == [NOTE]
    assert {"referral.created", "person.record_read"} <= {row["action"] for row in brokerage["audit"]}
    assert {"package.ended", "person.record_read"} <= {row["action"] for row in packages["audit"]}
    requests = await _gateway_audit(suite, "person.record_requested")
    assert [(row.entity_id, json.loads(row.after)["format"]) for row in requests] == [(CLIENT, "json")] * 2
    assert requests[-1].actor != requests[0].actor
    assert (await suite.http.get("/api/v1/packages", headers=officer)).status_code == 403, "nothing else to a dpo"


async def test_the_archive_holds_a_file_per_service_and_a_manifest(suite: Suite) -> None:
    await _person_in_every_service(suite)
    officer = await suite.staff("dpo")

    by_header = await suite.http.get(f"/api/v1/people/{CLIENT}/record", headers={**officer,
                                                                                 "Accept": "application/zip"})
    by_query = await suite.http.get(f"/api/v1/people/{CLIENT}/record", params={"format": "zip"}, headers=officer)

    for answer in (by_header, by_query):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        assert answer.headers["content-disposition"] == 'attachment; filename="record-OAK_C-900.zip"'
    archive = zipfile.ZipFile(io.BytesIO(by_query.content))
    assert sorted(archive.namelist()) == ["brokerage.json", "manifest.json", "packages.json", "quality.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["client_ref"] == CLIENT
    assert manifest["files"]["packages.json"]["visits"] == 2
    assert json.loads(archive.read("quality.json"))["concerns"][0]["summary"] == NOTE
    assert [json.loads(row.after)["format"] for row in await _gateway_audit(suite, "person.record_requested")] \
        == ["zip", "zip"]


async def test_a_reference_no_service_knows_is_404_and_still_audited(suite: Suite) -> None:
    answer = await _record(suite, await suite.staff("dpo"), "C-NOBODY")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    [audited] = await _gateway_audit(suite, "person.record_requested")
    assert audited.entity_id == "C-NOBODY"
    assert json.loads(audited.after)["found"] is False


async def test_the_retention_job_picks_only_people_whose_care_ended_past_retention(suite: Suite) -> None:
    broker = await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=await suite.staff("commissioner"))
    for client_ref in ("C-ENDED", "C-IN-CARE"):
        await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(30), start_on=START, client_ref=client_ref)
    ended = (await suite.http.get("/api/v1/packages", headers=broker)).json()["items"]
    ended_on = START + timedelta(days=6)
    [package_id] = [each["id"] for each in ended if each["client_ref"] == "C-ENDED"]
    assert (await suite.http.post(f"/api/v1/packages/{package_id}/end", headers=broker,
                                  json={"on": str(ended_on)})).status_code == 200
    database = suite.database("packages")

    assert await erase_past_retention(database, years=YEARS, today=_years_after(ended_on, YEARS)) == []
    async with database.sessionmaker() as session:
        assert await people_past_retention(session, cutoff=date.max) == [("C-ENDED", ended_on)]
    [erased] = await erase_past_retention(database, years=YEARS, today=_years_after(ended_on, YEARS) + timedelta(1))
    async with database.sessionmaker() as session:
        assert await people_past_retention(session, cutoff=date.max) == []
    left = {each["client_ref"] for each in (await suite.http.get("/api/v1/packages", headers=broker)).json()["items"]}
    assert left == {"C-IN-CARE", f"erased:{erased.hex}"}


async def test_erasure_takes_personal_data_out_of_every_service_keeps_money_and_runs_once(suite: Suite) -> None:
    person = await _person_in_every_service(suite)
    officer = await suite.staff("dpo")
    before = (await _record(suite, officer)).json()["services"]
    today = _years_after(START + timedelta(days=28), YEARS) + timedelta(days=1)

    [erasure_id] = await erase_past_retention(suite.database("packages"), years=YEARS, today=today)
    suite.app.state.service_apps["packages"].state.events.wake_relay()

    report = await eventually(lambda: _erasures_of_every_service(suite, officer))
    assert {each["erasure_id"] for each in report} == {str(erasure_id)}
    marker = f"erased:{erasure_id.hex}"
    assert [row.entity_id for row in await _gateway_audit(suite, "person.record_requested")] == [marker]
    assert (await _record(suite, officer)).status_code == 404
    after = (await _record(suite, officer, marker)).json()["services"]
    _assert_erased(before, after, marker=marker, package_id=person["package"]["id"])
    assert await erase_past_retention(suite.database("packages"), years=YEARS, today=today) == []
    again = await publish(suite, PersonErasureDue(
        erasure_id=erasure_id, client_ref=CLIENT, marker=marker, package_ids=[person["package"]["id"]],
        care_ended_on=START + timedelta(days=27)), source="packages")
    for service in ("gateway", "brokerage", "quality"):
        await eventually(lambda service=service: _handled(suite, service, again.id))
    assert len(await _erasures_of_every_service(suite, officer) or []) == 4
    assert _records_of((await _record(suite, officer, marker)).json()["services"]) == _records_of(after)


def _records_of(services: dict[str, Any]) -> dict[str, Any]:
    """The services' records without their audit (reading them again is audited, as every read)."""
    return {name: {kind: rows for kind, rows in sections.items() if kind != "audit"}
            for name, sections in services.items()}


async def _handled(suite: Suite, service: str, event_id: uuid.UUID) -> bool:
    app = suite.app if service == "gateway" else suite.app.state.service_apps[service]
    inbox = app.state.spec.infra.events.inbox
    async with app.state.db.sessionmaker() as session:
        return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == str(event_id))) is not None


async def test_the_officer_erases_a_person_whose_care_ended_and_no_one_else_may(suite: Suite) -> None:
    broker, officer = await suite.staff("broker"), await suite.staff("dpo")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=await suite.staff("commissioner"))
    package = await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(30), start_on=START,
                          client_ref=CLIENT)
    url = f"/api/v1/people/{CLIENT}/erasure"
    assert (await suite.http.post(url, headers=broker)).status_code == 403
    assert (await suite.http.post(url, headers=officer)).status_code == 409, "care has not ended"
    assert (await suite.http.post("/api/v1/people/C-NOBODY/erasure", headers=officer)).status_code == 404
    ended = await suite.http.post(f"/api/v1/packages/{package['id']}/end", headers=broker,
                                  json={"on": str(START + timedelta(days=6))})
    assert ended.status_code == 200

    started = await suite.http.post(url, headers=officer)

    assert started.status_code == 202, started.text
    report = await eventually(lambda: _erasures_of_every_service(suite, officer))
    assert {each["erasure_id"] for each in report} == {started.json()["erasure_id"]}
    [requested] = await _audit(suite.app.state.service_apps["packages"], "person.erasure_requested")
    assert requested.entity_id == started.json()["erasure_id"]
    assert requested.actor != SYSTEM_ACTOR
    assert (await _record(suite, officer)).status_code == 404
    assert (await suite.http.post(url, headers=officer)).status_code == 404, "erased already"


def _assert_erased(before: dict[str, Any], after: dict[str, Any], *, marker: str, package_id: str) -> None:
    brokerage, packages, quality = (after[name] for name in ("brokerage", "packages", "quality"))
    assert [each["client_ref"] for each in brokerage["referrals"]] == [marker]
    assert brokerage["referrals"][0]["needs"] == []
    assert brokerage["referrals"][0]["weekly_hours"] \
        == before["brokerage"]["referrals"][0]["weekly_hours"]
    assert [each["client_ref"] for each in packages["packages"]] == [marker]
    assert [each["reason"] for each in packages["suspensions"]] == [ERASED]
    assert [each["void_reason"] for each in packages["visits"] if each["voided_at"]] == [ERASED]
    assert packages["invoice_lines"] == before["packages"]["invoice_lines"]
    assert sum(Decimal(line["amount"]) for line in packages["invoice_lines"]) > 0
    assert [(each["client_ref"], each["assessed_weekly_contribution"]) for each in packages["financial_assessments"]] \
        == [(marker, "35.50")]
    assert [(each["summary"], each["package_id"]) for each in quality["concerns"]] == [(ERASED, package_id)]
    assert [each["comments"] for each in quality["feedback"]] == [ERASED]
    for service in after.values():
        assert NOTE not in json.dumps(service)
        assert CLIENT not in json.dumps(service)


async def _erasures_of_every_service(suite: Suite, headers: dict[str, str]) -> list[dict[str, Any]] | None:
    answer = await suite.http.get("/api/v1/people/erasures", headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items if {each["service"] for each in items} == {"gateway", "brokerage", "packages", "quality"} else None


def _years_after(day: date, years: int) -> date:
    later = years_before(day, -years)
    assert later > day
    return later


async def _gateway_audit(suite: Suite, action: str) -> list[Any]:
    return await _audit(suite.app, action)


async def _audit(app: Any, action: str) -> list[Any]:
    table = app.state.spec.infra.audit
    async with app.state.db.sessionmaker() as session:
        return list((await session.execute(select(table).where(table.c.action == action)
                                           .order_by(table.c.id))).all())


async def test_a_person_never_placed_is_erased_by_brokerage_once_their_cancellation_is_past_retention(
        suite: Suite) -> None:
    """Packages never knew them, so brokerage's own retention pass erases them (and reports it)."""
    market = market_of(brokerage_database(suite.backend))
    await market.area()
    broker = await suite.staff("broker")
    cancelled = (await suite.http.post("/api/v1/referrals", headers=broker,
                                       json=referral_body(client_ref="OAK/C-NEVER"))).json()
    assert (await suite.http.post(f"/api/v1/referrals/{cancelled['id']}/cancel", headers=broker, json={
        "reason": "care_arranged_elsewhere", "detail": "Family found a live-in carer"})).status_code == 200
    waiting = (await suite.http.post("/api/v1/referrals", headers=broker,
                                     json=referral_body(client_ref="OAK/C-WAITING"))).json()
    officer = await suite.staff("dpo")
    assert (await _record(suite, officer, "OAK/C-NEVER")).status_code == 200
    years = BrokerageSettings().retention_years
    today = datetime.now(UTC).date()

    assert await erase_never_placed(market.database, years=years, today=_years_after(today, years)) == []
    [erasure_id] = await erase_never_placed(market.database, years=years,
                                            today=_years_after(today, years) + timedelta(days=1))
    assert await erase_never_placed(market.database, years=years,
                                    today=_years_after(today, years) + timedelta(days=1)) == []
    erased = (await suite.http.get(f"/api/v1/referrals/{cancelled['id']}", headers=broker)).json()
    assert erased["client_ref"] == f"erased:{erasure_id.hex}"
    assert "Family found a live-in carer" not in json.dumps(erased)
    queue = await suite.http.get("/api/v1/referrals", headers=broker)  # an erased referral's marker is answered
    assert queue.status_code == 200
    assert {each["client_ref"] for each in queue.json()["items"]} == {erased["client_ref"], "OAK/C-WAITING"}
    kept = (await suite.http.get(f"/api/v1/referrals/{waiting['id']}", headers=broker)).json()
    assert (kept["client_ref"], kept["status"]) == ("OAK/C-WAITING", "unsourced")
    suite.app.state.service_apps["brokerage"].state.events.wake_relay()
    await eventually(lambda: _audited_requests_are_for(suite, erased["client_ref"]))
    report = (await suite.http.get("/api/v1/people/erasures", headers=officer)).json()["items"]
    assert [(each["service"], each["erasure_id"], each["erased"].get("referrals")) for each in report] == [
        ("brokerage", str(erasure_id), 1), ("gateway", str(erasure_id), None)]
    await market.database.dispose()


async def test_a_person_assessed_but_never_given_a_package_is_erased_once_their_last_assessment_is_past_retention(
        suite: Suite) -> None:
    """Packages' own part of them is their assessments; the event still goes out, so the gateway's audit of
    requests for their record is rewritten as anyone else's."""
    officer, broker = await suite.staff("dpo"), await suite.staff("broker")
    assessed = await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": "OAK/C-ASSESSED", "assessed_weekly_contribution": "20.00", "effective_from": str(START)})
    assert assessed.status_code == 201, assessed.text
    assert (await _record(suite, officer, "OAK/C-ASSESSED")).status_code == 200
    last = max(START, datetime.now(UTC).date())  # recorded today, after it took effect
    database = suite.database("packages")

    assert await erase_past_retention(database, years=YEARS, today=_years_after(last, YEARS)) == []
    [erasure_id] = await erase_past_retention(database, years=YEARS, today=_years_after(last, YEARS) + timedelta(1))
    assert await erase_past_retention(database, years=YEARS, today=_years_after(last, YEARS) + timedelta(1)) == []
    suite.app.state.service_apps["packages"].state.events.wake_relay()
    marker = f"erased:{erasure_id.hex}"
    await eventually(lambda: _audited_requests_are_for(suite, marker))
    report = await eventually(lambda: _erasures_of_every_service(suite, officer))
    assert {each["erasure_id"] for each in report} == {str(erasure_id)}
    assert (await _record(suite, officer, "OAK/C-ASSESSED")).status_code == 404
    [packages] = [each for each in report if each["service"] == "packages"]
    assert (packages["erasure_id"], packages["erased"]["financial_assessments"]) == (str(erasure_id), 1)
    kept = (await _record(suite, officer, marker)).json()["services"]["packages"]["financial_assessments"]
    assert [row["assessed_weekly_contribution"] for row in kept] == ["20.00"]


async def _audited_requests_are_for(suite: Suite, client_ref: str) -> bool:
    return [row.entity_id for row in await _gateway_audit(suite, "person.record_requested")] == [client_ref]
