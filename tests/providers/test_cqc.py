"""Reading CQC data: location documents as the public API gives them, care directory rows, and CSV
bodies streamed in arbitrary chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.providers.imports import cqc
from services.providers.imports.reading import (
    UnreadableBody,
    csv_records,
    directory_rows,
    location_documents,
    split_complete_records,
)
from shared.contracts.common import ClientGroup, CqcRating, ProviderStatus, Skill

DOCUMENT: dict[str, Any] = {
    "locationId": "1-000000001", "providerId": "1-101641521", "organisationType": "Location",
    "type": "Social Care Org", "name": "Oakham Home Care", "registrationStatus": "Registered",
    "registrationDate": "2013-04-01", "postalCode": "LE15 6AA", "localAuthority": "Rutland",
    "onspdLatitude": 52.67, "uprn": "100030577123",
    "gacServiceTypes": [{"name": "Homecare agencies", "description": "Domiciliary care service"}],
    "specialisms": [{"name": "Dementia"}, {"name": "Caring for adults over 65 yrs"},
                    {"name": "Personal care"}, {"name": "Learning disabilities"}],
    "currentRatings": {"overall": {
        "rating": "Requires improvement", "reportDate": "2025-11-20", "reportLinkId": "abc",
        "keyQuestionRatings": [{"name": "Safe", "rating": "Inadequate", "reportDate": "2025-11-20"},
                               {"name": "Well-led", "rating": "Good"},
                               {"name": "Caring", "rating": "No published rating"}]}},
    "inspectionAreas": [{"inspectionAreaId": "x"}],
}


def test_a_real_location_document_is_read_and_its_extra_fields_ignored() -> None:
    location = cqc.parse_location_document(DOCUMENT)
    assert location.location_id == "1-000000001"
    assert location.cqc_provider_id == "1-101641521"
    assert (location.name, location.postcode, location.local_authority) == (
        "Oakham Home Care", "LE15 6AA", "Rutland")
    assert location.status is ProviderStatus.ACTIVE
    assert location.skills == {Skill.DEMENTIA}
    assert location.client_groups == {ClientGroup.OLDER_PEOPLE, ClientGroup.LEARNING_DISABILITY}
    assert location.rating == cqc.ImportedRating(
        overall=CqcRating.REQUIRES_IMPROVEMENT, published_on=date(2025, 11, 20),
        key_questions={"safe": CqcRating.INADEQUATE, "well_led": CqcRating.GOOD})


def test_no_published_rating_means_no_rating_and_deregistered_is_kept_as_deregistered() -> None:
    document = {**DOCUMENT, "registrationStatus": "Deregistered",
                "currentRatings": {"overall": {"rating": "No published rating"}}}
    location = cqc.parse_location_document(document)
    assert location.rating is None
    assert location.status is ProviderStatus.DEREGISTERED


@pytest.mark.parametrize(("change", "reason"), [
    ({"locationId": None}, "location id is missing"),
    ({"locationId": "not an id!"}, "not a CQC location id"),
    ({"name": ""}, "name is missing"),
    ({"registrationStatus": "Suspended?"}, "unknown registration status"),
    ({"currentRatings": {"overall": {"rating": "Superb", "reportDate": "2025-01-01"}}}, "unknown rating"),
    ({"currentRatings": {"overall": {"rating": "Good"}}}, "no report date"),
    ({"currentRatings": {"overall": {"rating": "Good", "reportDate": "soon"}}}, "unreadable date"),
])
def test_a_document_that_cannot_be_imported_says_why(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(cqc.RowRejected, match=reason):
        cqc.parse_location_document({**DOCUMENT, **change})


def test_something_other_than_a_document_is_rejected() -> None:
    with pytest.raises(cqc.RowRejected, match="not a location document"):
        cqc.parse_location_document(["1-000000001"])


@pytest.mark.parametrize(("specialism", "skills", "groups"), [
    ("Dementia", {Skill.DEMENTIA}, set()),
    ("Sensory impairments", {Skill.SENSORY_IMPAIRMENT}, set()),
    ("Substance misuse problems", {Skill.SUBSTANCE_MISUSE}, set()),
    ("Eating disorders", {Skill.EATING_DISORDERS}, set()),
    ("Mental health conditions", set(), {ClientGroup.MENTAL_HEALTH}),
    ("Physical disabilities", set(), {ClientGroup.PHYSICAL_DISABILITY}),
    ("Learning disabilities", set(), {ClientGroup.LEARNING_DISABILITY}),
    ("caring for adults over 65 yrs ", set(), {ClientGroup.OLDER_PEOPLE}),
    ("Treatment of disease, disorder or injury", set(), set()),
])
def test_cqc_specialisms_map_to_skills_and_client_groups(specialism: str, skills: set[Skill],
                                                         groups: set[ClientGroup]) -> None:
    assert cqc.map_specialisms([specialism]) == (frozenset(skills), frozenset(groups))


def test_a_care_directory_row_is_read_with_its_specialisms() -> None:
    row = {"Name": "Vale Community Care", "Postcode": "LE15 9AB", "Service types": "Homecare agencies",
           "Specialisms/services": "Dementia|Caring for adults over 65 yrs|Physical disabilities",
           "Provider name": "Vale Care Ltd", "Local authority": "Rutland",
           cqc.LOCATION_ID: "1-000000002", cqc.PROVIDER_ID: "1-100000002", "Phone number": "01572 000000"}
    location = cqc.parse_directory_row(row)
    assert (location.location_id, location.cqc_provider_id, location.status) == (
        "1-000000002", "1-100000002", ProviderStatus.ACTIVE)
    assert location.skills == {Skill.DEMENTIA}
    assert location.client_groups == {ClientGroup.OLDER_PEOPLE, ClientGroup.PHYSICAL_DISABILITY}
    assert location.rating is None


def test_a_directory_rating_with_a_uk_date_is_read() -> None:
    row = {"Name": "X", cqc.LOCATION_ID: "1-3", "Latest overall rating": "Outstanding",
           "Publication date": "01/03/2026"}
    rating = cqc.parse_directory_row(row).rating
    assert rating is not None
    assert (rating.overall, rating.published_on) == (CqcRating.OUTSTANDING, date(2026, 3, 1))


records = st.lists(st.lists(st.text(alphabet='ab ,"\n1é', min_size=1, max_size=6), min_size=2, max_size=4),
                   min_size=1, max_size=6)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


@given(records, st.integers(1, 7))
async def test_csv_records_are_the_same_whatever_the_chunk_size(rows: list[list[str]], size: int) -> None:
    data = _csv(rows).encode()
    streamed = [record async for record in csv_records(_chunks(data, size))]
    expected = [record for record in csv.reader(io.StringIO(_csv(rows))) if any(c.strip() for c in record)]
    assert streamed == expected


def test_a_line_break_inside_quotes_does_not_end_a_record() -> None:
    assert split_complete_records('a,"b\nc",d\ne,"f') == ('a,"b\nc",d\n', 'e,"f')
    assert split_complete_records('a,"b\n') == ("", 'a,"b\n')


async def test_directory_rows_skip_title_lines_and_a_byte_order_mark() -> None:
    body = ("\ufeffCare directory with filters\n\n"
            f"Name,Postcode,{cqc.LOCATION_ID}\nOak Care,LE15 6AA,1-1\n").encode()
    rows = [row async for row in directory_rows(_chunks(body, 5))]
    assert rows == [{"Name": "Oak Care", "Postcode": "LE15 6AA", cqc.LOCATION_ID: "1-1"}]


async def test_a_csv_without_the_location_id_header_is_unreadable() -> None:
    with pytest.raises(UnreadableBody, match="header"):
        _ = [row async for row in directory_rows(_chunks(b"Name,Postcode\nA,B\n", 100))]


def test_json_bodies_hold_one_document_or_an_array() -> None:
    assert list(location_documents(b'{"locationId": "1-1"}')) == [{"locationId": "1-1"}]
    assert len(list(location_documents(b'[{"locationId": "1-1"}, {"locationId": "1-2"}]'))) == 2
    with pytest.raises(UnreadableBody):
        list(location_documents(b'"text"'))
    with pytest.raises(UnreadableBody):
        list(location_documents(b"{broken"))


def test_a_re_registered_location_inherits_from_its_predecessor_unless_rated_in_its_own_right() -> None:
    relationships = [{"relatedLocationId": "1-111111111", "relatedLocationName": "Example",
                      "type": "HSCA Predecessor", "reason": "Change of ownership"}]
    inherited = {"overall": {"rating": "Good", "reportDate": "2022-01-01", "organisationId": "1-111111111"}}
    unrated = {"overall": {"rating": "No published rating"}}

    def predecessor(**changes: Any) -> str | None:
        return cqc.parse_location_document({**DOCUMENT, "relationships": relationships, **changes}).predecessor_id

    assert predecessor(currentRatings=inherited) == "1-111111111"
    assert predecessor(currentRatings=unrated) == "1-111111111"
    assert predecessor() is None  # rated in its own right
    assert cqc.predecessor_to_inherit_from({**DOCUMENT, "relationships": relationships,
                                            "currentRatings": unrated}) == "1-111111111"
    marked = cqc.inherit_ratings({**DOCUMENT, "currentRatings": unrated},
                                 {"locationId": "1-111111111", "currentRatings": inherited})
    assert marked["currentRatings"]["overall"]["organisationId"] == "1-111111111"
