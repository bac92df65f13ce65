"""What every answer carries and every request is held to at the gateway: security headers (HSTS over TLS),
API answers never cached, no CORS for other sites, and a bounded body refused with 413 problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.harness import Backend, Suite, running_suite


async def test_every_answer_carries_the_security_headers_and_api_answers_are_not_cached(suite: Suite) -> None:
    broker = await suite.staff("broker")
    for path, headers in (("/api/v1/referrals", broker), ("/api/v1/referrals", {}), ("/health/live", {}),
                          ("/app/", {})):
        answer = await suite.http.get(path, headers=headers)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert "camera=()" in answer.headers["permissions-policy"], path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "strict-transport-security" not in answer.headers, path
    assert (await suite.http.get("/api/v1/referrals", headers=broker)).headers["cache-control"] == "no-store"


async def test_over_tls_answers_ask_browsers_to_keep_to_tls(suite: Suite) -> None:
    transport = httpx.ASGITransport(app=suite.app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="https://suite") as https:
        answer = await https.get("/health/live")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_other_sites_get_no_cors_permission(suite: Suite) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    answer = await suite.http.get("/api/v1/referrals", headers={**await suite.staff("broker"), **origin})
    assert "access-control-allow-origin" not in answer.headers
    preflight = await suite.http.options("/api/v1/referrals", headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code < 500
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_body_over_the_limit_is_refused_before_it_is_read(embedded_backend: Backend) -> None:
    async with running_suite(embedded_backend, GATEWAY_MAX_BODY_BYTES="2000") as suite:
        broker = await suite.staff("broker")
        large = b'{"client_ref": "' + b"x" * 3000 + b'"}'
        declared = await suite.http.post("/api/v1/referrals", content=large,
                                         headers={**broker, "Content-Type": "application/json"})
        assert declared.status_code == 413
        assert declared.headers["content-type"].startswith("application/problem+json")
        assert declared.headers["x-request-id"]

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(large), 500):
                yield large[start:start + 500]

        streamed = await suite.http.post("/api/v1/referrals", content=chunks(),
                                         headers={**broker, "Content-Type": "application/json"})
        assert streamed.status_code == 413
        small = await suite.http.post("/api/v1/referrals", json={"client_ref": "C-1"}, headers=broker)
        assert small.status_code == 422
        assert (await suite.http.get("/api/v1/referrals", headers=broker)).json()["items"] == []
