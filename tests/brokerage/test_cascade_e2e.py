"""DOMAIN.md's cascade scenario end to end through the gateway, with the registry set up the way a
council does it (areas, providers, contracts, ratings, capacity, embargoes) and brokerage's read model
following by events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.brokerage.models import KnownArea, KnownProvider
from tests.brokerage.conftest import brokerage_database, referral_body
from tests.brokerage.test_referrals import answer, events_of, open_offers, referral
from tests.harness import GatewayClient, Suite, eventually

TODAY = datetime.now(UTC).date()


class Council:
    """A commissioner setting up the registry through the public API."""

    def __init__(self, suite: GatewayClient, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    async def post(self, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        answer = await self.suite.http.request(method, f"/api/v1/{path}", json=body, headers=self.headers)
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result

    async def provider(self, name: str, *, tier: str, area: str = "OAK", cap: str | None = None,
                       rating: str | None = "good", skills: tuple[str, ...] = ("dementia",),
                       capacity: str | None = "60.00") -> str:
        created = await self.post("providers", {"name": name, "skills": list(skills),
                                                "client_groups": ["older_people"]})
        provider_id: str = created["id"]
        await self.post(f"providers/{provider_id}/contracts", {"contracts": [{
            "area": area, "tier": tier, "weekly_hours_cap": cap, "block_hours": None,
            "starts_on": "2026-01-01", "ends_on": None}]}, method="PUT")
        if rating is not None:
            await self.post(f"providers/{provider_id}/ratings", {
                "regulator": "cqc", "overall": rating, "published_on": "2026-03-01"})
        if capacity is not None:
            await self.capacity(provider_id, capacity, area=area)
        return provider_id

    async def capacity(self, provider_id: str, hours: str, *, area: str = "OAK") -> None:
        await self.post(f"providers/{provider_id}/capacity", {"areas": [{"area": area, "weekly_hours": hours}]},
                        method="PUT")

    async def embargo(self, provider_id: str) -> str:
        created = await self.post(f"providers/{provider_id}/embargoes", {
            "scope": "all", "imposed_by": "council", "starts_on": (TODAY - timedelta(days=1)).isoformat(),
            "reason": "red on the risk matrix"})
        embargo_id: str = created["id"]
        return embargo_id


async def known_states(suite: Suite) -> tuple[dict[str, dict[str, Any]], set[str]]:
    database = brokerage_database(suite.backend)
    try:
        async with database.sessionmaker() as session:
            providers = {str(row.id): row.state for row in (await session.scalars(select(KnownProvider))).all()}
            areas = set((await session.scalars(select(KnownArea.code))).all())
    finally:
        await database.dispose()
    return providers, areas


async def read_model_has(suite: Suite, provider_ids: list[str], embargoed: str) -> bool:
    """Every provider known with its capacity (declared last), the embargo known, both areas known."""
    states, areas = await known_states(suite)
    return ({"OAK", "UPP"} <= areas and all(states.get(each, {}).get("capacity") for each in provider_ids)
            and bool(states[embargoed]["embargoes"]))


async def test_the_cascade_scenario_through_the_gateway(suite: Suite) -> None:
    council = Council(suite, await suite.staff("commissioner"))
    for code in ("OAK", "UPP"):
        await council.post("areas", {"code": code, "name": code.title(), "rural": code == "UPP",
                                     "framework_offer_mode": "ranked"})
    primary = await council.provider("Primary Care", tier="primary", cap="20.00")
    embargoed = await council.provider("Embargoed Care", tier="framework", rating="outstanding")
    await council.embargo(embargoed)
    inadequate = await council.provider("Inadequate Care", tier="framework", rating="inadequate")
    unskilled = await council.provider("Unskilled Care", tier="framework", skills=(), rating="outstanding")
    elsewhere = await council.provider("Uppingham Care", tier="framework", area="UPP", rating="outstanding")
    framework = await council.provider("Framework Care", tier="framework")
    spot = await council.provider("Spot Care", tier="second_tier")
    everyone = [primary, embargoed, inadequate, unskilled, elsewhere, framework, spot]
    await eventually(lambda: read_model_has(suite, everyone, embargoed), timeout=30)
    broker = await suite.staff("broker")

    first = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=broker)
    assert first.status_code == 201, first.text
    [offer] = await open_offers(suite, primary)
    assert (await answer(suite, primary, offer["id"], "accept", {"start_on": None})).status_code == 200

    second = (await suite.http.post("/api/v1/referrals", json=referral_body(), headers=broker)).json()
    history = second["history"]
    assert events_of(history, primary) == [("skipped", "cap_exceeded")]
    assert events_of(history, embargoed) == [("skipped", "embargoed")]
    # the registry may embargo an Inadequate provider by itself; either way it is never offered
    assert events_of(history, inadequate) in ([("skipped", "inadequate_rating")], [("skipped", "embargoed")])
    assert events_of(history, unskilled) == [("skipped", "missing_skill")]
    assert events_of(history, elsewhere) == []
    [offer] = await open_offers(suite, framework)
    await answer(suite, framework, offer["id"], "decline", {"reason": "no_capacity", "detail": ""})
    [offer] = await open_offers(suite, spot)
    await answer(suite, spot, offer["id"], "decline", {"reason": "travel", "detail": ""})
    assert (await referral(suite, broker, second["id"]))["status"] == "unsourced"

    await council.capacity(framework, "45.00")

    async def offered_again() -> bool:
        return [each["referral_id"] for each in await open_offers(suite, framework)] == [second["id"]]

    await eventually(offered_again, timeout=30)
    assert (await referral(suite, broker, second["id"]))["status"] == "sourcing"
