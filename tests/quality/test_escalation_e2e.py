"""issue 6's scenario end to end through the gateway, over events (embedded, then RabbitMQ): four
high-severity concerns turn a provider red, the registry shows a council embargo on all new work, and a
new referral in its area is not offered to it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.brokerage.test_cascade_e2e import known_states
from tests.harness import Suite, eventually
from tests.quality.support import risk_row


class Council:
    """Staff of the council working through the public API."""

    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    async def send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.suite.http.request(method, f"/api/v1/{path}", json=body, headers=self.headers)
        assert answer.status_code in (200, 201), answer.text
        result: dict[str, Any] = answer.json()
        return result

    async def provider(self, name: str, *, tier: str) -> str:
        provider_id: str = (await self.send("POST", "providers", {
            "name": name, "skills": ["dementia"], "client_groups": ["older_people"]}))["id"]
        await self.send("PUT", f"providers/{provider_id}/contracts", {"contracts": [{
            "area": "OAK", "tier": tier, "weekly_hours_cap": "40.00", "block_hours": None,
            "starts_on": "2026-01-01", "ends_on": None}]})
        await self.send("POST", f"providers/{provider_id}/ratings", {
            "regulator": "cqc", "overall": "good", "published_on": "2026-03-01"})
        await self.send("PUT", f"providers/{provider_id}/capacity",
                        {"areas": [{"area": "OAK", "weekly_hours": "60.00"}]})
        return provider_id


def referral_body() -> dict[str, Any]:
    return {"client_ref": "C-777", "area": "OAK", "client_group": "older_people", "needs": ["dementia"],
            "urgency": "hospital_discharge", "start_on": (date.today() + timedelta(days=3)).isoformat(),
            "visits": [{"day": "mon", "start": "08:00", "minutes": 60, "carers": 1}],
            "short_visit_justification": None, "funding": {"health_share_percent": 0}}


async def test_four_high_concerns_embargo_the_provider_and_brokerage_stops_offering_to_it(suite: Suite) -> None:
    council = Council(suite, await suite.staff("commissioner"))
    await council.send("POST", "areas", {"code": "OAK", "name": "Oakham", "rural": False,
                                         "framework_offer_mode": "ranked"})
    failing = await council.provider("Failing Care", tier="primary")
    other = await council.provider("Other Care", tier="framework")
    officer = await suite.staff("quality_officer")
    await eventually(lambda: risk_row(suite, officer, failing), timeout=30)

    for number in range(4):
        answer = await suite.http.post("/api/v1/concerns", headers=officer, json={
            "provider_id": failing, "kind": "safeguarding" if number == 0 else "complaint", "severity": "high",
            "summary": "Serious failings in care"})
        assert answer.status_code == 201, answer.text
    row = await risk_row(suite, officer, failing)
    assert row is not None
    assert (row["rag"], row["escalated"]) == ("red", True)

    async def council_embargo() -> list[dict[str, Any]]:
        provider = (await suite.http.get(f"/api/v1/providers/{failing}", headers=council.headers)).json()
        return [each for each in provider["embargoes"] if each["imposed_by"] == "council" and each["scope"] == "all"]

    [embargo] = await eventually(council_embargo, timeout=30)
    assert embargo["escalation_id"] == row["escalation_id"]

    async def brokerage_knows() -> bool:
        states, _areas = await known_states(suite)
        return bool(states.get(failing, {}).get("embargoes")) and bool(states.get(other, {}).get("capacity"))

    await eventually(brokerage_knows, timeout=30)
    broker = await suite.staff("broker")
    created = await suite.http.post("/api/v1/referrals", json=referral_body(), headers=broker)
    assert created.status_code == 201, created.text
    history = created.json()["history"]
    [(event, detail)] = [(step["event"], step["detail"]) for step in history if step["provider_id"] == failing]
    assert (event, detail.split(":")[0]) == ("skipped", "embargoed")
    assert ("offered", other) in [(step["event"], step["provider_id"]) for step in history]
