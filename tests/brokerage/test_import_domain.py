"""The placements import's pure rules: reading a CSV row, what a repeated placement changes, refusals,
cap warnings, the start-date window, and reading whole documents."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.brokerage.imports.domain import (
    RowRejected,
    cap_warning,
    changed_fields,
    move_refusal,
    new_placement_refusal,
    parse_flag,
    parse_needs,
    parse_visits,
    placement_from_csv,
)
from services.brokerage.imports.exceptions import TooManyPlacements
from services.brokerage.imports.reading import csv_placements, document_placements
from services.brokerage.imports.schemas import PlacementIn
from services.brokerage.referrals.domain import imported_start_problems
from services.brokerage.referrals.service import referral_fields
from shared.contracts.common import ProviderStatus
from shared.contracts.providers import ProviderState
from shared.imports import ImportFormat, UnreadableImport

HEADER = ("external_ref,client_ref,area,client_group,needs,urgency,start_on,provider_id,tier,health_share_percent,"
          "visits,worker_known,part_of_wider_package,time_limited_task")
PROVIDER_ID = "5f0c6a9e-1d1b-4a8e-9a43-0d2f1f8f2c11"


def cells(**changes: str) -> dict[str, str]:
    row = {"external_ref": "PKG-1", "client_ref": "C-1", "area": "OAK", "client_group": "older_people",
           "needs": "dementia; medication", "urgency": "routine", "start_on": "2025-03-03",
           "provider_id": PROVIDER_ID, "tier": "", "health_share_percent": "50",
           "visits": "mon 08:00 45; mon 18:00 30 2", "worker_known": "", "part_of_wider_package": "",
           "time_limited_task": ""}
    return {**row, **changes}


def provider(status: ProviderStatus = ProviderStatus.ACTIVE) -> ProviderState:
    return ProviderState(id=uuid.UUID(PROVIDER_ID), name="Acme Care", status=status, skills=[], client_groups=[],
                         contracts=[], embargoes=[], rating=None, capacity=[],
                         registered_at=datetime(2026, 1, 1, tzinfo=UTC), version=1)


def test_visits_are_day_time_minutes_and_carers_defaulting_to_one() -> None:
    assert parse_visits("mon 08:00 45; Tue 18:00 30 2;") == [
        {"day": "mon", "start": "08:00", "minutes": "45", "carers": "1"},
        {"day": "tue", "start": "18:00", "minutes": "30", "carers": "2"}]
    assert parse_visits("  ") == []


@pytest.mark.parametrize("text", ["mon 08:00", "mon 08:00 45 2 extra", "daily"])
def test_a_visit_not_in_the_documented_form_is_refused_naming_it(text: str) -> None:
    with pytest.raises(RowRejected, match=r"^visits: .* is not 'day HH:MM minutes \[carers\]'"):
        parse_visits(text)


def test_needs_are_separated_by_semicolons_and_empty_means_none() -> None:
    assert parse_needs("Dementia; medication ;") == ["dementia", "medication"]
    assert parse_needs("") == []


def test_flags_are_true_false_or_empty_in_any_case() -> None:
    assert [parse_flag(text, column="worker_known") for text in ("TRUE", " false ", "")] == [True, False, None]
    with pytest.raises(RowRejected, match="worker_known: 'yes' is not true, false or empty"):
        parse_flag("yes", column="worker_known")


def test_a_csv_row_reads_as_the_json_placement_the_schema_checks() -> None:
    placement = PlacementIn.model_validate(placement_from_csv(cells()))
    assert placement.needs == ["dementia", "medication"]
    assert [(visit.day, visit.start.isoformat(), visit.minutes, visit.carers) for visit in placement.visits] == [
        ("mon", "08:00:00", 45, 1), ("mon", "18:00:00", 30, 2)]
    assert (placement.funding.health_share_percent, placement.tier, placement.short_visit_justification) == (
        50, None, None)
    assert placement.start_on == date(2025, 3, 3)


def test_any_justification_given_makes_the_empty_ones_conditions_not_met() -> None:
    read = placement_from_csv(cells(worker_known="true", time_limited_task="TRUE"))
    assert read["short_visit_justification"] == {
        "worker_known": True, "part_of_wider_package": False, "time_limited_task": True}


def test_a_missing_optional_column_reads_as_empty() -> None:
    row = cells()
    for optional in ("needs", "tier", "worker_known", "part_of_wider_package", "time_limited_task"):
        del row[optional]
    read = placement_from_csv(row)
    assert (read["needs"], read["tier"], read["short_visit_justification"]) == ([], None, None)


def test_the_same_placement_again_changes_nothing_and_other_details_are_named() -> None:
    stored = referral_fields(PlacementIn.model_validate(placement_from_csv(cells())))
    assert changed_fields(stored, referral_fields(PlacementIn.model_validate(placement_from_csv(cells())))) == []
    changed = referral_fields(PlacementIn.model_validate(placement_from_csv(
        cells(visits="mon 08:00 60; mon 18:00 30 2", health_share_percent="0", needs="medication; dementia"))))
    assert changed_fields(stored, changed) == ["visits", "health_share_percent", "weekly_hours"]


def test_a_placement_imported_before_keeps_its_provider_and_area() -> None:
    other, same = uuid.uuid4(), uuid.UUID(PROVIDER_ID)
    moved = move_refusal(external_ref="PKG-1", placed_with=same, area="OAK", provider_id=other, new_area="OAK")
    assert moved is not None
    assert (moved.field, moved.message) == (
        "provider_id", "PKG-1 was imported with another provider; to move a placement, end its package and import "
                       "a new placement")
    elsewhere = move_refusal(external_ref="PKG-1", placed_with=same, area="OAK", provider_id=same, new_area="UPP")
    assert elsewhere is not None
    assert elsewhere.field == "area"
    assert move_refusal(external_ref="PKG-1", placed_with=same, area="OAK", provider_id=same, new_area="OAK") is None


def test_a_new_placement_needs_a_known_area_and_a_provider_still_taking_work() -> None:
    def refusal(**given: Any) -> str | None:
        found = new_placement_refusal(**{"area": "OAK", "area_known": True, "provider": provider(), **given})
        return None if found is None else f"{found.field}: {found.message}"

    assert refusal() is None
    assert refusal(area="ZZZ", area_known=False) == "area: the area ZZZ is not a known contract area"
    assert refusal(provider=None) == "provider_id: no such provider in the registry"
    assert refusal(provider=provider(ProviderStatus.DEREGISTERED)) == (
        "provider_id: Acme Care is deregistered and takes no work")


def test_the_cap_warning_names_the_provider_hours_area_and_cap_only_once_passed() -> None:
    assert cap_warning(provider_name="Acme Care", area="OAK", placed=Decimal("130"), cap=Decimal("120")) == (
        "Acme Care: 130.00 h placed in OAK passes its cap of 120.00")
    assert cap_warning(provider_name="Acme Care", area="OAK", placed=Decimal("120"), cap=Decimal("120")) is None
    assert cap_warning(provider_name="Acme Care", area="OAK", placed=Decimal("500"), cap=None) is None


def test_an_imported_start_may_be_years_past_but_not_before_the_window_nor_far_ahead() -> None:
    window = {"earliest": date(2016, 11, 29), "latest": date(2027, 2, 27)}
    assert imported_start_problems(date(2016, 11, 29), **window) == []
    assert imported_start_problems(date(2027, 2, 27), **window) == []
    [early] = imported_start_problems(date(2016, 11, 28), **window)
    [late] = imported_start_problems(date(2027, 2, 28), **window)
    assert (early.field, late.field) == ("start_on", "start_on")
    assert "earliest" in early.message
    assert "a referral to source" in late.message


def test_csv_rows_are_numbered_from_the_first_after_the_header_and_blank_lines_do_not_count() -> None:
    text = f"{HEADER},extra\n\nPKG-1,C-1,OAK,older_people,,routine,2025-03-03,{PROVIDER_ID},,0,mon 08:00 45,,,,x\n" \
           f'PKG-2,C-2,OAK,older_people,,routine,2025-03-03,{PROVIDER_ID},,0,"mon 08:00",,,\n'
    first, second = csv_placements(io.StringIO(text, newline=""))
    assert (first.row, first.problem, first.data["external_ref"]) == (1, None, "PKG-1")
    assert (second.row, second.external_ref, second.problem) == (
        2, "PKG-2", "visits: 'mon 08:00' is not 'day HH:MM minutes [carers]'")


def test_a_csv_without_a_required_column_or_any_header_cannot_be_read() -> None:
    with pytest.raises(UnreadableImport, match="the CSV lacks the columns: provider_id, visits"):
        list(csv_placements(io.StringIO("external_ref,client_ref,area,client_group,urgency,start_on,"
                                        "health_share_percent\n")))
    with pytest.raises(UnreadableImport, match="empty"):
        list(csv_placements(io.StringIO("\n\n")))


@pytest.mark.parametrize(("body", "message"), [
    (b"{broken", "the JSON cannot be read"),
    (b'{"rows": []}', 'expected a JSON object {"placements": [...]}'),
    (b"[]", 'expected a JSON object {"placements": [...]}'),
    (b'\xff{"placements": []}', "not UTF-8"),
])
def test_a_json_document_that_is_not_placements_cannot_be_read(body: bytes, message: str) -> None:
    with pytest.raises(UnreadableImport, match=re.escape(message)):
        document_placements(body, form=ImportFormat.JSON, max_rows=10)


def test_a_document_over_the_row_limit_is_refused_whole_pointing_to_the_command_line() -> None:
    body = b'{"placements": [{}, {}, {}]}'
    assert [each.row for each in document_placements(body, form=ImportFormat.JSON, max_rows=3)] == [1, 2, 3]
    with pytest.raises(TooManyPlacements, match=re.escape("services.brokerage.cli import-placements")):
        document_placements(body, form=ImportFormat.JSON, max_rows=2)
