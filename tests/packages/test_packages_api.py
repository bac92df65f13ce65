"""Packages created from `referral placed`, costed and split, changed, suspended, resumed and ended."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.models import INFRA
from services.packages.visits.models import Visit
from shared.contracts.brokerage import PlacementCorrected, ScheduledVisit
from shared.contracts.common import Tier
from shared.contracts.packages import PackageChanged, PackageCreated
from shared.contracts.providers import ContractState
from shared.contracts.short_visits import short_visit_breach
from shared.db import Database
from shared.events.envelope import EventEnvelope
from tests.harness import Backend, Suite, eventually, running_suite, service_statements
from tests.packages.conftest import (
    SEED_CARD,
    START,
    contracts_changed,
    past_monday,
    place,
    publish,
    referral_placed,
    visit,
    weekly,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@contextlib.asynccontextmanager
async def _packages_db(suite: Suite) -> AsyncIterator[AsyncSession]:
    """A session on the packages service's own database."""
    database = Database(suite.backend.database_url_of("packages"), schema="packages")
    try:
        async with database.sessionmaker() as session:
            yield session
    finally:
        await database.dispose()


async def _packages_db_count(suite: Suite, table: str) -> int:
    """Rows in the packages service's own audit log or outbox."""
    async with _packages_db(suite) as session:
        target = INFRA.audit if table == "audit_log" else INFRA.events.outbox
        return int(await session.scalar(select(func.count()).select_from(target)) or 0)


async def _published_weekly_costs(suite: Suite) -> dict[tuple[str, str], str]:
    """The weekly cost each package event in the outbox states, by (event type, package id)."""
    outbox = INFRA.events.outbox
    package_events = select(outbox.c.body).where(outbox.c.event_type.like("packages.package.%"))
    async with _packages_db(suite) as session:
        bodies = list(await session.scalars(package_events))
    envelopes = [EventEnvelope.model_validate_json(body) for body in bodies]
    return {(envelope.type, envelope.payload["package"]["package_id"]): envelope.payload["package"]["weekly_cost"]
            for envelope in envelopes}


async def _place_thirty_differently_priced_packages(suite: Suite, broker: dict[str, str]) -> None:
    """Card rates, an agreed rate, no rate at all; assessed and unassessed people; split funding."""
    commissioner = await suite.staff("commissioner")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    for client in ("C-1", "C-2", "C-3"):
        await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
            "client_ref": client, "assessed_weekly_contribution": "40.00", "effective_from": "2026-01-01"})
    providers = [uuid.uuid4() for _ in range(3)]
    contract = ContractState(area="OAK", tier=Tier.PRIMARY, hourly_rate="18.00", starts_on="2026-01-01")
    await publish(suite, contracts_changed(providers[0], [contract], version=1))
    for n in range(30):
        await publish(suite, referral_placed(
            provider_id=providers[n % 3], visits=weekly(30 + 15 * (n % 3)), start_on=past_monday(2),
            area="NOWHERE" if n % 5 == 0 else "OAK", client_ref=f"C-{n % 6}", health_share_percent=10 * (n % 4)))

    async def all_placed_and_priced() -> bool:
        listed = (await suite.http.get("/api/v1/packages", params={"limit": 500}, headers=broker)).json()["items"]
        return len(listed) == 30 and any(package["hourly_rate"] == "18.00" for package in listed)
    await eventually(all_placed_and_priced, timeout=30)


async def test_a_page_of_30_packages_takes_as_many_queries_as_a_page_of_3_and_shows_each_as_read(
    suite: Suite,
) -> None:
    broker = await suite.staff("broker")
    await _place_thirty_differently_priced_packages(suite, broker)
    first = (await suite.http.get("/api/v1/packages", params={"limit": 2}, headers=broker)).json()["items"]
    await suite.http.post(f"/api/v1/packages/{first[0]['id']}/suspend", headers=broker,
                          json={"starts_on": str(past_monday(1))})
    await suite.http.post(f"/api/v1/packages/{first[1]['id']}/changes", headers=broker,
                          json={"effective_from": str(past_monday(1)), "visits": weekly(60)})

    with service_statements(suite, "packages") as for_three:
        three = await suite.http.get("/api/v1/packages", params={"limit": 3}, headers=broker)
    with service_statements(suite, "packages") as for_thirty:
        thirty = await suite.http.get("/api/v1/packages", params={"limit": 30}, headers=broker)

    assert (len(three.json()["items"]), len(thirty.json()["items"])) == (3, 30)
    assert len(for_three) == len(for_thirty), (for_three, for_thirty)
    listed = thirty.json()["items"]
    assert {package["hourly_rate"] for package in listed} == {"18.00", "15.75", None}
    assert {package["client_contribution"] for package in listed} >= {"0.00", "40.00"}
    assert [package["status"] for package in listed].count("suspended") == 1
    for package in listed:
        assert package == (await suite.http.get(f"/api/v1/packages/{package['id']}", headers=broker)).json()


