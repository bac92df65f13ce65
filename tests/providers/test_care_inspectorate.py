"""The Care Inspectorate's datastore CSV (Scotland): care at home services imported with their grades
by key question, other services skipped, a bad row reported; the same row report and events as the
CQC import, through the same endpoint."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from services.providers.imports.careinspectorate import parse_datastore_row
from services.providers.imports.cqc import ImportedGrades, RowRejected, RowSkipped
from services.providers.imports.reading import UnreadableBody, directory_rows
from shared.contracts.common import ProviderStatus, Regulator
from shared.db import Database
from tests.harness import Suite
from tests.providers.conftest import Registry, outbox
from tests.providers.test_cqc import _chunks
from tests.providers.test_import import _import

# The datastore's published header (MDSF), abridged: the columns read and a few of those ignored.
HEADER = ["CSNumber", "CareService", "Subtype", "ServiceType", "ServiceName", "Address_line_1", "Service_town",
          "Service_Postcode", "SP_number", "ServiceProvider", "ServiceStatus", "Date_Reg", "Council_Area_Name",
          "Client_group", "KQ_Support_Wellbeing", "KQ_Care_and_Support_Planning", "KQ_Setting", "KQ_Staff_Team",
          "KQ_Leadership", "KQ_Care_Play_and_Learning", "MinGrade", "MaxGrade", "GradeSpread",
          "Publication_of_Latest_Grading"]


def service(cs_number: str, name: str, *, subtype: str = "Care at Home", care_service: str = "Support Service",
            grades: tuple[str, ...] = ("4", "", "", "5", "3", ""), published: str = "14/03/2026",
            status: str = "Active") -> dict[str, str]:
    kq = dict(zip(HEADER[14:20], grades, strict=True))
    return {"CSNumber": cs_number, "CareService": care_service, "Subtype": subtype, "ServiceType": "Private",
            "ServiceName": name, "Address_line_1": "1 Main Street", "Service_town": "HAMILTON",
            "Service_Postcode": "ML3 0AA", "SP_number": "SP2003000001", "ServiceProvider": "Clyde Care Ltd",
            "ServiceStatus": status, "Date_Reg": "01/04/2011", "Council_Area_Name": "South Lanarkshire",
            "Client_group": "Older People", **kq, "MinGrade": "3", "MaxGrade": "5", "GradeSpread": "2",
            "Publication_of_Latest_Grading": published}


def datastore_csv(*rows: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_a_care_at_home_row_is_read_with_its_grades_by_key_question() -> None:
    location = parse_datastore_row(service("CS2011012345", "Clyde Care at Home"))
    assert (location.regulator, location.location_id, location.status) == (
        Regulator.CARE_INSPECTORATE, "CS2011012345", ProviderStatus.ACTIVE)
    assert (location.postcode, location.local_authority, location.cqc_provider_id) == (
        "ML3 0AA", "South Lanarkshire", None)
    assert location.rating == ImportedGrades(grades={"support_wellbeing": 4, "staff_team": 5, "leadership": 3},
                                             published_on=date(2026, 3, 14))
    assert parse_datastore_row(service("CS2011012345", "Ungraded", grades=("",) * 6)).rating is None
    cancelled = parse_datastore_row(service("CS2011012345", "Gone", status="Cancelled"))
    assert cancelled.status is ProviderStatus.DEREGISTERED


@pytest.mark.parametrize(("row", "reason"), [
    (service("CS2011012345", "Bad grade", grades=("7", "", "", "", "", "")),
     "KQ_Support_Wellbeing is not a grade 1 to 6: '7'"),
    (service("CS2011012345", "Odd grade", grades=("good", "", "", "", "", "")),
     "KQ_Support_Wellbeing is not a grade: 'good'"),
    (service("CS2011012345", "No date", published=""), "the grades have no publication date"),
    (service("", "No number"), "CS number is missing"),
    (service("1-000000001", "A CQC id"), "CS number '1-000000001' is not a Care Inspectorate service number"),
    (service("CS2011012345", "Odd status", status="Suspended"), "unknown service status 'Suspended'"),
])
def test_a_bad_row_is_rejected_with_its_reason(row: dict[str, str], reason: str) -> None:
    with pytest.raises(RowRejected) as raised:
        parse_datastore_row(row)
    assert not isinstance(raised.value, RowSkipped)
    assert str(raised.value) == reason


def test_services_other_than_care_at_home_are_skipped() -> None:
    with pytest.raises(RowSkipped, match=r"not care at home \(Care Home Service / Older People\)"):
        parse_datastore_row(service("CS2011012346", "Clyde View", care_service="Care Home Service",
                                    subtype="Older People"))
    with_additional = {**service("CS2011012347", "Housing and care", subtype="Housing Support"),
                       "AdditionalSubtypes": "Care at Home"}
    assert parse_datastore_row(with_additional).location_id == "CS2011012347"


async def test_the_datastore_csv_is_imported_with_a_row_report_and_events(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    body = datastore_csv(
        service("CS2011012345", "Clyde Care at Home"),
        service("CS2011012346", "Clyde View Care Home", care_service="Care Home Service", subtype="Older People"),
        service("CS2011012348", "Weak Care", grades=("2", "", "", "4", "4", "")),
        service("CS2011012349", "Broken Grades", grades=("9", "", "", "", "", "")),
        service("CS2011012350", "Not Yet Graded", grades=("",) * 6))
    report = await _import(suite, registry, body, "text/csv")
    assert (report["created"], report["updated"]) == (3, 0)
    assert report["rejected"] == [{"row": 4, "location_id": "CS2011012349",
                                   "reason": "KQ_Support_Wellbeing is not a grade 1 to 6: '9'"}]
    assert report["skipped"] == [{"row": 2, "location_id": "CS2011012346",
                                  "reason": "not care at home (Care Home Service / Older People)"}]

    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    by_number = {item["care_inspectorate_id"]: item for item in listed}
    assert set(by_number) == {"CS2011012345", "CS2011012348", "CS2011012350"}
    assert all(item["cqc_location_id"] is None for item in listed)
    good, weak = by_number["CS2011012345"]["rating"], by_number["CS2011012348"]["rating"]
    assert (good["regulator"], good["overall"], good["inadequate"], good["published_on"]) == (
        "care_inspectorate", "adequate", False, "2026-03-14")
    assert (weak["overall"], weak["inadequate"]) == ("weak", True)
    assert by_number["CS2011012350"]["rating"] is None
    types = [event["_type"] for event in await outbox(registry_db)]
    assert types == ["providers.provider.registered.v1", "providers.provider.rated.v1",
                     "providers.provider.registered.v1", "providers.provider.rated.v1",
                     "providers.provider.registered.v1"]

    again = await _import(suite, registry, body, "text/csv")
    assert (again["created"], again["updated"]) == (0, 3)
    assert len(await outbox(registry_db)) == 5


async def test_a_windows_1252_datastore_is_read_and_broken_utf8_is_not() -> None:
    body = datastore_csv(service("CS2011012345", "Clyde Care \u2013 F\u00e0ilte"),
                         service("CS2011012346", "Brae Care")).decode().encode("cp1252")
    rows = [row async for row in directory_rows(_chunks(body, 7))]
    assert [row["ServiceName"] for row in rows] == ["Clyde Care \u2013 F\u00e0ilte", "Brae Care"]
    broken = "CSNumber,ServiceName\nCS2011012345,F\u00e0ilte\n".encode() + b"CS2011012346,Br\xe6\n"
    with pytest.raises(UnreadableBody, match="cannot be read"):
        _ = [row async for row in directory_rows(_chunks(broken, 7))]
