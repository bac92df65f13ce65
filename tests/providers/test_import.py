"""Bulk import through the gateway: CQC location documents (JSON) and the care directory (CSV), the
per-row report, the same document twice, deregistered locations, and a 10,000-row file."""

from __future__ import annotations

import copy
import csv
import io
import json
import time
from typing import Any

from services.providers.imports.cqc import LOCATION_ID, PROVIDER_ID
from shared.db import Database
from tests.harness import Suite
from tests.providers.conftest import Registry, assert_problem, outbox
from tests.providers.test_cqc import DOCUMENT

CSV_HEADERS = ["Name", "Also known as", "Address", "Postcode", "Phone number", "Service's website (if available)",
               "Service types", "Date of latest check", "Specialisms/services", "Provider name", "Local authority",
               "Region", "Location URL", LOCATION_ID, PROVIDER_ID]


def directory_csv(count: int, *, start: int = 1) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADERS)
    for n in range(start, start + count):
        writer.writerow([f"Care Agency {n:05d}", "", f"{n} High Street, Oakham", "LE15 6AA", "01572 000000", "",
                         "Homecare agencies", "01/02/2025", "Dementia|Caring for adults over 65 yrs",
                         f"Care Group {n // 10}", "Rutland", "East Midlands", "https://www.cqc.org.uk/location/x",
                         f"1-{n:09d}", f"1-{n // 10:09d}"])
    return buffer.getvalue().encode()