async def test_a_placed_referral_becomes_one_costed_package_however_often_it_is_published(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": "C-1", "assessed_weekly_contribution": "500.00", "effective_from": "2026-01-01"})
    provider_id = uuid.uuid4()
    event = referral_placed(provider_id=provider_id, visits=weekly(60, days=WEEKDAYS) * 8,
                            start_on=past_monday(2), health_share_percent=50)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=WEEKDAYS) * 8,
                          start_on=past_monday(2), health_share_percent=50, referral_id=event.referral.referral_id)
    await publish(suite, event)
    await place(suite, broker, provider_id=provider_id, visits=weekly(30), start_on=past_monday(1))
    listed = await suite.http.get("/api/v1/packages", params={"provider_id": str(provider_id)}, headers=broker)
    assert [p["referral_id"] for p in listed.json()["items"]].count(str(event.referral.referral_id)) == 1
    assert package["weekly_hours"] == "40.00"
    assert (package["weekly_cost"], package["health_share"], package["client_contribution"],
            package["council_share"], package["hourly_rate"]) == ("630.00", "315.00", "260.00", "55.00", "15.75")
    assert package["status"] == "active"
    assert package["provider_id"] == str(provider_id)


async def test_an_agreed_contract_rate_overrides_the_area_card_and_older_versions_are_ignored(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    provider_id = uuid.uuid4()
    contract = ContractState(area="OAK", tier=Tier.PRIMARY, hourly_rate="18.00", starts_on="2026-01-01")
    await publish(suite, contracts_changed(provider_id, [contract], version=2))
    await publish(suite, contracts_changed(provider_id, [contract.model_copy(update={"hourly_rate": None})],
                                           version=1))
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=WEEKDAYS),
                          start_on=past_monday(1))

    async def agreed() -> bool:
        shown = (await suite.http.get(f"/api/v1/packages/{package['id']}", headers=broker)).json()
        return shown["hourly_rate"] == "18.00" and shown["weekly_cost"] == "90.00"
    await eventually(agreed)


async def test_a_package_without_any_rate_shows_no_cost(suite: Suite) -> None:
    broker = await suite.staff("broker")
    package = await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(30), start_on=past_monday(1),
                          area="NOWHERE")
    assert package["weekly_cost"] is None
    assert package["weekly_hours"] == "3.50"


async def test_change_suspend_resume_and_end_recost_and_publish(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    start = past_monday(3)
    package = await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(60, days=WEEKDAYS),
                          start_on=start)
    url = f"/api/v1/packages/{package['id']}"
    changed = await suite.http.post(f"{url}/changes", headers=broker, json={
        "effective_from": str(start + timedelta(days=7)), "visits": weekly(60, days=WEEKDAYS) * 2,
        "health_share_percent": 100})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["weekly_cost"], changed.json()["health_share"]) == ("157.50", "157.50")
    earlier = await suite.http.post(f"{url}/changes", headers=broker, json={
        "effective_from": str(start), "health_share_percent": 0})
    assert earlier.status_code == 422

    suspended = await suite.http.post(f"{url}/suspend", headers=broker, json={
        "starts_on": str(start + timedelta(days=10)), "reason": "hospital admission"})
    assert suspended.json()["status"] == "suspended"
    assert (await suite.http.post(f"{url}/suspend", headers=broker, json={
        "starts_on": str(start + timedelta(days=11))})).status_code == 409
    resumed = await suite.http.post(f"{url}/resume", headers=broker, json={"on": str(start + timedelta(days=14))})
    assert resumed.json()["status"] == "active"
    assert resumed.json()["suspended_from"] is None
    ended = await suite.http.post(f"{url}/end", headers=broker, json={"on": str(start + timedelta(days=20))})
    assert ended.json()["status"] == "ended"
    assert ended.json()["end_on"] == str(start + timedelta(days=20))
    assert (await suite.http.post(f"{url}/end", headers=broker, json={"on": str(start)})).status_code == 409
    assert await _packages_db_count(suite, "event_outbox") >= 5


