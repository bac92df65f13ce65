"""The sandbox for integrators: an admin moves the suite's clock forward, so an offer passes its deadline
and a payment period ends without waiting; outside a sandbox there is no clock to move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.contracts.common import Tier
from tests.brokerage.conftest import brokerage_database, market_of, referral_body
from tests.harness import Backend, eventually, running_suite

CLOCK = "/api/v1/sandbox/clock"


async def test_moving_the_sandbox_clock_expires_an_offer_and_ends_a_period(backend: Backend) -> None:
    async with running_suite(backend, SUITE_SANDBOX="1", BROKERAGE_EXPIRY_INTERVAL_SECONDS="0.2") as suite:
        market = market_of(brokerage_database(backend))
        try:
            await market.area()
            primary = await market.provider(Tier.PRIMARY)
            admin, finance = await suite.as_admin(), await suite.staff("finance")
            created = await suite.http.post("/api/v1/referrals", json=referral_body(),
                                            headers=await suite.staff("broker"))
            as_provider = await suite.provider(primary)
            [offer] = (await suite.http.get("/api/v1/offers", params={"status": "open"}, headers=as_provider)).json()[
                "items"]
            assert offer["referral_id"] == created.json()["id"]
            period = {"period_start": str(datetime.now(UTC).date()),
                      "period_end": str(datetime.now(UTC).date() + timedelta(days=27))}
            assert (await suite.http.post("/api/v1/invoice-runs", json=period, headers=finance)).status_code == 422

            assert (await suite.http.post(CLOCK, json={"advance_by_minutes": 0}, headers=admin)).status_code == 422
            assert (await suite.http.post(CLOCK, json={"advance_by_minutes": 60},
                                          headers=finance)).status_code == 403
            moved = await suite.http.post(CLOCK, json={"advance_by_minutes": 29 * 24 * 60}, headers=admin)
            assert moved.status_code == 200, moved.text
            assert moved.json()["offset_seconds"] == 29 * 24 * 3600
            assert datetime.fromisoformat(moved.json()["now"]) > datetime.fromisoformat(offer["deadline"])

            async def expired() -> bool:
                shown = await suite.http.get(f"/api/v1/offers/{offer['id']}", headers=as_provider)
                return bool(shown.json()["status"] == "expired")

            await eventually(expired)
            run = await suite.http.post("/api/v1/invoice-runs", json=period, headers=finance)
            assert run.status_code == 201, run.text
            again = await suite.http.post(CLOCK, json={"advance_by_minutes": 60}, headers=admin)
            assert again.json()["offset_seconds"] == 29 * 24 * 3600 + 3600
            assert (await suite.http.get(CLOCK, headers=admin)).json()["offset_seconds"] == 29 * 24 * 3600 + 3600
        finally:
            await market.database.dispose()


async def test_outside_a_sandbox_the_clock_cannot_be_moved(embedded_backend: Backend) -> None:
    async with running_suite(embedded_backend) as suite:
        answer = await suite.http.post(CLOCK, json={"advance_by_minutes": 60}, headers=await suite.as_admin())
        assert answer.status_code == 404
        assert "not a sandbox" in answer.json()["detail"]
        assert (await suite.http.get("/sandbox/clock", headers=await suite.as_admin())).status_code == 404
