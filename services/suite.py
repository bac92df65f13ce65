"""The whole suite in one process (the embedded default of `make run`).

Every service keeps its own database (a SQLite file each under DATA_DIR unless DATABASE_URL is set)
and its own outbox and inbox; they share one event transport: the local broker (DATA_DIR/events.db), or RabbitMQ when
BROKER_URL is set. The gateway reaches the services in process.

    uvicorn services.suite:create_suite_app --factory
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from services.catalog import BACKEND_SERVICES, CATALOG
from services.demo import demo_loaded_in_background
from services.gateway.settings import GatewaySettings
from shared.app import ServiceSpec
from shared.clock import Clock, default_clock
from shared.events.runtime import create_transport
from shared.events.transport import Transport


def create_suite_app(clock: Clock | None = None) -> FastAPI:
    """The gateway, with every service in process; `state.service_apps` names them for the tests. The
    services run on `clock` (the system's by default, a sandbox's when `SUITE_SANDBOX=1`); the gateway
    always keeps the system's, since the tokens it signs are checked against real time."""
    transport = create_transport(GatewaySettings())
    clock = clock or default_clock()  # one clock for every service in the process, a sandbox's too
    service_apps = {name: CATALOG[name].create_app(transport=transport, clock=clock) for name in BACKEND_SERVICES}
    gateway = CATALOG["gateway"].create_app(transport=transport, embedded_apps=service_apps)
    gateway.state.service_apps = service_apps
    gateway_lifespan = gateway.router.lifespan_context
    every_app = [*service_apps.values(), gateway]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await transport.start()
        await declare_queues(transport, [each.state.spec for each in every_app])
        async with AsyncExitStack() as stack:
            for service_app in service_apps.values():
                await stack.enter_async_context(service_app.router.lifespan_context(service_app))
            await stack.enter_async_context(gateway_lifespan(app))
            await stack.enter_async_context(demo_loaded_in_background(app))
            yield
        await transport.close()

    gateway.router.lifespan_context = lifespan
    return gateway


async def declare_queues(transport: Transport, specs: list[ServiceSpec]) -> None:
    """Binds every consumer's queue before any relay publishes, so no event finds no queue."""
    for spec in specs:
        event_types = spec.handlers.event_types()
        if event_types:
            await transport.declare(f"{spec.name}.events", event_types)
