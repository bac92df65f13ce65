"""The whole suite in the test process: embedded default (SQLite, local broker) or PostgreSQL + RabbitMQ.

Databases are migrated once per run and emptied between tests; each test gets a fresh suite app
(its own transport connection, relays and consumers), reached through the gateway with httpx over ASGI.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from fastapi import FastAPI
from sqlalchemy import MetaData, event, text

from services.brokerage.models import Base as BrokerageBase
from services.catalog import CATALOG, migrate
from services.gateway.app import create_app as create_gateway_app
from services.gateway.models import Base as GatewayBase
from services.packages.models import Base as PackagesBase
from services.providers.models import Base as ProvidersBase
from services.quality.models import Base as QualityBase
from services.suite import create_suite_app
from shared.clock import Clock
from shared.db import Database
from shared.events.local import forget_everything
from shared.events.rabbitmq import RabbitTransport
from shared.events.transport import RetryPolicy

ADMIN_PASSWORD = "test-admin-password"
METADATA: Mapping[str, MetaData] = {
    "gateway": GatewayBase.metadata,
    "providers": ProvidersBase.metadata,
    "brokerage": BrokerageBase.metadata,
    "packages": PackagesBase.metadata,
    "quality": QualityBase.metadata,
}
FAST_EVENTS = {
    "OUTBOX_POLL_SECONDS": "0.05",
    "CONSUMER_RETRY_BASE_SECONDS": "0.05",
    "CONSUMER_MAX_ATTEMPTS": "3",
}


@dataclass
class Backend:
    """Where the suite keeps its data and sends its events in this test run."""

    name: str
    data_dir: Path
    database_url: str | None = None
    broker_url: str | None = None

    def environment(self) -> dict[str, str]:
        env = {"DATA_DIR": str(self.data_dir), "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEMO_DATA": "0"}
        for service in CATALOG:
            for key, value in FAST_EVENTS.items():
                env[f"{service.upper()}_{key}"] = value
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.broker_url:
            env["BROKER_URL"] = self.broker_url
        return env

    def database_url_of(self, service: str) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / (service + '.db')}"

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=3, base_delay_seconds=0.05)


@contextlib.contextmanager
def patched_environment(values: Mapping[str, str]) -> Iterator[None]:
    removed = {key for key in ("DATABASE_URL", "BROKER_URL") if key not in values}
    saved = {key: os.environ.get(key) for key in [*values, *removed]}
    os.environ.update(values)
    for key in removed:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def migrate_backend(backend: Backend) -> None:
    with patched_environment(backend.environment()):
        await asyncio.to_thread(migrate)


async def empty_databases(backend: Backend) -> None:
    await forget_everything(backend.data_dir / "events.db")
    for service, metadata in METADATA.items():
        database = Database(backend.database_url_of(service), schema=service)  # waits for a lock as services do
        try:
            async with database.engine.begin() as connection:
                if backend.database_url:
                    names = ", ".join(f'"{service}"."{table.name}"' for table in metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(metadata.sorted_tables):
                        await connection.execute(table.delete())
        finally:
            await database.dispose()


async def delete_queues(broker_url: str) -> None:
    """Drops every service's queues so no message outlives its test."""
    connection = await aio_pika.connect(broker_url)
    try:
        channel = await connection.channel()
        for service in CATALOG:
            queue = f"{service}.events"
            for name in (queue, queue + ".dead", *(f"{queue}.retry.{n}" for n in range(2, 11))):
                await channel.queue_delete(name)
    finally:
        await connection.close()


@dataclass
class GatewayClient:
    """An HTTP client to a suite's gateway, in process or in another (`tests/test_distributed.py`), that
    signs in as the bootstrap admin and makes the users and machine clients a test needs."""

    http: httpx.AsyncClient
    _tokens: dict[str, str] = field(default_factory=dict, kw_only=True)

    async def token(self, **form: str) -> str:
        answer = await self.http.post("/api/v1/auth/token", data=form)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    async def admin_token(self) -> str:
        if "admin" not in self._tokens:
            self._tokens["admin"] = await self.token(
                grant_type="password", username="admin", password=ADMIN_PASSWORD
            )
        return self._tokens["admin"]

    async def as_admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.admin_token()}"}

    async def staff(self, *roles: str) -> dict[str, str]:
        """Creates a staff user holding `roles` and returns its auth header."""
        username, password = f"user-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        answer = await self.http.post(
            "/api/v1/admin/users",
            json={"username": username, "password": password, "roles": list(roles)},
            headers=await self.as_admin(),
        )
        assert answer.status_code == 201, answer.text
        token = await self.token(grant_type="password", username=username, password=password)
        return {"Authorization": f"Bearer {token}"}

    async def machine_client(self, *roles: str, provider_id: str | None = None) -> dict[str, Any]:
        answer = await self.http.post(
            "/api/v1/admin/clients",
            json={"name": "test client", "roles": list(roles), "provider_id": provider_id},
            headers=await self.as_admin(),
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        token = await self.token(
            grant_type="client_credentials",
            client_id=created["client_id"],
            client_secret=created["client_secret"],
        )
        return {**created, "headers": {"Authorization": f"Bearer {token}"}}

    async def provider(self, provider_id: str) -> dict[str, str]:
        created = await self.machine_client("provider", provider_id=provider_id)
        headers: dict[str, str] = created["headers"]
        return headers


@dataclass
class Suite(GatewayClient):
    """A running suite (in process) and an HTTP client to its gateway."""

    backend: Backend
    app: FastAPI

    def database(self, service: str) -> Database:
        """The service's own database as the running suite uses it (its engine and pool)."""
        database: Database = self.app.state.service_apps[service].state.db
        return database


@contextlib.asynccontextmanager
async def running_suite(backend: Backend, *, clock: Clock | None = None, **overrides: str) -> AsyncIterator[Suite]:
    """The suite on `backend`, its services on `clock` (the system's by default), `overrides` in its env."""
    with patched_environment({**backend.environment(), **overrides}):
        app = create_suite_app(clock)
    async with _serving(app, backend) as suite:
        yield suite


@contextlib.asynccontextmanager
async def running_gateway(backend: Backend, **overrides: str) -> AsyncIterator[Suite]:
    """The gateway alone on `backend`, reaching the services over HTTP at the `GATEWAY_<SERVICE>_URL`s
    in `overrides` (a service not named answers 503)."""
    with patched_environment({**backend.environment(), **overrides}):
        app = create_gateway_app()
    async with _serving(app, backend) as suite:
        yield suite


@contextlib.asynccontextmanager
async def _serving(app: FastAPI, backend: Backend) -> AsyncIterator[Suite]:
    async with app.router.lifespan_context(app):
        if isinstance(app.state.transport, RabbitTransport):
            await app.state.transport.wait_connected(60)  # tests start once the queues are bound
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://suite") as http:
            yield Suite(backend=backend, app=app, http=http)


async def eventually(check: Any, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Polls `check` (sync or async) until it returns something truthy; fails after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


_COUNTED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("counted", default=None)


@contextlib.contextmanager
def service_statements(suite: Suite, service: str) -> Iterator[list[str]]:
    """The SQL `service` runs for the requests made inside the block. Its relay and consumers use the same
    engine from tasks started before the block, outside its context, so they are not counted."""
    engine = suite.database(service).engine.sync_engine
    statements: list[str] = []

    def count(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _COUNTED.get() is statements:
            statements.append(statement)

    token = _COUNTED.set(statements)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        _COUNTED.reset(token)
