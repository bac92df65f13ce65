"""Real PostgreSQL, RabbitMQ and Redis for the tests: a fresh database and a fresh virtual host per run.

Nothing here skips: when a server is down the tests fail and say so (`.ci/run` starts them).
"""

from __future__ import annotations

import os
import subprocess
import uuid

import asyncpg

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1:5672")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unique_database_url() -> str:
    """The SQLAlchemy URL of a database no test uses yet (not made)."""
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/suite_test_{uuid.uuid4().hex[:10]}"


async def create_database() -> str:
    """Creates an empty database; returns its SQLAlchemy URL."""
    url = unique_database_url()
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url


async def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def create_vhost() -> str:
    """A virtual host of our own keeps each run's exchanges and queues apart; returns the AMQP URL."""
    vhost = "suite_test_" + uuid.uuid4().hex[:10]
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return f"amqp://guest:guest@{RABBIT_HOST}/{vhost}"


def delete_vhost(url: str) -> None:
    rabbitmqctl("delete_vhost", url.rsplit("/", 1)[1])

