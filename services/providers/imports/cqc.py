"""Reading the CQC's published data into the registry's terms, pure (no I/O).

Two sources (API.md, `POST /api/v1/providers/import`): location documents of the CQC public API (JSON)
and rows of the CQC care directory (CSV). Real documents carry many fields the registry does not use;
those are ignored. Ratings come as text ("Good", "Requires improvement", ...); "No published rating"
means the location has none yet. A deregistered location is kept, as `deregistered`, never offered work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.contracts.common import ClientGroup, CqcRating, ProviderStatus, Regulator, Skill

LOCATION_ID = "CQC Location ID (for office use only)"
PROVIDER_ID = "CQC Provider ID (for office use only)"
LOCATION_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,50}$")
MAX_LENGTHS = {"name": 300, "postcode": 20, "local_authority": 200}
NO_RATING = {"", "no published rating", "not yet rated", "insufficient evidence to rate"}
RATING_TEXT: Mapping[str, CqcRating] = {
    "outstanding": CqcRating.OUTSTANDING,
    "good": CqcRating.GOOD,
    "requires improvement": CqcRating.REQUIRES_IMPROVEMENT,
    "inadequate": CqcRating.INADEQUATE,
}
KEY_QUESTIONS: Mapping[str, str] = {
    "safe": "safe", "effective": "effective", "caring": "caring", "responsive": "responsive",
    "well-led": "well_led", "well led": "well_led",
}
SPECIALISM_SKILLS: Mapping[str, Skill] = {
    "dementia": Skill.DEMENTIA,
    "sensory impairments": Skill.SENSORY_IMPAIRMENT,
    "substance misuse problems": Skill.SUBSTANCE_MISUSE,
    "eating disorders": Skill.EATING_DISORDERS,
}
SPECIALISM_CLIENT_GROUPS: Mapping[str, ClientGroup] = {
    "caring for adults over 65 yrs": ClientGroup.OLDER_PEOPLE,
    "learning disabilities": ClientGroup.LEARNING_DISABILITY,
    "physical disabilities": ClientGroup.PHYSICAL_DISABILITY,
    "mental health conditions": ClientGroup.MENTAL_HEALTH,
    "caring for people whose rights are restricted under the mental health act": ClientGroup.MENTAL_HEALTH,
}
REGISTRATION_STATUS: Mapping[str, ProviderStatus] = {
    "registered": ProviderStatus.ACTIVE,
    "active": ProviderStatus.ACTIVE,
    "deregistered": ProviderStatus.DEREGISTERED,
}


class RowRejected(ValueError):
    """The record cannot be imported; the message is the reason reported for its row."""


class RowSkipped(RowRejected):
    """The record is not one the registry keeps (reported as skipped, not as an error)."""


@dataclass(frozen=True)
class ImportedRating:
    overall: CqcRating
    key_questions: Mapping[str, CqcRating]
    published_on: date


@dataclass(frozen=True)
class ImportedGrades:
    """A Care Inspectorate grading: 1-6 by key question."""

    grades: Mapping[str, int]
    published_on: date


@dataclass(frozen=True)
class ImportedLocation:
    location_id: str
    """The regulator's id: a CQC location id, or a Care Inspectorate CS number"""
    name: str
    status: ProviderStatus
    cqc_provider_id: str | None
    postcode: str | None
    local_authority: str | None
    skills: frozenset[Skill]
    client_groups: frozenset[ClientGroup]
    rating: ImportedRating | ImportedGrades | None
    regulator: Regulator = Regulator.CQC
    predecessor_id: str | None = None
    """The CQC location this one was re-registered from (its "HSCA Predecessor") and inherits its
    ratings from, when it was not rated in its own right"""


def map_specialisms(names: Iterable[str]) -> tuple[frozenset[Skill], frozenset[ClientGroup]]:
    """CQC specialisms to the suite's skills and client groups; the ones with no counterpart are ignored."""
    keys = [name.strip().lower() for name in names]
    return (frozenset(SPECIALISM_SKILLS[key] for key in keys if key in SPECIALISM_SKILLS),
            frozenset(SPECIALISM_CLIENT_GROUPS[key] for key in keys if key in SPECIALISM_CLIENT_GROUPS))


def parse_ratingtext_field(text: str | None) -> CqcRating | None:
    """"Good", "Requires improvement", ...; "No published rating" (and no text) is no rating."""
    key = (text or "").strip().lower()
    if key in NO_RATING:
        return None
    if key not in RATING_TEXT:
        raise RowRejected(f"unknown rating {text!r}")
    return RATING_TEXT[key]


def parse_date(text: Any) -> date:
    """ISO dates (the API) or dd/mm/yyyy (the directory's spreadsheets); a time part is ignored."""
    value = str(text or "").strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value[:10], form).date()
        except ValueError:
            continue
    raise RowRejected(f"unreadable date {value!r}")