async def _import(suite: Suite, registry: Registry, body: bytes, media_type: str) -> dict[str, Any]:
    answer = await suite.http.post("/api/v1/providers/import", headers={**registry.headers,
                                                                        "Content-Type": media_type}, content=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _document(location_id: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(DOCUMENT), "locationId": location_id, **changes}


async def test_location_documents_are_imported_with_their_ratings_and_a_row_report(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    documents = [_document("1-000000001"),
                 _document("1-000000002", registrationStatus="Deregistered",
                           currentRatings={"overall": {"rating": "No published rating"}}),
                 _document("", name="No id"),
                 _document("1-000000004",
                           currentRatings={"overall": {"rating": "Brilliant", "reportDate": "2025-01-01"}})]
    report = await _import(suite, registry, json.dumps(documents).encode(), "application/json")
    assert (report["created"], report["updated"]) == (2, 0)
    assert report["rejected"] == [
        {"row": 3, "location_id": None, "reason": "location id is missing"},
        {"row": 4, "location_id": "1-000000004", "reason": "unknown rating 'Brilliant'"}]
    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    by_location = {item["cqc_location_id"]: item for item in listed}
    rated = by_location["1-000000001"]
    assert (rated["status"], rated["skills"], rated["client_groups"]) == (
        "active", ["dementia"], ["learning_disability", "older_people"])
    assert (rated["rating"]["overall"], rated["rating"]["safe"], rated["rating"]["published_on"]) == (
        "requires_improvement", "inadequate", "2025-11-20")
    assert (by_location["1-000000002"]["status"], by_location["1-000000002"]["rating"]) == ("deregistered", None)
    ratings = (await suite.http.get(f"/api/v1/providers/{rated['id']}/ratings", headers=registry.headers)).json()
    me = (await suite.http.get("/api/v1/users/me", headers=registry.headers)).json()
    assert [rating["recorded_by"] for rating in ratings["items"]] == [me["id"]]
    types = [event["_type"] for event in await outbox(registry_db)]
    assert types == ["providers.provider.registered.v1", "providers.provider.rated.v1",
                     "providers.provider.registered.v1"]


async def test_the_same_document_twice_updates_and_never_duplicates(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    body = json.dumps(_document("1-000000001")).encode()
    assert (await _import(suite, registry, body, "application/json"))["created"] == 1
    again = await _import(suite, registry, body, "application/json")
    assert (again["created"], again["updated"], again["rejected"]) == (0, 1, [])
    assert len(await outbox(registry_db)) == 2  # registered and rated once: an unchanged document changes nothing
    renamed = json.dumps(_document("1-000000001", name="Oakham Home Care (new name)")).encode()
    assert (await _import(suite, registry, renamed, "application/json"))["updated"] == 1
    [provider] = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    assert (provider["name"], provider["version"]) == ("Oakham Home Care (new name)", 3)
    changed = await outbox(registry_db, "providers.provider.changed.v1")
    assert [event["provider"]["name"] for event in changed] == ["Oakham Home Care (new name)"]
    ratings = (await suite.http.get(f"/api/v1/providers/{provider['id']}/ratings", headers=registry.headers))
    assert len(ratings.json()["items"]) == 1


async def test_a_csv_care_directory_is_imported_and_reimported(suite: Suite, registry: Registry) -> None:
    report = await _import(suite, registry, directory_csv(3), "text/csv; charset=utf-8")
    assert (report["created"], report["updated"], report["rejected"]) == (3, 0, [])
    again = await _import(suite, registry, directory_csv(4), "text/csv")
    assert (again["created"], again["updated"]) == (1, 3)
    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    assert [item["cqc_location_id"] for item in listed] == [f"1-{n:09d}" for n in range(1, 5)]
    assert listed[0]["client_groups"] == ["older_people"]


async def test_an_unreadable_or_unsupported_body_is_refused_and_nothing_is_written(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    path, headers = "/api/v1/providers/import", registry.headers
    assert_problem(await suite.http.post(path, headers={**headers, "Content-Type": "application/json"},
                                         content=b"{broken"), 422)
    assert_problem(await suite.http.post(path, headers={**headers, "Content-Type": "text/csv"},
                                         content=b"Name,Postcode\nA,B\n"), 422)
    assert_problem(await suite.http.post(path, headers={**headers, "Content-Type": "application/xml"},
                                         content=b"<a/>"), 415)
    assert_problem(await suite.http.post(path, headers={**(await suite.staff("broker")),
                                                        "Content-Type": "text/csv"}, content=directory_csv(1)), 403)
    assert await outbox(registry_db) == []


async def test_a_ten_thousand_row_csv_is_imported_in_batches_with_an_event_per_provider(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    body = directory_csv(10_000)
    started = time.perf_counter()
    report = await _import(suite, registry, body, "text/csv")
    elapsed = time.perf_counter() - started
    assert (report["created"], report["updated"], report["rejected"]) == (10_000, 0, [])
    registered = await outbox(registry_db, "providers.provider.registered.v1")
    assert len(registered) == 10_000
    assert len({event["provider"]["id"] for event in registered}) == 10_000
    page = (await suite.http.get("/api/v1/providers", params={"limit": 500}, headers=registry.headers)).json()
    assert len(page["items"]) == 500
    assert page["next_cursor"] is not None
    print(f"imported 10,000 rows in {elapsed:.1f}s: {10_000 / elapsed:.0f} rows/s")  # noqa: T201


async def test_a_re_registered_location_keeps_its_predecessors_rating_history(
        suite: Suite, registry: Registry) -> None:
    older = _document("1-000000001", currentRatings={"overall": {"rating": "Good", "reportDate": "2023-05-01"}})
    await _import(suite, registry, json.dumps(older).encode(), "application/json")
    successor = _document("1-000000002", name="Oakham Home Care (new owner)",
                          currentRatings={"overall": {"rating": "No published rating"}},
                          relationships=[{"relatedLocationId": "1-000000001", "type": "HSCA Predecessor",
                                          "reason": "Change of ownership"}])
    own = _document("1-000000003", relationships=successor["relationships"])
    report = await _import(suite, registry, json.dumps([_document("1-000000001"), successor, own]).encode(),
                           "application/json")
    assert (report["created"], report["updated"], report["rejected"]) == (2, 1, [])
    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    by_location = {item["cqc_location_id"]: item["id"] for item in listed}

    async def history(location_id: str) -> list[tuple[str, str]]:
        answer = await suite.http.get(f"/api/v1/providers/{by_location[location_id]}/ratings",
                                      headers=registry.headers)
        return [(rating["overall"], rating["published_on"]) for rating in answer.json()["items"]]

    assert await history("1-000000002") == [("requires_improvement", "2025-11-20"), ("good", "2023-05-01")]
    assert await history("1-000000003") == [("requires_improvement", "2025-11-20")]  # rated in its own right
