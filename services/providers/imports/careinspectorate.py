"""Reading the Care Inspectorate's datastore CSV (Scotland's register of care services, the "MDSF"
file of its published datastore) into the registry's terms, pure (no I/O).

Columns read, by their published names (others ignored): `CSNumber` (the service's id, `CS` and
digits), `ServiceName`, `CareService` and `Subtype` (with `AdditionalSubtypes` when present),
`ServiceStatus`, `Service_Postcode`, `Council_Area_Name`, `Publication_of_Latest_Grading` (dd/mm/yyyy)
and the grades 1-6 by key question `KQ_Support_Wellbeing`, `KQ_Care_and_Support_Planning`,
`KQ_Setting`, `KQ_Staff_Team`, `KQ_Leadership`, `KQ_Care_Play_and_Learning` (blank: not graded).
Only care at home is brokered: any other service (care homes, housing support alone, childminders...)
is skipped, and reported so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from services.providers.imports.cqc import (
    ImportedGrades,
    ImportedLocation,
    RowRejected,
    RowSkipped,
    parse_date,
    text_field,
)
from shared.contracts.common import ProviderStatus, Regulator

CS_NUMBER = "CSNumber"
CS_NUMBER_PATTERN = re.compile(r"^CS\d{6,14}$")
KEY_QUESTIONS: Mapping[str, str] = {
    "KQ_Support_Wellbeing": "support_wellbeing",
    "KQ_Care_and_Support_Planning": "care_and_support_planning",
    "KQ_Setting": "setting",
    "KQ_Staff_Team": "staff_team",
    "KQ_Leadership": "leadership",
    "KQ_Care_Play_and_Learning": "care_play_and_learning",
}
SERVICE_STATUS: Mapping[str, ProviderStatus] = {
    "active": ProviderStatus.ACTIVE,
    "inactive": ProviderStatus.INACTIVE,
    "cancelled": ProviderStatus.DEREGISTERED,
}


def is_care_at_home(row: Mapping[str, str]) -> bool:
    subtypes = f"{row.get('Subtype') or ''} {row.get('AdditionalSubtypes') or ''}".lower()
    return "care at home" in subtypes


def _grade(column: str, text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowRejected(f"{column} is not a grade: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or not 1 <= value <= 6:
        raise RowRejected(f"{column} is not a grade 1 to 6: {text!r}")
    return int(value)


def _grading(row: Mapping[str, str]) -> ImportedGrades | None:
    grades = {name: _grade(column, row[column].strip()) for column, name in KEY_QUESTIONS.items()
              if (row.get(column) or "").strip()}
    if not grades:
        return None
    published = (row.get("Publication_of_Latest_Grading") or "").strip()
    if not published:
        raise RowRejected("the grades have no publication date")
    return ImportedGrades(grades=grades, published_on=parse_date(published))


def _status(text: str | None) -> ProviderStatus:
    key = (text or "active").strip().lower()
    if key not in SERVICE_STATUS:
        raise RowRejected(f"unknown service status {text!r}")
    return SERVICE_STATUS[key]


def parse_datastore_row(row: Mapping[str, str]) -> ImportedLocation:
    """One row of the datastore CSV; a service that is not care at home is skipped (`RowSkipped`)."""
    cs_number = text_field(row.get(CS_NUMBER), "CS number", required=True)
    assert cs_number is not None
    if not CS_NUMBER_PATTERN.match(cs_number.upper()):
        raise RowRejected(f"CS number {cs_number!r} is not a Care Inspectorate service number")
    if not is_care_at_home(row):
        kind = " / ".join(part for part in (row.get("CareService"), row.get("Subtype")) if part)
        raise RowSkipped(f"not care at home ({kind or 'no service type'})")
    name = text_field(row.get("ServiceName"), "name", required=True)
    assert name is not None
    return ImportedLocation(
        location_id=cs_number.upper(), name=name, status=_status(row.get("ServiceStatus")), cqc_provider_id=None,
        postcode=text_field(row.get("Service_Postcode"), "postcode"),
        local_authority=text_field(row.get("Council_Area_Name"), "local_authority"),
        skills=frozenset(), client_groups=frozenset(), rating=_grading(row), regulator=Regulator.CARE_INSPECTORATE)
