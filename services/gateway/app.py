"""The gateway: `uvicorn services.gateway.app:create_app --factory` (services reached over HTTP)."""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.gateway import openapi, proxy, sandbox
from services.gateway.admin.router import router as admin_router
from services.gateway.admin.service import set_admin_password
from services.gateway.auth.oidc import IdentityProvider
from services.gateway.auth.router import router as auth_router
from services.gateway.auth.throttle import SignInThrottle, ThrottlePolicy
from services.gateway.consumers import build_handlers
from services.gateway.directory.router import router as directory_router
from services.gateway.hardening import BodyLimitMiddleware, SecurityHeadersMiddleware
from services.gateway.models import INFRA
from services.gateway.people.router import router as people_router
from services.gateway.ratelimit import RateLimiter, RateLimitHeadersMiddleware, shared_storage
from services.gateway.settings import GatewaySettings
from services.gateway.webclient.router import mount_web_client
from shared.app import ServiceSpec, create_service_app
from shared.events.transport import Transport

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


async def _upstream_ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/health/ready")).status_code == 200
    except httpx.TransportError:
        return False


async def _not_configured() -> bool:
    return False


def upstream_readiness(upstreams: Mapping[str, httpx.AsyncClient]) -> dict[str, Callable[[], Awaitable[bool]]]:
    """A readiness check per service of the API: ready when it answers ready, never when the gateway was
    given no address for it (its calls would all answer 503)."""
    return {f"service:{name}": partial(_upstream_ready, upstreams[name]) if name in upstreams else _not_configured
            for name in proxy.SERVICES}


def _gateway_lifespan(
    settings: GatewaySettings, embedded_apps: Mapping[str, FastAPI] | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.admin_password:
            async with app.state.db.sessionmaker() as session, session.begin():
                await set_admin_password(session, password=settings.admin_password)
        upstreams = proxy.upstream_clients(
            embedded_apps=embedded_apps,
            urls={service: settings.upstream_url(service) for service in proxy.SERVICES},
            timeout=settings.upstream_timeout_seconds,
        )
        app.state.upstreams = upstreams
        app.state.extra_readiness = upstream_readiness(upstreams)
        identity_http = httpx.AsyncClient(timeout=settings.upstream_timeout_seconds)
        app.state.identity_provider = IdentityProvider(settings, identity_http) if settings.oidc_configured else None
        try:
            yield
        finally:
            await identity_http.aclose()
            for client in upstreams.values():
                await client.aclose()

    return lifespan


def create_app(
    settings: GatewaySettings | None = None,
    *,
    transport: Transport | None = None,
    embedded_apps: Mapping[str, FastAPI] | None = None,
) -> FastAPI:
    """`embedded_apps` reaches services in process; otherwise `GATEWAY_<SERVICE>_URL` names them."""
    settings = settings or GatewaySettings()
    spec = ServiceSpec(
        name="gateway",
        title="Home care commissioning and brokerage suite",
        settings=settings,
        infra=INFRA,
        routers=[auth_router, admin_router, directory_router, openapi.router, sandbox.router,
                 people_router, proxy.router],
        handlers=build_handlers(),
        extra_lifespan=_gateway_lifespan(settings, embedded_apps),
        openapi_url=None,
    )
    app = create_service_app(spec, transport=transport)
    mount_web_client(app)
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(
        per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst,
        storage=shared_storage(settings.redis_url, key_prefix=settings.rate_limit_key_prefix)
        if settings.redis_url else None,
    )
    app.state.sign_in_throttle = SignInThrottle(ThrottlePolicy(
        account_failures=settings.sign_in_failures, address_failures=settings.sign_in_address_failures,
        window_seconds=settings.sign_in_window_seconds, lockout_seconds=settings.sign_in_lockout_seconds))
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
