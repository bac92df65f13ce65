"""The CQC sync against a local fake of the CQC API: a first sync through paged changes, throttling
(429 with Retry-After, and 200 with a 429 body), a location gone (404), an id listed in lower case;
then a change feed with a new Inadequate rating (the next cascade skips the provider), a deregistration
and a re-registered location inheriting its predecessor's rating history. And the CLI and the job."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.providers.cli import main
from services.providers.cqcsync.client import USER_AGENT, CqcApi, CqcClient, CqcUnavailable
from services.providers.cqcsync.service import (
    LEASE,
    release_lease,
    sync_since_last,
    sync_window,
    synced_to,
    take_lease,
)
from services.providers.models import INFRA
from shared.clock import SystemClock
from shared.db import Database
from tests.brokerage.conftest import referral_body
from tests.brokerage.test_cascade_e2e import known_states
from tests.brokerage.test_referrals import events_of
from tests.harness import Backend, Suite, eventually, running_suite
from tests.providers.conftest import Registry, outbox
from tests.providers.fake_cqc import API_KEY, FakeCqc, serving
from tests.providers.test_cqc import DOCUMENT

FIRST = datetime(2026, 11, 1, tzinfo=UTC)
SECOND = FIRST + timedelta(days=1)
THIRD = SECOND + timedelta(days=1)


def location(location_id: str, name: str, rating: str | None = "Good", published: str = "2025-06-01",
             **fields: Any) -> dict[str, Any]:
    document = {**copy.deepcopy(DOCUMENT), "locationId": location_id, "name": name, **fields}
    document["currentRatings"] = ({"overall": {"rating": rating, "reportDate": published, "keyQuestionRatings": []}}
                                  if rating else {"overall": {"rating": "No published rating"}})
    return document


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(fake: FakeCqc, sleeps: Sleeps) -> CqcClient:
    return CqcClient(CqcApi(base_url=fake.base_url, api_key=API_KEY, max_retries=3, max_retry_seconds=30),
                     sleep=sleeps)


async def sync(database: Database, fake: FakeCqc, sleeps: Sleeps, start: datetime, end: datetime) -> Any:
    async with client(fake, sleeps) as cqc:
        return await sync_window(database, cqc, start=start, end=end, clock=SystemClock(), batch_rows=2)


async def framework_provider(suite: Suite, registry: Registry, provider_id: str) -> None:
    """What a council does with an imported provider: a framework contract and declared capacity."""
    answer = await suite.http.put(f"/api/v1/providers/{provider_id}/contracts", headers=registry.headers, json={
        "contracts": [{"area": "OAK", "tier": "framework", "weekly_hours_cap": None, "block_hours": None,
                       "starts_on": "2026-01-01", "ends_on": None}]})
    assert answer.status_code == 200, answer.text
    answer = await suite.http.put(f"/api/v1/providers/{provider_id}/capacity", headers=registry.headers,
                                  json={"areas": [{"area": "OAK", "weekly_hours": "60.00"}]})
    assert answer.status_code == 200, answer.text


async def test_the_registry_follows_the_cqc_change_feed(
        suite: Suite, registry: Registry, registry_db: Database) -> None:
    await registry.area("OAK", name="Oakham")
    fake = FakeCqc(
        locations={"1-101": location("1-101", "Oakham Home Care"),
                   "1-102": location("1-102", "Rutland Carers", "Requires improvement", "2024-01-10"),
                   "RK5BC": location("RK5BC", "Uppingham Community Care")},
        change_pages=[["1-101", "1-102"], ["1-103", "rk5bc", "1-101"]],
        throttles={"/public/v1/locations/1-101": [(200, {}, {"statusCode": 429, "message": "Rate limit is "
                                                             "exceeded. Try again in 3 seconds."})],
                   "/public/v1/locations/1-102": [(429, {"Retry-After": "7"}, {"statusCode": 429})]})
    sleeps = Sleeps()
    with serving(fake):
        first = await sync(registry_db, fake, sleeps, FIRST, SECOND)
        assert (first.created, first.updated, first.rejected) == (3, 0, [])
        assert [(row.row, row.location_id) for row in first.skipped] == [(3, "1-103")]
        assert sleeps == [3.0, 7.0]
        assert all(headers.get("Ocp-Apim-Subscription-Key") == API_KEY and headers.get("User-Agent") == USER_AGENT
                   for _path, headers in fake.requests)
        assert "/public/v1/locations/RK5BC" in [path for path, _headers in fake.requests]
        listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
        by_location = {item["cqc_location_id"]: item for item in listed}
        assert set(by_location) == {"1-101", "1-102", "RK5BC"}
        oakham = by_location["1-101"]["id"]
        await framework_provider(suite, registry, oakham)

        fake.locations["1-101"] = location("1-101", "Oakham Home Care", "Inadequate", "2026-11-01")
        fake.locations["1-102"] = location("1-102", "Rutland Carers", registrationStatus="Deregistered")
        fake.locations["1-105"] = location("1-105", "Rutland Carers (new owner)", rating=None, relationships=[
            {"relatedLocationId": "1-102", "relatedLocationName": "Rutland Carers", "type": "HSCA Predecessor",
             "reason": "Change of ownership"}])
        fake.change_pages = [["1-101", "1-102", "1-105"]]
        second = await sync(registry_db, fake, sleeps, SECOND, THIRD)
    assert (second.created, second.updated, second.rejected, second.skipped) == (1, 2, [], [])
    assert await synced_to(registry_db) == THIRD

    listed = (await suite.http.get("/api/v1/providers", headers=registry.headers)).json()["items"]
    by_location = {item["cqc_location_id"]: item for item in listed}
    assert (by_location["1-101"]["rating"]["overall"], by_location["1-101"]["rating"]["inadequate"]) == (
        "inadequate", True)
    assert by_location["1-102"]["status"] == "deregistered"
    inherited = by_location["1-105"]["rating"]
    assert (inherited["overall"], inherited["published_on"]) == ("good", "2025-06-01")
    history = (await suite.http.get(f"/api/v1/providers/{by_location['1-105']['id']}/ratings",
                                    headers=registry.headers)).json()["items"]
    assert [(rating["overall"], rating["published_on"]) for rating in history] == [
        ("good", "2025-06-01"), ("requires_improvement", "2024-01-10")]
    names = {item["id"]: location_id for location_id, item in by_location.items()}
    rated = [(names[event["provider"]["id"]], event["rating"]["overall"])
             for event in await outbox(registry_db, "providers.provider.rated.v1")]
    assert rated == [("1-101", "good"), ("1-102", "requires_improvement"), ("RK5BC", "good"),
                     ("1-101", "inadequate"), ("1-102", "good"), ("1-105", "requires_improvement"), ("1-105", "good")]
    changed = await outbox(registry_db, "providers.provider.changed.v1")
    assert [(names[event["provider"]["id"]], event["provider"]["status"]) for event in changed] == [
        ("1-102", "deregistered")]

    async def brokerage_knows_it_inadequate() -> bool:
        states, _areas = await known_states(suite)
        state = states.get(oakham, {})
        return bool(state.get("capacity") and (state.get("rating") or {}).get("inadequate"))

    await eventually(brokerage_knows_it_inadequate, timeout=30)
    referral = await suite.http.post("/api/v1/referrals", json=referral_body(),
                                     headers=await suite.staff("broker"))
    assert referral.status_code == 201, referral.text
    # quality may embargo an Inadequate provider by itself as well; either way it is never offered
    assert events_of(referral.json()["history"], oakham) in ([("skipped", "inadequate_rating")],
                                                             [("skipped", "embargoed")])


def test_the_cli_syncs_a_window_and_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PROVIDERS_CQC_API_KEY", raising=False)
    from services.catalog import migrate

    migrate(["providers"])
    assert main(["sync", "--since", "2026-11-01T00:00:00Z"]) == 2
    assert capsys.readouterr().err == "error: PROVIDERS_CQC_API_KEY is not set\n"

    monkeypatch.setenv("PROVIDERS_CQC_API_KEY", API_KEY)
    with serving(FakeCqc(locations={"1-101": location("1-101", "Oakham Home Care")},
                         change_pages=[["1-101"]])) as fake:
        monkeypatch.setenv("PROVIDERS_CQC_API_URL", fake.base_url)
        assert main(["sync", "--since", "2026-11-01T00:00:00Z", "--until", "2026-11-02T00:00:00Z"]) == 0
        assert '"created": 1' in capsys.readouterr().out
        monkeypatch.setenv("PROVIDERS_CQC_API_KEY", "wrong-key")
        assert main(["sync", "--since", "2026-11-01T00:00:00Z"]) == 2
    error = capsys.readouterr().err
    assert error == "error: the CQC API answered 401 for /public/v1/changes/location\n"
    assert "wrong-key" not in error
    assert main(["sync", "--since", "2026-11-01T00:00:00Z"]) == 2  # the fake has stopped: nothing listens
    assert capsys.readouterr().err == "error: the CQC API cannot be reached (ConnectError)\n"


async def test_the_periodic_sync_runs_when_a_key_is_set_and_remembers_how_far_it_went(backend: Backend) -> None:
    fake = FakeCqc(locations={"1-101": location("1-101", "Oakham Home Care")}, change_pages=[["1-101"]])
    database = Database(backend.database_url_of("providers"), schema="providers",
                        session_info=INFRA.session_info("providers"))
    try:
        with serving(fake):
            async with running_suite(backend, PROVIDERS_CQC_API_URL=fake.base_url, PROVIDERS_CQC_API_KEY=API_KEY,
                                     PROVIDERS_CQC_SYNC_SECONDS="0.2") as suite:
                headers = await suite.staff("commissioner")

                async def imported() -> list[Any]:
                    answer = await suite.http.get("/api/v1/providers", headers=headers)
                    return list(answer.json()["items"])

                [provider] = await eventually(imported, timeout=20)
                first = await eventually(lambda: synced_to(database))
                later = await eventually(lambda: _later(database, first))
        assert provider["cqc_location_id"] == "1-101"
        assert later > first
        changes = [path for path, _headers in fake.requests if path.endswith("/changes/location")]
        assert len(changes) >= 2
    finally:
        await database.dispose()


async def _later(database: Database, than: datetime) -> datetime | None:
    moment = await synced_to(database)
    return moment if moment and moment > than else None


async def test_without_a_key_no_sync_runs(backend: Backend) -> None:
    fake = FakeCqc(locations={"1-101": location("1-101", "Oakham Home Care")}, change_pages=[["1-101"]])
    with serving(fake):
        async with running_suite(backend, PROVIDERS_CQC_API_URL=fake.base_url,
                                 PROVIDERS_CQC_SYNC_SECONDS="0.05") as suite:
            await asyncio.sleep(0.5)
            answer = await suite.http.get("/api/v1/providers", headers=await suite.staff("commissioner"))
    assert answer.json()["items"] == []
    assert fake.requests == []


async def test_throttling_past_the_retries_stops_the_sync_and_keeps_the_mark(registry_db: Database) -> None:
    throttled = (200, {}, {"statusCode": 429, "message": "Rate limit is exceeded."})
    fake = FakeCqc(locations={"1-101": location("1-101", "Oakham Home Care"),
                              "1-102": location("1-102", "Rutland Carers")},
                   change_pages=[["1-101", "1-102"]], throttles={"/public/v1/locations/1-102": [throttled] * 4})
    sleeps = Sleeps()
    with serving(fake), pytest.raises(CqcUnavailable, match="still throttling after 3 retries"):
        async with client(fake, sleeps) as cqc:
            await sync_window(registry_db, cqc, start=FIRST, end=SECOND, clock=SystemClock(), batch_rows=1)
    assert sleeps == [1.0, 2.0, 4.0]
    assert await synced_to(registry_db) is None
    assert len(await outbox(registry_db, "providers.provider.registered.v1")) == 1  # the batch committed before


async def test_one_replica_syncs_at_a_time_and_a_lease_runs_out(registry_db: Database) -> None:
    fake = FakeCqc(locations={"1-101": location("1-101", "Oakham Home Care")}, change_pages=[["1-101"]])
    clock = SystemClock()
    assert await take_lease(registry_db, now=clock.now())  # another replica is syncing
    with serving(fake):
        async with client(fake, Sleeps()) as cqc:
            assert await sync_since_last(registry_db, cqc, clock=clock, batch_rows=10) is None
            assert fake.requests == []
            await release_lease(registry_db)
            report = await sync_since_last(registry_db, cqc, clock=clock, batch_rows=10)
    assert report is not None
    assert report.created == 1
    assert await take_lease(registry_db, now=clock.now())  # released when its sync ended
    assert not await take_lease(registry_db, now=clock.now())
    assert await take_lease(registry_db, now=clock.now() + LEASE + timedelta(seconds=1))  # the holder died
