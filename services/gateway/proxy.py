"""Routing `/api/v1/*` to the service that owns it.

Embedded, each service app is reached in process (httpx over ASGI); apart, over HTTP with one pooled
client per service. The gateway checks a presented token and that its account is still active, applies
the rate limit, and forwards the request id; the services still check the token themselves.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import aiohttp
import httpx
import yarl
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.routing import Route

from services.gateway.auth.service import ensure_still_active
from services.gateway.ratelimit import enforce_rate_limit
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
DROPPED_RESPONSE_HEADERS = {b"content-length", b"transfer-encoding", b"connection", b"keep-alive", b"x-request-id"}
CONNECTIONS_PER_SERVICE = 200
IDLE_SECONDS = 4.0  # below uvicorn's keep-alive timeout (5 s), so the gateway gives up an idle connection first
AIOHTTP_DEFAULT_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")  # none the caller did not send


class GatewayTimeout(SuiteError):
    status = 504
    problem_type = "upstream-timeout"
    title = "The service did not answer in time"


class HeaderNotAscii(SuiteError):
    status = 400
    problem_type = "header-not-ascii"
    title = "A header is not ASCII"


@dataclass(frozen=True)
class Forwarded:
    """A service's answer to a forwarded request, read whole."""

    status_code: int
    headers: list[tuple[bytes, bytes]]  # as the service sent them
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class UpstreamClient(httpx.AsyncClient):
    """A client for one service. Its own calls (readiness, the OpenAPI document, subject access) go through
    the client as usual; `forward` sends a proxied request as it came, without a cookie jar, redirects or
    default headers: a proxy wants none of them (a cookie one caller's answer set must never reach another
    caller), and they cost work on every request. Both go to the service directly, never through a proxy
    named in the environment (`HTTP_PROXY`). This one reaches a service in process (ASGI); `HttpUpstream`
    one over the network."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport, base_url: str, timeout: float) -> None:
        super().__init__(transport=transport, base_url=base_url, timeout=timeout, trust_env=False)
        self._forwarding = transport
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._base_path = self.base_url.raw_path.rstrip(b"/")

    async def forward(self, method: str, raw_path: bytes, *, headers: list[tuple[bytes, bytes]],
                      content: bytes) -> Forwarded:
        """`raw_path` (path and query, already percent-encoded) under the service's address."""
        url = self.base_url.copy_with(raw_path=self._base_path + raw_path)
        request = httpx.Request(method, url, headers=headers, content=content, extensions={"timeout": self._timeouts})
        try:
            response = await self._forwarding.handle_async_request(request)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise GatewayTimeout() from None
        except httpx.TransportError:
            raise ServiceUnavailable("The service cannot be reached.") from None
        return Forwarded(response.status_code, response.headers.raw, body)


class HttpUpstream(UpstreamClient):
    """A service over the network. Forwarded requests go through aiohttp's pooled connections (its HTTP
    parser is compiled: per request it costs a fraction of httpx's)."""

    def __init__(self, *, base_url: str, timeout: float) -> None:
        pool = httpx.Limits(max_connections=CONNECTIONS_PER_SERVICE, keepalive_expiry=IDLE_SECONDS)
        super().__init__(transport=httpx.AsyncHTTPTransport(limits=pool), base_url=base_url, timeout=timeout)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONNECTIONS_PER_SERVICE, keepalive_timeout=IDLE_SECONDS),
            cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=timeout),
            auto_decompress=False, skip_auto_headers=AIOHTTP_DEFAULT_HEADERS, trust_env=False)
        self._origin = str(self.base_url.copy_with(raw_path=b"")).rstrip("/")

    async def forward(self, method: str, raw_path: bytes, *, headers: list[tuple[bytes, bytes]],
                      content: bytes) -> Forwarded:
        url = yarl.URL(self._origin + (self._base_path + raw_path).decode("ascii"), encoded=True)
        sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
        try:
            async with self._session.request(method, url, headers=sent, data=content or None,
                                             allow_redirects=False) as response:
                body = await response.read()
        except TimeoutError:
            raise GatewayTimeout() from None
        except aiohttp.ClientError:
            raise ServiceUnavailable("The service cannot be reached.") from None
        return Forwarded(response.status, list(response.raw_headers), body)

    async def aclose(self) -> None:
        await self._session.close()
        await super().aclose()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._session.close()
        await super().__aexit__(*exc_info)


def upstream_clients(
    *, embedded_apps: Mapping[str, FastAPI] | None, urls: Mapping[str, str | None], timeout: float
) -> dict[str, UpstreamClient]:
    clients: dict[str, UpstreamClient] = {}
    for service in SERVICES:
        if embedded_apps is not None and service in embedded_apps:
            clients[service] = UpstreamClient(transport=httpx.ASGITransport(app=embedded_apps[service]),
                                              base_url=f"http://{service}", timeout=timeout)
        elif (url := urls.get(service)) is not None:
            clients[service] = HttpUpstream(base_url=url, timeout=timeout)
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
    """The headers the service needs, as the caller sent them. Each is ASCII in any valid use (a token, a
    media type, a key, an ETag); a value that is not (a header is Latin-1 on the wire) is refused here, the
    same whether the service is reached in process or over the network."""
    headers = [(name, value) for name, value in request.headers.raw
               if name.decode("latin-1").lower() in FORWARDED_REQUEST_HEADERS]
    for name, value in headers:
        if not value.isascii():
            raise HeaderNotAscii(f"The {name.decode('latin-1')} header holds bytes that are not ASCII.")
    headers.append((b"x-request-id", (request_id_var.get() or "").encode()))
    if request.client:
        headers.append((b"x-forwarded-for", request.client.host.encode()))
    return headers


async def forward(request: Request) -> Response:
    """A plain Starlette endpoint: it takes nothing FastAPI would validate, and its dependency solving
    cost a tenth of the gateway's time per proxied request."""
    await enforce_rate_limit(request)
    upstream: UpstreamClient | None = request.app.state.upstreams.get(owning_service(request.path_params["path"]))
    if upstream is None:
        raise ServiceUnavailable("That service is not configured at this gateway.")
    await _check_presented_token(request)
    target = _forwarded_path(request).encode() + _forwarded_query(request)
    answer = await upstream.forward(request.method, target, headers=_forwarded_headers(request),
                                    content=await request.body())
    response = Response(content=answer.content, status_code=answer.status_code)
    response.raw_headers.extend((name.lower(), value) for name, value in answer.headers
                                if name.lower() not in DROPPED_RESPONSE_HEADERS)
    return response


router.routes.append(Route("/api/v1/{path:path}", forward, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           include_in_schema=False))
