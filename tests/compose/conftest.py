"""The suite started by docker-compose.yml with docker-compose.local.yml, for `make test-compose` (which starts
dockerd and builds the images first). Its secret files are made in a temporary folder (SUITE_CONFIG_DIR), never
in the checkout; the stack is always taken down, volumes and network included, even when a test fails."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.keys import generate_keypair
from tests.harness import ADMIN_PASSWORD
from tests.served import ROOT, free_port

PROJECT = "homecare-compose-test"
COMPOSE = ["docker-compose", "-p", PROJECT, "-f", "docker-compose.yml", "-f", "docker-compose.local.yml"]
READY_SECONDS = 300
UPSTREAM_TIMEOUT_SECONDS = 10
CONTAINER_UID = 10001  # deploy/Dockerfile's user `suite`


@dataclass(frozen=True)
class Stack:
    """A started stack: the gateway's address, and Compose run with the stack's settings."""

    base: str
    environment: dict[str, str]

    def compose(self, *args: str) -> str:
        done = subprocess.run([*COMPOSE, *args], cwd=ROOT, env=self.environment, capture_output=True, text=True)
        assert done.returncode == 0, f"docker-compose {' '.join(args)}: {done.stderr}"
        return done.stdout

    def disconnect(self, service: str) -> None:
        self._network("disconnect", service)

    def reconnect(self, service: str) -> None:
        """The container joins the network again under its service's name, as Compose first joined it (without
        the alias, the other containers could no longer find it by that name)."""
        self._network("connect", service, "--alias", service)

    def _network(self, action: str, service: str, *flags: str) -> None:
        container = self.compose("ps", "-q", service).strip()
        subprocess.run(["docker", "network", action, *flags, f"{PROJECT}_default", container], check=True)


def _write_settings(folder: Path) -> None:
    """What a deployer copies from deploy/*.env.example and fills in, and the gateway's key pair."""
    postgres_password, rabbitmq_password = secrets.token_hex(16), secrets.token_hex(16)
    (folder / "backing.env").write_text(
        f"POSTGRES_PASSWORD={postgres_password}\nRABBITMQ_DEFAULT_PASS={rabbitmq_password}\n")
    (folder / "suite.env").write_text(
        f"DATABASE_URL=postgresql+asyncpg://suite:{postgres_password}@postgres:5432/homecare\n"
        f"BROKER_URL=amqp://suite:{rabbitmq_password}@rabbitmq:5672/\n"
        f"SUITE_ADMIN_PASSWORD={ADMIN_PASSWORD}\n"
        # A service cut off from the network answers nothing: the gateway gives up on it after this (504).
        f"GATEWAY_UPSTREAM_TIMEOUT_SECONDS={UPSTREAM_TIMEOUT_SECONDS}\n")
    pair = generate_keypair()
    (folder / "keys").mkdir()
    (folder / "keys" / "jwt_private.pem").write_text(pair.private_pem)
    (folder / "keys" / "jwt_public.pem").write_text(pair.public_pem)
    for path in (folder / "keys").iterdir():
        os.chown(path, CONTAINER_UID, -1)  # as docs/operations.md says: the containers' user reads them
        path.chmod(0o600)


def _wait_until_ready(stack: Stack) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(stack.base + "/health/ready", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise AssertionError("the gateway never got ready:\n" + stack.compose("logs", "--tail", "30"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("compose-settings")
    _write_settings(folder)
    port = free_port()
    stack = Stack(f"http://127.0.0.1:{port}", {
        **os.environ, "SUITE_CONFIG_DIR": str(folder), "PORT": str(port), "SUITE_TAG": "compose-test"})
    stack.compose("down", "-v", "--remove-orphans")  # what a run killed before its end left
    stack.compose("build", "migrate")  # the one image of every service of the suite
    try:
        up = subprocess.run([*COMPOSE, "up", "-d", "--no-build"], cwd=ROOT, env=stack.environment,
                            capture_output=True, text=True)
        assert up.returncode == 0, up.stderr + stack.compose("logs", "--tail", "30")
        _wait_until_ready(stack)
        yield stack
    finally:
        stack.compose("down", "-v", "--remove-orphans")