async def test_package_writes_need_a_broker_or_commissioner_and_reads_are_audited(suite: Suite) -> None:
    broker = await suite.staff("broker")
    package = await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(30), start_on=past_monday(1))
    url = f"/api/v1/packages/{package['id']}"
    before = await _packages_db_count(suite, "audit_log")
    assert (await suite.http.get(url, headers=await suite.staff("finance"))).status_code == 200
    assert await _packages_db_count(suite, "audit_log") == before + 1
    finance = await suite.staff("finance")
    assert (await suite.http.post(f"{url}/suspend", headers=finance,
                                  json={"starts_on": str(past_monday(0))})).status_code == 403
    provider = await suite.provider(package["provider_id"])
    assert (await suite.http.post(f"{url}/suspend", headers=provider,
                                  json={"starts_on": str(past_monday(0))})).status_code == 403
    assert (await suite.http.get(url)).status_code == 401
    assert (await suite.http.get(f"/api/v1/packages/{uuid.uuid4()}", headers=broker)).status_code == 404
    bad = await suite.http.post(f"{url}/changes", headers=broker, json={"effective_from": "soon"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


async def _audited_actions(suite: Suite) -> list[tuple[str, str]]:
    """(action, entity type) of every entry in the packages service's audit log, oldest first."""
    audit = INFRA.audit
    async with _packages_db(suite) as session:
        rows = await session.execute(select(audit.c.action, audit.c.entity_type).order_by(audit.c.id))
        return [(action, entity_type) for action, entity_type in rows]


async def test_a_provider_finds_its_package_by_referral_reads_it_without_the_split_and_reports_visits(
    suite: Suite,
) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    await suite.http.post("/api/v1/financial-assessments", headers=broker, json={
        "client_ref": "C-1", "assessed_weekly_contribution": "40.00", "effective_from": "2026-01-01"})
    ours, theirs, accepted = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    placed = await place(suite, broker, provider_id=ours, visits=weekly(60, days=WEEKDAYS), start_on=START,
                         health_share_percent=50, referral_id=accepted)
    also_ours = await place(suite, broker, provider_id=ours, visits=weekly(30), start_on=START, client_ref="C-2")
    not_ours = await place(suite, broker, provider_id=theirs, visits=weekly(30), start_on=START, client_ref="C-3")
    provider = await suite.provider(str(ours))

    listed = await suite.http.get("/api/v1/packages", params={"limit": 500}, headers=provider)
    assert listed.status_code == 200, listed.text
    assert {p["id"] for p in listed.json()["items"]} == {placed["id"], also_ours["id"]}
    asking_for_theirs = await suite.http.get("/api/v1/packages", params={"provider_id": str(theirs)},
                                             headers=provider)
    assert asking_for_theirs.json()["items"] == []
    found = await suite.http.get("/api/v1/packages", params={"referral_id": str(accepted)}, headers=provider)
    [package] = found.json()["items"]
    assert package["id"] == placed["id"]
    assert not {"client_contribution", "council_share", "health_share", "health_share_percent"} & package.keys()
    assert placed["client_contribution"] == "32.50"  # staff see it: 2.5 hours not health-funded at the 13.00 cap
    assert {key: package[key] for key in ("referral_id", "client_ref", "provider_id", "area", "status", "start_on",
                                          "visits", "terms_from", "weekly_hours", "weekly_cost", "hourly_rate")} == {
        key: placed[key] for key in ("referral_id", "client_ref", "provider_id", "area", "status", "start_on",
                                     "visits", "terms_from", "weekly_hours", "weekly_cost", "hourly_rate")}

    audited = len(await _audited_actions(suite))
    read = await suite.http.get(f"/api/v1/packages/{package['id']}", headers=provider)
    assert read.status_code == 200, read.text
    assert read.json() == package
    assert (await _audited_actions(suite))[audited:] == [("package.read", "package")]

    hidden = await suite.http.get(f"/api/v1/packages/{not_ours['id']}", headers=provider)
    missing = await suite.http.get(f"/api/v1/packages/{uuid.uuid4()}", headers=provider)
    assert (hidden.status_code, hidden.json()) == (404, missing.json())
    url = f"/api/v1/packages/{package['id']}"
    for write, body in (("changes", {"effective_from": str(past_monday(0)), "visits": weekly(60)}),
                        ("suspend", {"starts_on": str(past_monday(0))}), ("resume", {"on": str(past_monday(0))}),
                        ("end", {"on": str(past_monday(0))})):
        assert (await suite.http.post(f"{url}/{write}", headers=provider, json=body)).status_code == 403

    report = await suite.http.post("/api/v1/visits", headers=provider,
                                   json={"visits": [visit(package["id"], 0, "V-1")]})
    assert report.status_code == 200, report.text
    assert (report.json()["recorded"], report.json()["results"][0]["status"]) == (1, "recorded")
    async with _packages_db(suite) as session:
        recorded = list(await session.scalars(select(Visit.provider_visit_id).where(
            Visit.package_id == uuid.UUID(package["id"]))))
    assert recorded == ["V-1"]
    shown_to_staff = await suite.http.get(url, headers=broker)
    assert shown_to_staff.json() == placed


async def test_a_change_to_visits_under_30_minutes_needs_the_nice_justification(suite: Suite) -> None:
    broker = await suite.staff("broker")
    package = await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(45), start_on=past_monday(1))
    change = {"effective_from": str(past_monday(0)), "visits": weekly(15)}
    refused = await suite.http.post(f"/api/v1/packages/{package['id']}/changes", json=change, headers=broker)
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("short-visit")
    assert refused.json()["detail"] == "; ".join(short_visit_breach(
        [ScheduledVisit.model_validate(each) for each in weekly(15)], None).reasons())
    justified = {**change, "short_visit_justification": {
        "worker_known": True, "part_of_wider_package": True, "time_limited_task": True}}
    accepted = await suite.http.post(f"/api/v1/packages/{package['id']}/changes", json=justified, headers=broker)
    assert accepted.status_code == 200
    assert accepted.json()["weekly_hours"] == "1.75"


async def test_a_package_is_costed_and_published_with_the_councils_night_window_from_the_settings(
    backend: Backend,
) -> None:
    async with running_suite(backend, PACKAGES_NIGHT_STARTS="20:00") as suite:
        broker = await suite.staff("broker")
        night_card = {**SEED_CARD, "night_uplift_percent": "20.00"}
        await suite.http.post("/api/v1/rate-cards", json=night_card, headers=await suite.staff("commissioner"))
        evening = await place(suite, broker, provider_id=uuid.uuid4(), start_on=past_monday(1),
                              visits=weekly(60, days=WEEKDAYS, start="21:00"))
        morning = await place(suite, broker, provider_id=uuid.uuid4(), start_on=past_monday(1), client_ref="C-2",
                              visits=weekly(60, days=WEEKDAYS, start="09:00"))
        # Five hours at 15.75: 78.75 by day; from 20:00 they are night hours, 20% dearer: 94.50 (15.75 more).
        assert (evening["weekly_cost"], morning["weekly_cost"]) == ("94.50", "78.75")
        shown = await suite.http.get(f"/api/v1/packages/{evening['id']}", headers=broker)
        assert shown.json()["weekly_cost"] == "94.50"
        moved = await suite.http.post(f"/api/v1/packages/{morning['id']}/changes", headers=broker, json={
            "effective_from": str(past_monday(0)), "visits": weekly(60, days=WEEKDAYS, start="21:00")})
        assert moved.json()["weekly_cost"] == "94.50"
        published = await _published_weekly_costs(suite)
        created, changed = PackageCreated.event_type, PackageChanged.event_type
        assert (published[created, evening["id"]], published[created, morning["id"]],
                published[changed, morning["id"]]) == ("94.50", "78.75", "94.50")


async def test_an_imported_placement_imported_again_corrects_its_package_from_the_start(suite: Suite) -> None:
    commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
    await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
    provider_id, start = uuid.uuid4(), date(2026, 3, 2)
    package = await place(suite, broker, provider_id=provider_id, visits=weekly(60, days=("mon",)), start_on=start)
    placed = referral_placed(provider_id=provider_id, visits=weekly(45, days=("mon", "thu")), start_on=start,
                             referral_id=uuid.UUID(package["referral_id"]), health_share_percent=50)
    earlier = start - timedelta(days=14)
    await publish(suite, PlacementCorrected(referral=placed.referral, provider_id=provider_id, start_on=earlier,
                                            at=datetime.now(UTC)))

    async def corrected() -> dict[str, Any] | None:
        shown = (await suite.http.get(f"/api/v1/packages/{package['id']}", headers=broker)).json()
        return shown if shown["start_on"] == str(earlier) else None

    shown = await eventually(corrected)
    assert ([visit["minutes"] for visit in shown["visits"]], shown["terms_from"], shown["health_share_percent"]) == (
        [45, 45], str(earlier), 50)
    assert (shown["weekly_hours"], shown["weekly_cost"]) == ("1.50", "23.63")
