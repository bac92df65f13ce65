"""Fixtures: both backends (embedded: SQLite + the local broker; PostgreSQL + RabbitMQ), migrated once
per run and emptied before each test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import infra
from tests.harness import Backend, Suite, delete_queues, empty_databases, migrate_backend, running_suite

pytest_plugins = ["tests.served", "tests.nodes"]

# The files that take longest (one to seven minutes each here) start first: spread over workers (make test),
# a file's tests run in one worker, and one of these started last would leave that worker running on alone.
LONGEST_FIRST = (
    "tests/gateway/test_fuzzing.py",
    "tests/test_bench.py",
    "tests/test_demo.py",
    "tests/test_distributed_faults.py",
    "tests/test_distributed.py",
    "tests/brokerage/test_offers.py",
    "tests/brokerage/test_cascade_domain.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order


@pytest.fixture(scope="session")
async def embedded_backend() -> AsyncIterator[Backend]:
    folder = Path(tempfile.mkdtemp(prefix="suite-embedded-"))
    backend = Backend(name="embedded", data_dir=folder)
    await migrate_backend(backend)
    yield backend
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def postgres_backend() -> AsyncIterator[Backend]:
    folder = Path(tempfile.mkdtemp(prefix="suite-postgres-"))
    database_url = await infra.create_database()
    broker_url = infra.create_vhost()
    backend = Backend(name="postgres", data_dir=folder, database_url=database_url, broker_url=broker_url)
    await migrate_backend(backend)
    yield backend
    await infra.drop_database(database_url)
    infra.delete_vhost(broker_url)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["embedded", "postgres"])
def chosen_backend(request: pytest.FixtureRequest) -> Backend:
    backend: Backend = request.getfixturevalue(f"{request.param}_backend")
    return backend


@pytest.fixture
async def backend(chosen_backend: Backend) -> AsyncIterator[Backend]:
    """Each test that uses it runs twice: embedded default, then PostgreSQL + RabbitMQ."""
    chosen = chosen_backend
    await empty_databases(chosen)
    yield chosen
    if chosen.broker_url:
        await delete_queues(chosen.broker_url)


@pytest.fixture
async def pg_backend(postgres_backend: Backend) -> AsyncIterator[Backend]:
    """PostgreSQL + RabbitMQ only (concurrency and broker fault tests)."""
    await empty_databases(postgres_backend)
    yield postgres_backend
    await delete_queues(postgres_backend.broker_url or "")


@pytest.fixture
async def suite(backend: Backend) -> AsyncIterator[Suite]:
    async with running_suite(backend) as running:
        yield running
