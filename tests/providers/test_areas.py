"""Contract areas through the gateway: create, read, page, refuse bad input and the wrong roles."""

from __future__ import annotations

from shared.db import Database
from tests.harness import Suite
from tests.providers.conftest import Registry, assert_problem, outbox


async def test_an_area_is_created_with_ranked_offers_by_default_and_read_back(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    created = await registry.area("OAK", name="Oakham", rural=False)
    assert created == {"code": "OAK", "name": "Oakham", "rural": False, "framework_offer_mode": "ranked"}
    broker = await suite.staff("broker")
    answer = await suite.http.get("/api/v1/areas/OAK", headers=broker)
    assert answer.status_code == 200
    assert answer.json() == created
    events = await outbox(registry_db, "providers.area.created.v1")
    assert [event["area"] for event in events] == [created]


async def test_a_duplicate_area_code_is_a_conflict_and_emits_nothing_more(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    await registry.area("OAK")
    answer = await suite.http.post("/api/v1/areas", headers=registry.headers,
                                   json={"code": "OAK", "name": "Again"})
    assert_problem(answer, 409)
    assert len(await outbox(registry_db)) == 1


async def test_areas_are_listed_in_pages(suite: Suite, registry: Registry) -> None:
    for code in ("A1", "B2", "C3"):
        await registry.area(code, framework_offer_mode="broadcast")
    first = (await suite.http.get("/api/v1/areas", params={"limit": 2}, headers=registry.headers)).json()
    assert [area["code"] for area in first["items"]] == ["A1", "B2"]
    second = (await suite.http.get("/api/v1/areas", params={"limit": 2, "cursor": first["next_cursor"]},
                                   headers=registry.headers)).json()
    assert [area["code"] for area in second["items"]] == ["C3"]
    assert second["next_cursor"] is None


async def test_bad_area_input_lists_the_fields_and_writes_nothing(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    answer = await suite.http.post("/api/v1/areas", headers=registry.headers,
                                   json={"code": "has space", "name": "", "framework_offer_mode": "auction"})
    body = assert_problem(answer, 422)
    assert {error["field"] for error in body["errors"]} == {"code", "name", "framework_offer_mode"}
    assert (await suite.http.get("/api/v1/areas", headers=registry.headers)).json()["items"] == []
    assert await outbox(registry_db) == []


async def test_only_commissioners_create_areas_and_only_staff_read_them(suite: Suite) -> None:
    body = {"code": "OAK", "name": "Oakham"}
    assert_problem(await suite.http.post("/api/v1/areas", json=body), 401)
    assert_problem(await suite.http.post("/api/v1/areas", json=body, headers=await suite.staff("broker")), 403)
    provider = await suite.provider("00000000-0000-0000-0000-000000000001")
    assert_problem(await suite.http.get("/api/v1/areas", headers=provider), 403)
    assert_problem(await suite.http.get("/api/v1/areas/NOPE", headers=await suite.staff("quality_officer")), 404)


async def test_changing_an_area_is_announced_and_a_no_op_is_not(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    await registry.area("KET", name="Ketton")
    changed = await suite.http.patch("/api/v1/areas/KET", headers=registry.headers,
                                     json={"framework_offer_mode": "broadcast", "rural": True})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"code": "KET", "name": "Ketton", "rural": True, "framework_offer_mode": "broadcast"}
    same = await suite.http.patch("/api/v1/areas/KET", headers=registry.headers, json={"rural": True})
    assert same.status_code == 200
    assert_problem(await suite.http.patch("/api/v1/areas/KET", headers=registry.headers, json={"name": None}), 422)
    assert_problem(await suite.http.patch("/api/v1/areas/NOPE", headers=registry.headers, json={"rural": True}), 404)
    events = await outbox(registry_db, "providers.area.changed.v1")
    assert [event["area"]["framework_offer_mode"] for event in events] == ["broadcast"]
