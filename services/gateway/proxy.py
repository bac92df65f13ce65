"""Routing `/api/v1/*` to the service that owns it.

Embedded, each service app is reached in process (httpx over ASGI); apart, over HTTP with one pooled
client per service. The gateway checks a presented token and that its account is still active, applies
the rate limit, and forwards the request id; the services still check the token themselves.
"""

from collections.abc import Mapping
from urllib.parse import quote, quote_from_bytes

import httpx
from fastapi import APIRouter, FastAPI, Request, Response

from services.gateway.auth.service import ensure_still_active
from services.gateway.ratelimit import RateLimited
from shared.db import Database
from shared.errors import NotFound, ServiceUnavailable, SuiteError, Unauthorized
from shared.observability import request_id_var

ROUTES: Mapping[str, str] = {
    "areas": "providers",
    "providers": "providers",
    "referrals": "brokerage",
    "offers": "brokerage",
    "webhooks": "brokerage",
    "packages": "packages",
    "quotes": "packages",
    "rate-cards": "packages",
    "financial-assessments": "packages",
    "visits": "packages",
    "invoice-runs": "packages",
    "invoices": "packages",
    "remittances": "packages",
    "reconciliation": "packages",
    "concerns": "quality",
    "monitoring-visits": "quality",
    "feedback": "quality",
    "risk-matrix": "quality",
    "action-plans": "quality",
    "dashboard": "quality",
}
SERVICES = ("brokerage", "providers", "packages", "quality")
FORWARDED_REQUEST_HEADERS = ("authorization", "content-type", "accept", "idempotency-key", "if-match")
DROPPED_RESPONSE_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive", "x-request-id"}


class GatewayTimeout(SuiteError):
    status = 504
    problem_type = "upstream-timeout"
    title = "The service did not answer in time"


class UpstreamClient(httpx.AsyncClient):
    """A pooled client for one service. Its own calls (readiness, the OpenAPI document, subject access)
    go through the client as usual; `forward` sends a proxied request straight down the same transport,
    without the client's cookie jar, redirects and default headers: a proxy wants none of them (a cookie
    one caller's answer set must never reach another caller), and they cost work on every request. Both
    go to the service directly, never through a proxy named in the environment (`HTTP_PROXY`)."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport, base_url: str, timeout: float) -> None:
        super().__init__(transport=transport, base_url=base_url, timeout=timeout, trust_env=False)
        self._forwarding = transport
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._base_path = self.base_url.raw_path.rstrip(b"/")

    async def forward(self, method: str, raw_path: bytes, *, headers: list[tuple[bytes, bytes]],
                      content: bytes) -> httpx.Response:
        """`raw_path` (path and query, already percent-encoded) under the service's address; the answer read
        whole and the connection back in the pool."""
        url = self.base_url.copy_with(raw_path=self._base_path + raw_path)
        request = httpx.Request(method, url, headers=headers, content=content, extensions={"timeout": self._timeouts})
        response = await self._forwarding.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response


def upstream_clients(
    *, embedded_apps: Mapping[str, FastAPI] | None, urls: Mapping[str, str | None], timeout: float
) -> dict[str, UpstreamClient]:
    clients: dict[str, UpstreamClient] = {}
    for service in SERVICES:
        if embedded_apps is not None and service in embedded_apps:
            clients[service] = UpstreamClient(transport=httpx.ASGITransport(app=embedded_apps[service]),
                                              base_url=f"http://{service}", timeout=timeout)
        elif (url := urls.get(service)) is not None:
            pooled = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
            clients[service] = UpstreamClient(transport=pooled, base_url=url, timeout=timeout)
    return clients


def owning_service(path: str) -> str:
    service = ROUTES.get(path.split("/", 1)[0])
    if service is None:
        raise NotFound(f"No API at /api/v1/{path}.")
    return service


async def _check_presented_token(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.")
    principal = request.app.state.token_verifier.verify(token)
    database: Database = request.app.state.db
    async with database.engine.connect() as connection:
        if database.is_postgres:  # one SELECT is atomic alone: no BEGIN and ROLLBACK round trips around it
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        await ensure_still_active(connection, principal)


router = APIRouter()
# What may stand in a path as it is (RFC 3986's pchar and "/"); every other byte is sent percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"


def _forwarded_path(request: Request) -> str:
    """The path exactly as the caller sent it, percent-encoded where it must be, so a control character or
    a byte that is not UTF-8 reaches the service (which answers 404 or 422) instead of breaking the URL."""
    raw: bytes | None = request.scope.get("raw_path")
    if raw is None:
        return quote(request.url.path, safe=_PATH_SAFE)
    return quote_from_bytes(raw, safe=_PATH_SAFE)


def _forwarded_query(request: Request) -> bytes:
    """`?` and the query string as the caller sent it, percent-encoded where it must be (as the path)."""
    query: bytes = request.scope.get("query_string", b"")
    return b"?" + quote_from_bytes(query, safe=_QUERY_SAFE).encode() if query else b""


def _forwarded_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """The headers the service needs, as the bytes the caller sent: a value that is not ASCII (a header
    is Latin-1 on the wire) reaches the service, which refuses it, instead of failing to be encoded here."""
    headers = [(name, value) for name, value in request.headers.raw
               if name.decode("latin-1").lower() in FORWARDED_REQUEST_HEADERS]
    headers.append((b"x-request-id", (request_id_var.get() or "").encode()))
    if request.client:
        headers.append((b"x-forwarded-for", request.client.host.encode()))
    return headers


@router.api_route("/api/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False, dependencies=[RateLimited])
async def forward(request: Request, path: str) -> Response:
    upstream: UpstreamClient | None = request.app.state.upstreams.get(owning_service(path))
    if upstream is None:
        raise ServiceUnavailable("That service is not configured at this gateway.")
    await _check_presented_token(request)
    target = _forwarded_path(request).encode() + _forwarded_query(request)
    try:
        answer = await upstream.forward(request.method, target, headers=_forwarded_headers(request),
                                        content=await request.body())
    except httpx.TimeoutException:
        raise GatewayTimeout() from None
    except httpx.TransportError:
        raise ServiceUnavailable("The service cannot be reached.") from None
    response_headers = {k: v for k, v in answer.headers.items() if k.lower() not in DROPPED_RESPONSE_HEADERS}
    return Response(content=answer.content, status_code=answer.status_code, headers=response_headers)
