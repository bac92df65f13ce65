"""The dashboard's read models, fed by brokerage's and packages' events; visit reports as evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from services.quality.dashboard.domain import capacity_against_demand
from shared.contracts.brokerage import (
    Funding,
    OfferDeclined,
    OfferExpired,
    OfferFacts,
    ReferralCreated,
    ReferralFacts,
    ReferralPlaced,
    ReferralUnsourced,
    ScheduledVisit,
)
from shared.contracts.common import ClientGroup, Day, DeclineReason, Tier, Urgency
from shared.contracts.packages import VisitFacts, VisitOutcome, VisitsRecorded
from shared.contracts.providers import CapacityChanged, CapacityState
from tests.harness import Suite, eventually
from tests.quality.support import cqc, known_provider, processed, provider_state, publish, risk_row

NOW = datetime.now(UTC)


def referral(*, area: str = "OAK", urgency: Urgency = Urgency.ROUTINE, hours: str = "7.00") -> ReferralFacts:
    return ReferralFacts(referral_id=uuid.uuid4(), client_ref="C-1", area=area, client_group=ClientGroup.OLDER_PEOPLE,
                         needs=[], urgency=urgency, start_on=date.today(),
                         visits=[ScheduledVisit(day=Day.MON, start=time(8), minutes=60, carers=1)],
                         weekly_hours=Decimal(hours), funding=Funding(health_share_percent=0),
                         created_at=NOW - timedelta(hours=10))


def offer(provider_id: uuid.UUID) -> OfferFacts:
    return OfferFacts(offer_id=uuid.uuid4(), referral_id=uuid.uuid4(), provider_id=provider_id, tier=Tier.PRIMARY,
                      area="OAK", weekly_hours=Decimal("7.00"), urgency=Urgency.ROUTINE, at=NOW)


def visit(*, minutes: int, outcome: VisitOutcome = VisitOutcome.DELIVERED, late_by: int = 0,
          visit_id: uuid.UUID | None = None, version: int = 1) -> VisitFacts:
    missed = outcome is VisitOutcome.MISSED
    return VisitFacts(visit_id=visit_id or uuid.uuid4(), package_id=uuid.uuid4(), date=date.today(),
                      planned_start=time(8), actual_start=None if missed else time(8), planned_minutes=minutes,
                      actual_minutes=None if missed else minutes, carers=1, missed=missed, late_by_minutes=late_by,
                      outcome=outcome, version=version)


async def summary(suite: Suite, headers: dict[str, str]) -> dict[str, Any]:
    answer = await suite.http.get("/api/v1/dashboard/summary", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_referral_events_feed_weekly_counts_time_to_source_and_unmet_need(suite: Suite) -> None:
    broker = await suite.staff("broker")
    placed, waiting, discharge = referral(), referral(area="UPP", hours="10.50"), referral(
        urgency=Urgency.HOSPITAL_DISCHARGE, hours="14.00")
    for facts in (placed, waiting, discharge):
        await publish(suite, ReferralCreated(referral=facts), source="brokerage")
    await publish(suite, ReferralPlaced(referral=placed, provider_id=uuid.uuid4(), tier=Tier.PRIMARY, awarded=False,
                                        start_on=date.today(), placed_at=placed.created_at + timedelta(hours=4)),
                  source="brokerage")
    await publish(suite, ReferralUnsourced(referral=waiting, at=NOW), source="brokerage")

    async def settled() -> dict[str, Any] | None:
        body = await summary(suite, broker)
        made = sum(week["referrals"] for week in body["referrals_per_week"])
        waiting = body["hospital_discharges_waiting"]["people"]
        done = (made, waiting, body["unmet_need"]["people"], body["time_to_source"]["placed"]) == (3, 1, 1, 1)
        return body if done else None

    body = await eventually(settled)
    assert body["time_to_source"] == {"placed": 1, "median_hours": "4.00", "p90_hours": "4.00"}
    assert body["unmet_need"] == {"people": 1, "weekly_hours": "10.50",
                                  "by_area": [{"area": "UPP", "people": 1, "weekly_hours": "10.50"}]}
    assert body["hospital_discharges_waiting"] == {"people": 1, "weekly_hours": "14.00"}
    weeks = {week["week_start"]: week for week in body["referrals_per_week"]}
    created_week = (placed.created_at.date() - timedelta(days=placed.created_at.weekday())).isoformat()
    assert (weeks[created_week]["referrals"], weeks[created_week]["placed"]) == (3, 1)
    assert len(body["referrals_per_week"]) == 12


async def test_an_imported_placement_is_left_out_of_time_to_source_and_of_the_weeks_demand(suite: Suite) -> None:
    """It was made before it was recorded in the suite (brokerage's placements import), never sourced here."""
    broker = await suite.staff("broker")
    sourced, brought_in = referral(), referral()
    await publish(suite, ReferralCreated(referral=sourced), source="brokerage")
    events = [
        ReferralPlaced(referral=sourced, provider_id=uuid.uuid4(), tier=Tier.PRIMARY, awarded=False,
                       start_on=date.today(), placed_at=sourced.created_at + timedelta(hours=4)),
        ReferralPlaced(referral=brought_in, provider_id=uuid.uuid4(), tier=Tier.PRIMARY, awarded=False,
                       start_on=date.today() - timedelta(days=400), placed_at=NOW, imported=True)]
    envelopes = [await publish(suite, event, source="brokerage") for event in events]

    async def both_handled() -> bool:
        return all([await processed(suite, str(envelope.id)) for envelope in envelopes])

    await eventually(both_handled)
    body = await summary(suite, broker)
    assert body["time_to_source"] == {"placed": 1, "median_hours": "4.00", "p90_hours": "4.00"}
    this_week = (sourced.created_at.date() - timedelta(days=sourced.created_at.weekday())).isoformat()
    week = next(week for week in body["referrals_per_week"] if week["week_start"] == this_week)
    assert (week["referrals"], week["placed"]) == (1, 1)


async def test_visit_reports_count_short_visits_and_missed_ones_as_evidence(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    visits = [visit(minutes=15), visit(minutes=45), visit(minutes=60, late_by=20),
              visit(minutes=30, outcome=VisitOutcome.MISSED)]
    await publish(suite, VisitsRecorded(provider_id=provider_id, visits=visits), source="packages")

    async def scored() -> dict[str, Any] | None:
        row = await risk_row(suite, officer, provider_id)
        return row if row is not None and row["evidence"] else None

    row = await eventually(scored)
    assert sorted(line["kind"] for line in row["evidence"]) == ["late_visit", "missed_visit"]
    assert row["score"] == "3.50"
    body = await summary(suite, officer)
    assert body["short_visits"] == {"delivered": 3, "under_30": 1, "share_percent": "33.33"}


async def report_visits(suite: Suite, provider_id: uuid.UUID, *visits: VisitFacts) -> None:
    """Publishes the visits as packages would and waits until quality has handled them."""
    envelope = await publish(suite, VisitsRecorded(provider_id=provider_id, visits=list(visits)), source="packages")
    await eventually(lambda: processed(suite, str(envelope.id)))


async def test_a_missed_visit_corrected_to_delivered_is_no_longer_evidence_and_is_counted_once(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    first = visit(minutes=45, outcome=VisitOutcome.MISSED)
    await report_visits(suite, provider_id, first)
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert ([line["kind"] for line in row["evidence"]], row["score"]) == (["missed_visit"], "3.00")

    await report_visits(suite, provider_id, visit(minutes=45, visit_id=first.visit_id, version=2))
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["evidence"], row["score"]) == ([], "0.00")
    body = await summary(suite, officer)
    assert body["short_visits"] == {"delivered": 1, "under_30": 0, "share_percent": "0.00"}


async def test_a_visit_report_overtaken_by_its_correction_changes_nothing(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    correction = visit(minutes=20, late_by=20, version=2)
    await report_visits(suite, provider_id, correction)
    await report_visits(suite, provider_id, visit(minutes=20, outcome=VisitOutcome.MISSED,
                                                  visit_id=correction.visit_id))
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert ([line["kind"] for line in row["evidence"]], row["score"]) == (["late_visit"], "0.50")
    body = await summary(suite, officer)
    assert body["short_visits"] == {"delivered": 1, "under_30": 1, "share_percent": "100.00"}


async def test_frustrated_and_client_cancelled_visits_are_neither_delivered_nor_missed(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer)
    await report_visits(suite, provider_id, visit(minutes=15, outcome=VisitOutcome.FRUSTRATED, late_by=40),
                        visit(minutes=15, outcome=VisitOutcome.CANCELLED_BY_CLIENT), visit(minutes=60))
    row = await risk_row(suite, officer, provider_id)
    assert row is not None
    assert (row["evidence"], row["score"]) == ([], "0.00")
    body = await summary(suite, officer)
    assert body["short_visits"] == {"delivered": 1, "under_30": 0, "share_percent": "0.00"}


async def test_declines_feed_the_reasons_and_expiries_count_a_little(suite: Suite) -> None:
    officer = await suite.staff("quality_officer")
    provider_id = await known_provider(suite, officer, rating=cqc("good", 3))
    await publish(suite, OfferDeclined(offer=offer(provider_id), reason=DeclineReason.NO_CAPACITY), source="brokerage")
    await publish(suite, OfferDeclined(offer=offer(provider_id), reason=DeclineReason.TRAVEL), source="brokerage")
    await publish(suite, OfferExpired(offer=offer(provider_id)), source="brokerage")

    async def all_in() -> dict[str, Any] | None:
        row = await risk_row(suite, officer, provider_id)
        return row if row is not None and len(row["evidence"]) == 3 else None

    row = await eventually(all_in)
    assert row["score"] == "0.45"
    body = await summary(suite, officer)
    assert body["decline_reasons"] == [{"key": "no_capacity", "count": 1}, {"key": "travel", "count": 1}]
    assert body["providers_by_rating"] == [{"key": "good", "count": 1}]
    assert body["providers_by_rag"] == [{"rag": "green", "count": 1}]


async def test_the_dashboard_needs_staff(suite: Suite) -> None:
    assert (await suite.http.get("/api/v1/dashboard/summary")).status_code == 401
    client = await suite.provider(str(uuid.uuid4()))
    assert (await suite.http.get("/api/v1/dashboard/summary", headers=client)).status_code == 403
    bad = await suite.http.get("/api/v1/dashboard/summary", params={"weeks": 0}, headers=await suite.staff("broker"))
    assert bad.status_code == 422


async def test_time_to_source_by_urgency_and_one_areas_figures(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    area = f"A{uuid.uuid4().hex[:6].upper()}"
    quick, slow, elsewhere = (referral(area=area, urgency=Urgency.HOSPITAL_DISCHARGE), referral(area=area),
                              referral(area=f"{area}X", urgency=Urgency.HOSPITAL_DISCHARGE))
    for facts, hours in ((quick, 2), (slow, 9), (elsewhere, 5)):
        await publish(suite, ReferralCreated(referral=facts), source="brokerage")
        await publish(suite, ReferralPlaced(referral=facts, provider_id=uuid.uuid4(), tier=Tier.PRIMARY, awarded=False,
                                            start_on=date.today(), placed_at=facts.created_at + timedelta(hours=hours)),
                      source="brokerage")

    async def settled() -> dict[str, Any] | None:
        answer = await suite.http.get("/api/v1/dashboard/summary", params={"area": area}, headers=commissioner)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body if body["time_to_source"]["placed"] == 2 else None

    body = await eventually(settled)
    by_urgency = {each.pop("urgency"): each for each in body["time_to_source_by_urgency"]}
    assert list(by_urgency) == ["hospital_discharge", "crisis", "routine"]
    assert by_urgency["hospital_discharge"] == {"placed": 1, "median_hours": "2.00", "p90_hours": "2.00"}
    assert by_urgency["crisis"] == {"placed": 0, "median_hours": None, "p90_hours": None}
    assert by_urgency["routine"]["median_hours"] == "9.00"
    assert sum(week["referrals"] for week in body["referrals_per_week"]) == 2


def test_capacity_against_demand_names_every_area_either_side_knows() -> None:
    balances = capacity_against_demand([{"OAK": "20.00", "UPP": "5.50"}, {"OAK": "4.00"}, {}],
                                       {"UPP": Decimal("12.00"), "RUT": Decimal("3.00")})
    assert [(each.area, each.capacity_hours, each.waiting_hours) for each in balances] == [
        ("OAK", Decimal("24.00"), Decimal(0)), ("RUT", Decimal(0), Decimal("3.00")),
        ("UPP", Decimal("5.50"), Decimal("12.00"))]


async def test_capacity_declared_by_providers_stands_against_the_care_waiting_in_each_area(suite: Suite) -> None:
    commissioner = await suite.staff("commissioner")
    area = f"C{uuid.uuid4().hex[:6].upper()}"
    provider_id = await known_provider(suite, commissioner)
    state = provider_state(provider_id, version=2).model_copy(update={
        "capacity": [CapacityState(area=area, weekly_hours=Decimal("30.00"))]})
    await publish(suite, CapacityChanged(provider=state), source="providers")
    await publish(suite, ReferralCreated(referral=referral(area=area, hours="10.50")), source="brokerage")

    async def settled() -> list[dict[str, Any]] | None:
        answer = await suite.http.get("/api/v1/dashboard/summary", params={"area": area}, headers=commissioner)
        rows: list[dict[str, Any]] = answer.json()["capacity_by_area"]
        return rows if rows and rows[0]["waiting_hours"] != "0.00" and rows[0]["capacity_hours"] != "0.00" else None

    assert await eventually(settled) == [{"area": area, "capacity_hours": "30.00", "waiting_hours": "10.50"}]