def text_field(value: Any, field: str, *, required: bool = False) -> str | None:
    """A trimmed text value (None when blank), within the registry's length for `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowRejected(f"{field} is missing")
        return None
    if not isinstance(value, str | int):
        raise RowRejected(f"{field} is not text")
    text = str(value).strip()
    if len(text) > MAX_LENGTHS.get(field, 50):
        raise RowRejected(f"{field} is longer than {MAX_LENGTHS.get(field, 50)} characters")
    return text


def _location_id(value: Any) -> str:
    location_id = text_field(value, "location id", required=True)
    assert location_id is not None
    if not LOCATION_ID_PATTERN.match(location_id):
        raise RowRejected(f"location id {location_id!r} is not a CQC location id")
    return location_id


def _status(text: Any) -> ProviderStatus:
    key = str(text or "registered").strip().lower()
    if key not in REGISTRATION_STATUS:
        raise RowRejected(f"unknown registration status {text!r}")
    return REGISTRATION_STATUS[key]


def _specialism_names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item.get("name", "")) if isinstance(item, dict) else str(item) for item in value]


def _document_rating(ratings: Any) -> ImportedRating | None:
    if not isinstance(ratings, dict) or not isinstance(ratings.get("overall"), dict):
        return None
    overall_block: dict[str, Any] = ratings["overall"]
    overall = parse_ratingtext_field(overall_block.get("rating"))
    if overall is None:
        return None
    published = overall_block.get("reportDate") or ratings.get("reportDate")
    if not published:
        raise RowRejected("the rating has no report date")
    questions: dict[str, CqcRating] = {}
    for item in overall_block.get("keyQuestionRatings") or []:
        name = KEY_QUESTIONS.get(str(item.get("name", "")).strip().lower()) if isinstance(item, dict) else None
        value = parse_ratingtext_field(item.get("rating")) if name else None
        if name and value:
            questions[name] = value
    return ImportedRating(overall=overall, key_questions=questions, published_on=parse_date(published))


def parse_location_document(document: Any) -> ImportedLocation:
    """One location document of the CQC public API (`GET /locations/{locationId}`)."""
    if not isinstance(document, dict):
        raise RowRejected("not a location document (a JSON object)")
    skills, groups = map_specialisms(_specialism_names(document.get("specialisms")))
    name = text_field(document.get("name"), "name", required=True)
    assert name is not None
    return ImportedLocation(
        location_id=_location_id(document.get("locationId")),
        name=name,
        status=_status(document.get("registrationStatus")),
        cqc_provider_id=text_field(document.get("providerId"), "provider id"),
        postcode=text_field(document.get("postalCode"), "postcode"),
        local_authority=text_field(document.get("localAuthority"), "local_authority"),
        skills=skills,
        client_groups=groups,
        rating=_document_rating(document.get("currentRatings")),
        predecessor_id=inheriting_from(document),
    )


def _predecessor(document: Mapping[str, Any]) -> str | None:
    for relation in document.get("relationships") or []:
        if (isinstance(relation, dict) and str(relation.get("type", "")).strip().lower() == "hsca predecessor"
                and relation.get("relatedLocationId")):
            return str(relation["relatedLocationId"]).strip().upper()
    return None


def _own_rating(document: Mapping[str, Any], rating: ImportedRating | None) -> bool:
    """Whether the location was rated in its own right: the CQC marks an inherited rating with the
    `organisationId` of the location whose inspection gave it."""
    ratings = document.get("currentRatings")
    overall = ratings.get("overall") if isinstance(ratings, dict) else None
    inherited_from = overall.get("organisationId") if isinstance(overall, dict) else None
    return rating is not None and inherited_from in (None, "", document.get("locationId"))


def inheriting_from(document: Mapping[str, Any]) -> str | None:
    """The "HSCA Predecessor" a re-registered location inherits its ratings from, unless it was rated
    in its own right."""
    try:
        if _own_rating(document, _document_rating(document.get("currentRatings"))):
            return None
    except RowRejected:
        return None  # the row is rejected when read
    return _predecessor(document)


def predecessor_to_inherit_from(document: Mapping[str, Any]) -> str | None:
    """The predecessor to read a current rating from: the CQC carries it over to the new record from
    April 2019, but not always into its `currentRatings`."""
    try:
        if _document_rating(document.get("currentRatings")) is not None:
            return None
    except RowRejected:
        return None
    return _predecessor(document)


def inherit_ratings(document: Mapping[str, Any], predecessor: Mapping[str, Any] | None) -> dict[str, Any]:
    """The document with its predecessor's current rating, marked inherited as the CQC marks one
    (unchanged when the predecessor is gone or unrated)."""
    ratings = predecessor.get("currentRatings") if predecessor else None
    if not isinstance(ratings, dict) or not isinstance(ratings.get("overall"), dict):
        return dict(document)
    overall = {**ratings["overall"], "organisationId": predecessor.get("locationId") if predecessor else None}
    return {**document, "currentRatings": {**ratings, "overall": overall}}


def _column(row: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if row.get(name):
            return row[name]
    return None


def _directory_rating(row: Mapping[str, str]) -> ImportedRating | None:
    overall = parse_ratingtext_field(_column(row, "Latest overall rating", "Location Latest Overall Rating"))
    if overall is None:
        return None
    published = _column(row, "Publication date", "Publication Date", "Date of latest check")
    if not published:
        raise RowRejected("the rating has no publication date")
    return ImportedRating(overall=overall, key_questions={}, published_on=parse_date(published))


def parse_directory_row(row: Mapping[str, str]) -> ImportedLocation:
    """One row of the CQC care directory CSV (its headers as published; extra columns ignored)."""
    skills, groups = map_specialisms(re.split(r"[|;,]", row.get("Specialisms/services") or ""))
    name = text_field(row.get("Name"), "name", required=True)
    assert name is not None
    return ImportedLocation(
        location_id=_location_id(row.get(LOCATION_ID)),
        name=name,
        status=_status(_column(row, "Registration status", "Location Status")),
        cqc_provider_id=text_field(row.get(PROVIDER_ID), "provider id"),
        postcode=text_field(row.get("Postcode"), "postcode"),
        local_authority=text_field(row.get("Local authority"), "local_authority"),
        skills=skills,
        client_groups=groups,
        rating=_directory_rating(row),
    )


def location_id_of(record: Any) -> str | None:
    """The location id a rejected record carried, for the report (whatever shape it had)."""
    value = (record.get("locationId", record.get(LOCATION_ID, record.get("CSNumber")))
             if isinstance(record, dict) else None)
    return str(value) if value not in (None, "") else None
