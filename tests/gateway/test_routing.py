"""Routing through the gateway, request ids, rate limits, health, metrics and the OpenAPI document."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.gateway.app import create_app as create_gateway
from services.gateway.app import upstream_readiness
from services.gateway.proxy import ROUTES
from services.gateway.ratelimit import RateLimiter, shared_storage
from tests.harness import Backend, Suite, eventually, patched_environment, running_suite
from tests.infra import REDIS_URL


async def test_every_response_carries_a_request_id_and_echoes_the_callers(suite: Suite) -> None:
    fresh = await suite.http.get("/health/live")
    assert len(fresh.headers["x-request-id"]) >= 16
    echoed = await suite.http.get("/health/live", headers={"X-Request-ID": "ledger-run-42"})
    assert echoed.headers["x-request-id"] == "ledger-run-42"
    unsafe = await suite.http.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_the_request_id_travels_to_the_owning_service(suite: Suite) -> None:
    answer = await suite.http.get("/api/v1/referrals/unknown", headers={
        **await suite.staff("broker"), "X-Request-ID": "trace-me-1"})
    assert answer.headers["x-request-id"] == "trace-me-1"
    metrics = await suite.app.state.upstreams["brokerage"].get("/metrics")
    assert 'service="brokerage"' in metrics.text
    assert "/api/v1" in metrics.text or "unmatched" in metrics.text


@pytest.mark.parametrize(("path", "service"), sorted(ROUTES.items()))
def test_each_public_path_has_one_owning_service(path: str, service: str) -> None:
    assert service in {"brokerage", "providers", "packages", "quality"}


async def test_an_unknown_api_path_is_a_404_problem(suite: Suite) -> None:
    answer = await suite.http.get("/api/v1/nowhere", headers=await suite.staff("broker"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_body_that_is_not_json_is_refused_as_the_bodys_fault_saying_where(suite: Suite) -> None:
    answer = await suite.http.post("/api/v1/referrals", content=b'{"client_ref": 12,', headers={
        **await suite.staff("broker"), "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    [error] = answer.json()["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("The body is not valid JSON: ")
    assert error["message"].endswith(" at character 18")


@pytest.mark.parametrize("path", [
    "/api/v1/providers/%16V", "/api/v1/areas/c%0D%C3%84jx", "/api/v1/invoices/%C3%92%C2%8F%13%22/acknowledge",
    "/api/v1/referrals/%FF%FE", "/api/v1/offers/a%20b%00",
])
async def test_a_path_with_control_characters_or_bytes_not_utf8_is_refused_never_a_server_error(
        suite: Suite, path: str) -> None:
    """Found by a fuzzer: the gateway answered 500 when it could not forward such a path."""
    headers = await suite.staff("finance", "commissioner", "broker")
    for method in ("GET", "POST"):
        answer = await suite.http.request(method, path, headers=headers)
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


def _refused_or_answered(answer: httpx.Response) -> bool:
    """Anything but a server error, and a refusal as problem+json."""
    if answer.status_code >= 500:
        return False
    return answer.status_code < 400 or answer.headers["content-type"].startswith("application/problem+json")


async def test_a_forwarded_header_that_is_not_ascii_is_refused_never_a_server_error(suite: Suite) -> None:
    """Found by probing beside the fuzzer: a header that is not ASCII (Latin-1 bytes, not UTF-8) made the
    gateway answer 500 when it could not encode it for the service. Those it forwards are refused (400, or
    422 where the idempotency layer reads the key first)."""
    broker = await suite.staff("broker")
    for header in ("If-Match", "Idempotency-Key", "Content-Type", "Accept", "X-Request-ID"):
        for method, path in (("GET", "/api/v1/referrals"), ("POST", "/api/v1/referrals"),
                             ("PATCH", "/api/v1/referrals/00000000-0000-0000-0000-000000000000")):
            answer = await suite.http.request(method, path, headers={**broker, header: b"\xc3(\xff"}, content=b"{}")
            assert _refused_or_answered(answer), (method, path, header, answer.status_code, answer.text)
            if header != "X-Request-ID":  # the gateway's own header, not forwarded as it came
                assert 400 <= answer.status_code < 500, (method, path, header, answer.status_code)
    answer = await suite.http.get("/api/v1/referrals", headers={**broker, "Accept": b"\xc3(\xff"})
    assert (answer.status_code, answer.json()["type"].rsplit("/", 1)[1]) == (400, "header-not-ascii")


async def test_a_query_string_with_odd_bytes_is_refused_or_ignored_never_a_server_error(suite: Suite) -> None:
    headers = await suite.staff("broker", "finance")
    for query in ("status=%FF%FE&limit=%00", "%FF=%FE", "limit=1%0D%0A", "offset=%F0%9F%92%A9",
                  "limit=99999999999999999999999"):
        for path in ("/api/v1/referrals", "/api/v1/invoices", "/api/v1/providers"):
            answer = await suite.http.get(f"{path}?{query}", headers=headers)
            assert _refused_or_answered(answer), (path, query, answer.status_code, answer.text)


async def test_proxied_paths_need_a_token(suite: Suite) -> None:
    answer = await suite.http.get("/api/v1/referrals")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_readiness_checks_database_broker_and_services(suite: Suite) -> None:
    async def ready() -> httpx.Response | None:
        answer = await suite.http.get("/health/ready")
        return answer if answer.status_code == 200 else None

    answer = await eventually(ready, timeout=30)  # RabbitMQ connects in the background
    checks = answer.json()["checks"]
    assert checks["database"] is True
    assert checks["broker"] is True
    assert {"service:brokerage", "service:providers", "service:packages", "service:quality"} <= set(checks)


async def test_metrics_are_prometheus_text(suite: Suite) -> None:
    await suite.http.get("/health/live")
    answer = await suite.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "http_requests_total" in answer.text


async def test_the_openapi_document_covers_the_gateway_and_every_service(suite: Suite) -> None:
    answer = await suite.http.get("/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert "/api/v1/auth/token" in document["paths"]
    assert "/api/v1/admin/clients" in document["paths"]


async def test_a_client_over_its_rate_limit_gets_429_with_retry_after(embedded_backend: Backend) -> None:
    async with running_suite(embedded_backend, GATEWAY_RATE_LIMIT_PER_MINUTE="5",
                             GATEWAY_RATE_LIMIT_BURST="5") as suite:
        broker = await suite.staff("broker")
        codes = [(await suite.http.get("/api/v1/referrals", headers=broker)).status_code for _ in range(8)]
        assert 429 in codes
        limited = await suite.http.get("/api/v1/referrals", headers=broker)
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert int(limited.headers["retry-after"]) >= 1
        assert (limited.headers["ratelimit-limit"], limited.headers["ratelimit-remaining"]) == ("5", "0")
        assert 1 <= int(limited.headers["ratelimit-reset"]) <= 60
        fresh = await suite.http.post("/api/v1/auth/token", data={"grant_type": "implicit"})
        assert (fresh.status_code, fresh.headers["ratelimit-limit"]) == (400, "5")
        assert int(fresh.headers["ratelimit-remaining"]) < 5


# The limits below give windows of a minute or more: the sliding window counter weighs the previous
# window's hits, so a test whose hits straddle a window's edge on a slow machine would see room it did not
# expect.
async def test_a_client_over_its_window_is_refused_and_another_client_is_not() -> None:
    limiter = RateLimiter(per_minute=2, burst=2)
    assert [(await limiter.take("a")).retry_after for _ in range(2)] == [0, 0]
    assert 1 <= (await limiter.take("a")).retry_after <= 60
    assert (await limiter.take("b")).retry_after == 0


async def test_the_standing_counts_down_and_says_when_there_is_room_again() -> None:
    limiter = RateLimiter(per_minute=3, burst=3)
    standings = [await limiter.take("a") for _ in range(4)]
    assert [(s.limit, s.remaining) for s in standings] == [(3, 2), (3, 1), (3, 0), (3, 0)]
    assert 1 <= standings[-1].reset_seconds <= 60
    assert dict(standings[0].headers())[b"ratelimit-policy"] == b"3;w=60"


async def test_gateway_replicas_sharing_redis_draw_on_one_budget() -> None:
    settings = {"GATEWAY_REDIS_URL": REDIS_URL, "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "GATEWAY_RATE_LIMIT_PER_MINUTE": "4", "GATEWAY_RATE_LIMIT_BURST": "4"}
    with patched_environment(settings):
            limiters: list[RateLimiter] = [create_gateway().state.rate_limiter for _ in range(2)]
    standings = [await limiters[n % 2].take("sub:shared-client") for n in range(6)]
    assert [s.retry_after == 0 for s in standings] == [True, True, True, True, False, False]
    assert [s.remaining for s in standings] == [3, 2, 1, 0, 0, 0]


async def test_with_redis_unreachable_a_replica_counts_in_its_own_memory() -> None:
    limiter = RateLimiter(per_minute=2, burst=2, storage=shared_storage("redis://127.0.0.1:1/0", key_prefix="none"))
    standings = [await limiter.take("a") for _ in range(3)]
    assert [(s.remaining, s.retry_after == 0) for s in standings] == [(1, True), (0, True), (0, False)]


async def test_a_service_the_gateway_has_no_address_for_makes_it_not_ready() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as unreachable:
        checks = upstream_readiness({"brokerage": unreachable})
        assert set(checks) == {"service:brokerage", "service:providers", "service:packages", "service:quality"}
        assert [await checks[f"service:{name}"]() for name in ("brokerage", "packages")] == [False, False]
