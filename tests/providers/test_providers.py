"""Providers, contracts, ratings and capacity through the gateway, on both backends: the answers, the
one event per committed change, nothing written for bad input, and who may do what."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest

from shared.db import Database
from tests.harness import Suite
from tests.providers.conftest import LAST_YEAR, TODAY, Registry, assert_problem, audit_entries, contract, outbox


async def test_a_registered_provider_is_read_back_and_announced_once_with_version_one(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    created = await registry.provider("Oakham Home Care Ltd", cqc_location_id="1-000000001",
                                      branches=[{"name": "Oakham office", "postcode": "LE15 6AA"}])
    assert created["status"] == "active"
    assert created["skills"] == ["dementia"]
    assert (created["rating"], created["contracts"], created["embargoes"], created["capacity"]) == (
        None, [], [], [])
    assert await registry.get(created["id"]) == created
    events = await outbox(registry_db)
    assert [event["_type"] for event in events] == ["providers.provider.registered.v1"]
    assert events[0]["provider"]["id"] == created["id"]
    assert events[0]["provider"]["version"] == 1
    audit = await audit_entries(registry_db)
    assert [entry["action"] for entry in audit] == ["provider.registered"]
    assert audit[0]["before"] is None


async def test_bad_provider_input_lists_every_field_and_writes_nothing(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    answer = await suite.http.post("/api/v1/providers", headers=registry.headers, json={
        "name": "", "skills": ["juggling"], "client_groups": ["everyone"], "status": "sleeping"})
    body = assert_problem(answer, 422)
    assert {error["field"] for error in body["errors"]} >= {"name", "skills.0", "client_groups.0", "status"}
    assert await outbox(registry_db) == []
    listed = await suite.http.get("/api/v1/providers", headers=registry.headers)
    assert listed.json() == {"items": [], "next_cursor": None}


async def test_a_provider_admitted_before_go_live_keeps_its_admission_date_and_none_is_admitted_tomorrow(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    created = await registry.provider("Serving since last year", admitted_on=str(LAST_YEAR))
    assert created["registered_at"].startswith(str(LAST_YEAR))
    events = await outbox(registry_db)
    assert events[0]["provider"]["registered_at"].startswith(str(LAST_YEAR))
    answer = await suite.http.post("/api/v1/providers", headers=registry.headers,
                                   json={"name": "Tomorrow", "admitted_on": str(TODAY + timedelta(days=1))})
    assert [error["field"] for error in assert_problem(answer, 422)["errors"]] == ["admitted_on"]


async def test_a_regulator_id_held_by_another_provider_is_a_conflict(suite: Suite, registry: Registry) -> None:
    await registry.provider("First", cqc_location_id="1-000000001")
    answer = await suite.http.post("/api/v1/providers", headers=registry.headers,
                                   json={"name": "Second", "cqc_location_id": "1-000000001"})
    assert_problem(answer, 409)


async def test_patching_a_provider_changes_only_what_was_sent_and_bumps_its_version(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    created = await registry.provider()
    answer = await suite.http.patch(f"/api/v1/providers/{created['id']}", headers=registry.headers,
                                    json={"status": "inactive", "skills": ["dementia", "medication"]})
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["status"], changed["skills"], changed["name"], changed["version"]) == (
        "inactive", ["dementia", "medication"], created["name"], 2)
    events = await outbox(registry_db, "providers.provider.changed.v1")
    assert [(e["provider"]["status"], e["provider"]["version"]) for e in events] == [("inactive", 2)]
    audit = (await audit_entries(registry_db))[-1]
    assert (audit["action"], audit["actor_roles"]) == ("provider.changed", "commissioner")
    assert (json.loads(audit["before"])["status"], json.loads(audit["after"])["status"]) == ("active", "inactive")
    refused = await suite.http.patch(f"/api/v1/providers/{created['id']}", headers=registry.headers,
                                     json={"name": None})
    assert_problem(refused, 422)
    assert (await registry.get(created["id"]))["version"] == 2


async def test_contracts_are_replaced_as_a_set_and_announced(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    for code in ("OAK", "UPP", "KET"):
        await registry.area(code)
    provider = await registry.provider()
    path = f"/api/v1/providers/{provider['id']}/contracts"
    first = [contract("OAK", "primary"), contract("UPP", "framework", weekly_hours_cap=None, hourly_rate="24.10")]
    assert (await suite.http.put(path, headers=registry.headers, json={"contracts": first})).status_code == 200
    block = [contract("KET", "block", weekly_hours_cap="90.00", block_hours="60.00")]
    answer = await suite.http.put(path, headers=registry.headers, json={"contracts": block})
    assert answer.status_code == 200, answer.text
    assert answer.json()["contracts"] == [{
        "area": "KET", "tier": "block", "weekly_hours_cap": "90.00", "block_hours": "60.00", "hourly_rate": None,
        "starts_on": str(LAST_YEAR), "ends_on": None}]
    events = await outbox(registry_db, "providers.contracts.changed.v1")
    assert [[c["area"] for c in e["provider"]["contracts"]] for e in events] == [["OAK", "UPP"], ["KET"]]
    assert events[0]["provider"]["contracts"][1]["hourly_rate"] == "24.10"
    assert [e["provider"]["version"] for e in events] == [2, 3]


@pytest.mark.parametrize(("contracts", "field"), [
    ([contract("NOPE")], "contracts.0.area"),
    ([contract(weekly_hours_cap="-5.00")], "contracts.0.weekly_hours_cap"),
    ([contract(weekly_hours_cap="0")], "contracts.0.weekly_hours_cap"),
    ([contract(tier="gold")], "contracts.0.tier"),
    ([contract(tier="block", block_hours=None)], "contracts.0.block_hours"),
    ([contract(ends_on=str(LAST_YEAR - timedelta(days=1)))], "contracts.0.ends_on"),
    ([contract(), contract(tier="framework")], "contracts.1.starts_on"),
    ([contract(weekly_hours_cap=12.5)], None),
])
async def test_invalid_contracts_are_refused_with_the_field_and_nothing_changes(
        suite: Suite, registry: Registry, registry_db: Database, contracts: list[dict[str, object]],
        field: str | None) -> None:
    await registry.area("OAK")
    provider = await registry.provider()
    answer = await suite.http.put(f"/api/v1/providers/{provider['id']}/contracts", headers=registry.headers,
                                  json={"contracts": contracts})
    if field is None:  # a JSON number is read exactly as the decimal it spells
        assert answer.json()["contracts"][0]["weekly_hours_cap"] == "12.50"
        return
    body = assert_problem(answer, 422)
    assert field in {error["field"] for error in body["errors"]}
    assert (await registry.get(provider["id"]))["contracts"] == []
    assert await outbox(registry_db, "providers.contracts.changed.v1") == []


async def test_ratings_keep_history_and_an_older_one_posted_late_does_not_replace_the_current(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    path = f"/api/v1/providers/{provider['id']}/ratings"
    newer = {"regulator": "cqc", "overall": "good", "safe": "good", "effective": "good", "caring": "outstanding",
             "responsive": "good", "well_led": "requires_improvement", "published_on": str(TODAY - timedelta(days=10))}
    older = {**newer, "overall": "inadequate", "published_on": str(TODAY - timedelta(days=400))}
    recorded = await suite.http.post(path, headers=registry.headers, json=newer)
    assert recorded.status_code == 201, recorded.text
    assert (recorded.json()["quality_rank"], recorded.json()["caring"]) == (3, "outstanding")
    assert (await suite.http.post(path, headers=registry.headers, json=older)).status_code == 201
    current = (await registry.get(provider["id"]))["rating"]
    assert (current["overall"], current["published_on"], current["inadequate"]) == ("good", newer["published_on"],
                                                                                   False)
    history = (await suite.http.get(path, headers=registry.headers)).json()["items"]
    assert [rating["overall"] for rating in history] == ["good", "inadequate"]
    me = (await suite.http.get("/api/v1/users/me", headers=registry.headers)).json()
    assert {rating["recorded_by"] for rating in history} == {me["id"]}
    first = (await suite.http.get(path, params={"limit": 1}, headers=registry.headers)).json()
    rest = (await suite.http.get(path, params={"limit": 1, "cursor": first["next_cursor"]},
                                 headers=registry.headers)).json()
    assert [r["overall"] for r in first["items"] + rest["items"]] == ["good", "inadequate"]
    assert rest["next_cursor"] is None
    events = await outbox(registry_db, "providers.provider.rated.v1")
    assert [(e["rating"]["overall"], e["provider"]["rating"]["overall"]) for e in events] == [
        ("good", "good"), ("inadequate", "good")]


async def test_a_care_inspectorate_rating_is_graded_by_theme(suite: Suite, registry: Registry) -> None:
    provider = await registry.provider("Clyde Care", care_inspectorate_id="CS2003001234")
    answer = await suite.http.post(f"/api/v1/providers/{provider['id']}/ratings", headers=registry.headers, json={
        "regulator": "care_inspectorate", "grades": {"care_and_support": 5, "staffing": 4},
        "published_on": str(TODAY)})
    assert answer.status_code == 201, answer.text
    rating = answer.json()
    assert (rating["overall"], rating["quality_rank"], rating["grades"]) == (
        "good", 3, {"care_and_support": 5, "staffing": 4})


@pytest.mark.parametrize("body", [
    {"regulator": "cqc", "overall": "superb", "published_on": str(TODAY)},
    {"regulator": "care_inspectorate", "grades": {"staffing": 7}, "published_on": str(TODAY)},
    {"regulator": "care_inspectorate", "grades": {}, "published_on": str(TODAY)},
    {"regulator": "ofsted", "overall": "good", "published_on": str(TODAY)},
    {"regulator": "cqc", "overall": "good", "published_on": str(TODAY + timedelta(days=1))},
])
async def test_an_invalid_rating_is_refused_and_nothing_is_recorded(
        suite: Suite, registry: Registry, registry_db: Database, body: dict[str, object]) -> None:
    provider = await registry.provider()
    path = f"/api/v1/providers/{provider['id']}/ratings"
    assert_problem(await suite.http.post(path, headers=registry.headers, json=body), 422)
    assert (await suite.http.get(path, headers=registry.headers)).json()["items"] == []
    assert (await registry.get(provider["id"]))["version"] == 1


async def test_a_rolled_back_change_emits_no_event_and_keeps_the_version(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    provider = await registry.provider()
    path = f"/api/v1/providers/{provider['id']}/ratings"
    body = {"regulator": "cqc", "overall": "good", "published_on": str(TODAY)}
    assert (await suite.http.post(path, headers=registry.headers, json=body)).status_code == 201
    assert_problem(await suite.http.post(path, headers=registry.headers, json=body), 409)
    assert (await registry.get(provider["id"]))["version"] == 2
    assert len(await outbox(registry_db, "providers.provider.rated.v1")) == 1


async def test_an_unknown_provider_is_404_on_every_route(suite: Suite, registry: Registry) -> None:
    missing = f"/api/v1/providers/{uuid.uuid4()}"
    assert_problem(await suite.http.get(missing, headers=registry.headers), 404)
    assert_problem(await suite.http.patch(missing, headers=registry.headers, json={"name": "x"}), 404)
    assert_problem(await suite.http.put(missing + "/contracts", headers=registry.headers,
                                        json={"contracts": []}), 404)
    assert_problem(await suite.http.put(missing + "/capacity", headers=registry.headers, json={"areas": []}), 404)
    assert_problem(await suite.http.get("/api/v1/providers/not-a-uuid", headers=registry.headers), 422)


async def test_providers_are_listed_in_name_order_in_pages_and_filtered(suite: Suite, registry: Registry) -> None:
    await registry.area("OAK")
    names = ["Cedar", "Alder", "Birch"]
    ids = {name: (await registry.provider(name))["id"] for name in names}
    await suite.http.put(f"/api/v1/providers/{ids['Birch']}/contracts", headers=registry.headers,
                         json={"contracts": [contract("OAK", "framework")]})
    await suite.http.patch(f"/api/v1/providers/{ids['Cedar']}", headers=registry.headers,
                           json={"status": "inactive"})
    broker = await suite.staff("broker")
    first = (await suite.http.get("/api/v1/providers", params={"limit": 2}, headers=broker)).json()
    assert [item["name"] for item in first["items"]] == ["Alder", "Birch"]
    rest = (await suite.http.get("/api/v1/providers", params={"limit": 2, "cursor": first["next_cursor"]},
                                 headers=broker)).json()
    assert ([item["name"] for item in rest["items"]], rest["next_cursor"]) == (["Cedar"], None)

    async def names_where(**params: str) -> list[str]:
        answer = await suite.http.get("/api/v1/providers", params=params, headers=broker)
        return [item["name"] for item in answer.json()["items"]]

    assert await names_where(area="OAK") == ["Birch"]
    assert await names_where(area="OAK", tier="primary") == []
    assert await names_where(tier="framework") == ["Birch"]
    assert await names_where(status="inactive") == ["Cedar"]
    assert_problem(await suite.http.get("/api/v1/providers", params={"cursor": "garbage"}, headers=broker), 422)


async def test_capacity_is_declared_by_the_provider_itself_or_set_by_staff(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    for code in ("OAK", "UPP"):
        await registry.area(code)
    mine, theirs = (await registry.provider("Mine"))["id"], (await registry.provider("Theirs"))["id"]
    own = await suite.provider(mine)
    declared = await suite.http.put(f"/api/v1/providers/{mine}/capacity", headers=own,
                                    json={"areas": [{"area": "OAK", "weekly_hours": "40.00"}]})
    assert declared.status_code == 200, declared.text
    assert declared.json() == {"areas": [{"area": "OAK", "weekly_hours": "40.00"}]}
    assert_problem(await suite.http.put(f"/api/v1/providers/{theirs}/capacity", headers=own,
                                        json={"areas": [{"area": "OAK", "weekly_hours": "1.00"}]}), 404)
    broker = await suite.staff("broker")
    set_by_staff = await suite.http.put(f"/api/v1/providers/{theirs}/capacity", headers=broker, json={
        "areas": [{"area": "OAK", "weekly_hours": "5.00"}, {"area": "UPP", "weekly_hours": "0.00"}]})
    assert set_by_staff.status_code == 200, set_by_staff.text
    quality = await suite.staff("quality_officer")
    assert_problem(await suite.http.put(f"/api/v1/providers/{theirs}/capacity", headers=quality,
                                        json={"areas": []}), 403)
    for bad in ({"areas": [{"area": "NOPE", "weekly_hours": "1.00"}]},
                {"areas": [{"area": "OAK", "weekly_hours": "-1.00"}]},
                {"areas": [{"area": "OAK", "weekly_hours": "1.00"}, {"area": "OAK", "weekly_hours": "2.00"}]}):
        assert_problem(await suite.http.put(f"/api/v1/providers/{mine}/capacity", headers=own, json=bad), 422)
    events = await outbox(registry_db, "providers.capacity.changed.v1")
    assert [(e["provider"]["id"], e["provider"]["capacity"]) for e in events] == [
        (mine, [{"area": "OAK", "weekly_hours": "40.00"}]),
        (theirs, [{"area": "OAK", "weekly_hours": "5.00"}, {"area": "UPP", "weekly_hours": "0.00"}])]


async def test_a_provider_client_reads_only_its_own_provider_and_writes_nothing_but_capacity(
        suite: Suite, registry: Registry) -> None:
    mine, theirs = (await registry.provider("Mine"))["id"], (await registry.provider("Theirs"))["id"]
    own = await suite.provider(mine)
    assert (await suite.http.get(f"/api/v1/providers/{mine}", headers=own)).json()["id"] == mine
    assert_problem(await suite.http.get(f"/api/v1/providers/{theirs}", headers=own), 404)
    assert_problem(await suite.http.get("/api/v1/providers", headers=own), 403)
    assert_problem(await suite.http.patch(f"/api/v1/providers/{mine}", headers=own, json={"name": "x"}), 403)
    assert_problem(await suite.http.post(f"/api/v1/providers/{mine}/ratings", headers=own, json={
        "regulator": "cqc", "overall": "outstanding", "published_on": str(TODAY)}), 403)
    assert_problem(await suite.http.post("/api/v1/providers", headers=own, json={"name": "x"}), 403)
    assert_problem(await suite.http.get(f"/api/v1/providers/{mine}"), 401)
    broker = await suite.staff("broker")
    assert_problem(await suite.http.post("/api/v1/providers", headers=broker, json={"name": "x"}), 403)


async def test_concurrent_changes_to_one_provider_each_get_their_own_version(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    await registry.area("OAK")
    provider = await registry.provider()
    path = f"/api/v1/providers/{provider['id']}/capacity"
    answers = await asyncio.gather(*(
        suite.http.put(path, headers=registry.headers, json={"areas": [{"area": "OAK", "weekly_hours": f"{n}.00"}]})
        for n in range(1, 6)))
    assert [answer.status_code for answer in answers] == [200] * 5
    events = await outbox(registry_db, "providers.capacity.changed.v1")
    assert sorted(event["provider"]["version"] for event in events) == [2, 3, 4, 5, 6]
    final = await registry.get(provider["id"])
    last = max(events, key=lambda event: event["provider"]["version"])
    assert (final["version"], final["capacity"]) == (6, last["provider"]["capacity"])
