"""The app factory every service uses: database, events, auth, errors, request ids, health, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request

from shared import sandbox
from shared.auth import TokenVerifier
from shared.clock import Clock, SandboxClock, SystemClock
from shared.db import Database
from shared.errors import install_problem_handlers
from shared.events.consumer import EventHandlers
from shared.events.runtime import ServiceEvents, create_transport
from shared.events.transport import Transport
from shared.idempotency import IdempotencyMiddleware
from shared.infra import InfraTables
from shared.observability import (
    Metrics,
    ReadinessCheck,
    RequestIdMiddleware,
    configure_logging,
    health_router,
)
from shared.settings import ServiceSettings


@dataclass
class ServiceSpec:
    """What makes one service: its name, tables, routes and the events it handles."""

    name: str
    title: str
    settings: ServiceSettings
    infra: InfraTables
    routers: Sequence[APIRouter] = ()
    handlers: EventHandlers = field(default_factory=EventHandlers)
    description: str = ""
    extra_lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None
    openapi_url: str | None = "/openapi.json"
    clock: Clock = field(default_factory=SystemClock)
    """The one clock of the service's routes, workers and event handlers (`app.state.clock`)."""


def create_service_app(spec: ServiceSpec, *, transport: Transport | None = None) -> FastAPI:
    """Builds the ASGI app; clients and connections are made in the lifespan, never at import.

    A `transport` passed in is shared and owned by the caller (the embedded suite, tests); without
    one the service makes its own from its settings and closes it on shutdown.
    """
    configure_logging(spec.settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(
            spec.settings.resolved_database_url(),
            schema=spec.name,
            session_info=spec.infra.session_info(spec.name),
        )
        owned = transport is None
        bus = transport or create_transport(spec.settings)
        events = ServiceEvents(
            service=spec.name,
            database=database,
            tables=spec.infra.events,
            transport=bus,
            handlers=spec.handlers,
            poll_seconds=spec.settings.outbox_poll_seconds,
        )
        app.state.db, app.state.events, app.state.transport = database, events, bus
        app.state.token_verifier = TokenVerifier(
            public_key=spec.settings.resolved_jwt_public_key(),
            issuer=spec.settings.jwt_issuer,
            audience=spec.settings.jwt_audience,
        )
        if owned:
            await bus.start()
        await events.subscribe()
        events.start_relay()
        try:
            if spec.extra_lifespan is None:
                yield
            else:
                async with spec.extra_lifespan(app):
                    yield
        finally:
            await events.stop()
            if owned:
                await bus.close()
            await database.dispose()

    app = FastAPI(title=spec.title, description=spec.description, version="1.0.0", lifespan=lifespan,
                  openapi_url=spec.openapi_url)
    app.state.spec, app.state.clock = spec, spec.clock
    app.state.metrics = Metrics(spec.name)
    install_problem_handlers(app)
    app.state.metrics.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health_router(readiness_checks))
    if isinstance(spec.clock, SandboxClock):
        app.include_router(sandbox.router)
    for router in spec.routers:
        app.include_router(router)
    return app


def readiness_checks(request: Request) -> dict[str, ReadinessCheck]:
    state = request.app.state
    checks: dict[str, ReadinessCheck] = {"database": state.db.ping, "broker": state.transport.is_ready}
    checks.update(getattr(state, "extra_readiness", {}))
    return checks
