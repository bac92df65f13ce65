"""The OpenAPI document integrators generate clients from: valid OpenAPI 3.1, every error described as the
problem+json it is, OAuth2's flows, the gateway's headers, the webhooks; and the answers of a provider's
and the council's day, good and bad, each conforming to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from openapi_spec_validator import validate

from shared.contracts.common import Tier
from tests.brokerage.conftest import brokerage_database, market_of, referral_body
from tests.conformance import Conformance
from tests.harness import Suite, eventually


async def _document(suite: Suite) -> dict[str, Any]:
    answer = await suite.http.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


async def test_the_document_is_valid_openapi_and_describes_what_the_gateway_adds(suite: Suite) -> None:
    document = await _document(suite)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://suite", "description": "This deployment"}]
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert set(flows) == {"clientCredentials", "password"}
    assert "provider" in flows["clientCredentials"]["scopes"]
    assert set(document["webhooks"]) == {"offer.made", "webhook.test"}
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items()]
    assert len(operations) > 80
    for path, method, operation in operations:
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (path, method, status)
        gateways_own = not path.startswith("/api/v1/") or path.startswith(("/api/v1/admin", "/api/v1/users",
                                                                            "/api/v1/sandbox", "/api/v1/auth/oidc"))
        assert gateways_own or "429" in operation["responses"], (path, method)
        if "security" in operation:
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
    accept = document["paths"]["/api/v1/offers/{offer_id}/accept"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in accept["parameters"]
    assert set(accept["responses"]["200"]["headers"]) >= {"X-Request-ID", "RateLimit-Remaining"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_a_day_of_answers_conforms_to_the_document(suite: Suite) -> None:
    conformance = Conformance(await _document(suite))
    suite.http.event_hooks["response"].append(conformance.check)
    market = market_of(brokerage_database(suite.backend))
    try:
        await _a_day(suite, market)
    finally:
        await market.database.dispose()
    assert conformance.problems == []
    statuses = {status for _, _, status in conformance.checked}
    assert {200, 201, 204, 401, 403, 404, 409, 422} <= statuses
    assert len({(method, path) for method, path, _ in conformance.checked}) >= 25


async def _a_day(suite: Suite, market: Any) -> None:
    """Calls a provider's software and the council's staff make, with the mistakes they make too."""
    http = suite.http
    await market.area()
    primary, framework = await market.provider(Tier.PRIMARY), await market.provider(Tier.FRAMEWORK)
    broker, finance = await suite.staff("broker"), await suite.staff("finance")
    quality, commissioner = await suite.staff("quality_officer"), await suite.staff("commissioner")
    as_primary, as_framework = await suite.provider(primary), await suite.provider(framework)
    await http.get("/api/v1/referrals")
    await http.get("/api/v1/referrals", headers={"Authorization": "Bearer not.a.token"})
    await http.post("/api/v1/referrals", json={**referral_body(), "visits": []}, headers=broker)
    await http.post("/api/v1/referrals", json=referral_body(), headers=as_primary)
    placed = (await http.post("/api/v1/referrals", json=referral_body(), headers=broker)).json()
    declined = (await http.post("/api/v1/referrals", json=referral_body(client_ref="C-456"), headers=broker)).json()
    await http.get("/api/v1/referrals", params={"status": "sourcing"}, headers=broker)
    await http.get(f"/api/v1/referrals/{placed['id']}", headers=broker)
    await http.get("/api/v1/referrals/00000000-0000-0000-0000-000000000000", headers=broker)
    offers = (await http.get("/api/v1/offers", params={"status": "open"}, headers=as_primary)).json()["items"]
    by_referral = {offer["referral_id"]: offer["id"] for offer in offers}
    await http.get(f"/api/v1/offers/{by_referral[placed['id']]}", headers=as_framework)
    start = str(datetime.now(UTC).date() + timedelta(days=9))
    await http.post(f"/api/v1/offers/{by_referral[placed['id']]}/accept", json={"start_on": start},
                    headers=as_primary)
    await http.post(f"/api/v1/offers/{by_referral[placed['id']]}/accept", json={"start_on": None},
                    headers=as_primary)
    await http.post(f"/api/v1/offers/{by_referral[declined['id']]}/decline", json={"reason": "no_such_reason"},
                    headers=as_primary)
    await http.post(f"/api/v1/offers/{by_referral[declined['id']]}/decline", json={"reason": "no_capacity"},
                    headers=as_primary)
    await http.put("/api/v1/webhooks", json={"url": "https://rostering.example.org/offers"}, headers=as_primary)
    await http.get("/api/v1/webhooks", headers=as_primary)
    await http.delete("/api/v1/webhooks", headers=as_primary)
    await http.get("/api/v1/webhooks", headers=as_primary)

    async def package_commissioned() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await http.get("/api/v1/packages", headers=as_primary)).json()["items"]
        return items

    [package] = await eventually(package_commissioned)
    await http.get(f"/api/v1/packages/{package['id']}", headers=as_primary)
    visit = {"visit_id": "V-1", "package_id": package["id"], "date": start, "planned_start": "08:00",
             "actual_start": "08:05", "planned_minutes": 90, "actual_minutes": 90, "carers": 1, "outcome": "delivered"}
    await http.post("/api/v1/visits", json={"visits": [visit]}, headers=as_primary)
    await http.post("/api/v1/visits", json={"visits": [{**visit, "planned_minutes": -5}]}, headers=as_primary)
    await http.get("/api/v1/visits", headers=as_primary)
    await http.get("/api/v1/invoices", headers=as_primary)
    await http.get("/api/v1/invoices", headers=finance)
    await http.post("/api/v1/invoice-runs", json={"period_start": start, "period_end": start}, headers=finance)
    await http.get("/api/v1/providers", headers=commissioner)
    await http.get(f"/api/v1/providers/{primary}", headers=commissioner)
    await http.get("/api/v1/areas", headers=commissioner)
    await http.get("/api/v1/areas/NOPE", headers=commissioner)
    await http.get("/api/v1/concerns", headers=quality)
    await http.get("/api/v1/risk-matrix", headers=quality)
    await http.get("/api/v1/dashboard/summary", headers=broker)
    await http.get("/api/v1/users/me", headers=finance)
    retired = await suite.machine_client("finance")
    await http.delete(f"/api/v1/admin/clients/{retired['client_id']}", headers=await suite.as_admin())
    await http.post("/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "x"})
    await http.post("/api/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": "wrong"})


async def test_every_example_in_the_document_is_valid_for_its_schema(suite: Suite) -> None:
    document = await _document(suite)
    conformance = Conformance(document)
    examples = 0
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            for example in spec.get("examples", []):
                examples += 1
                conformance.validate_value(f"{name}.{field}", example,
                                           ("components", "schemas", name, "properties", field))
    assert examples > 100
    assert conformance.problems == []
