"""The suite deployed apart: every service its own process (uvicorn), on PostgreSQL and RabbitMQ,
the gateway reaching them over HTTP. The same code as the embedded default, configured by env."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from services.catalog import CATALOG, migrate
from services.migrate import declare_broker_topology
from shared.keys import generate_keypair
from tests import infra
from tests.harness import ADMIN_PASSWORD, patched_environment
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def _process(service: str, port: int, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"services.{service}.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def _ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url + "/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


@pytest.fixture(scope="module")
async def deployed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    database_url, broker_url = await infra.create_database(), infra.create_vhost()
    keys = generate_keypair()
    env = {"DATABASE_URL": database_url, "BROKER_URL": broker_url, "JWT_PUBLIC_KEY": keys.public_pem,
           "DATA_DIR": str(tmp_path_factory.mktemp("apart")), "DEMO_DATA": "0"}
    with patched_environment(env):
        await asyncio.to_thread(migrate)
        await declare_broker_topology(list(CATALOG))
    ports = {name: free_port() for name in CATALOG}
    gateway_env = {**env, "JWT_PRIVATE_KEY": keys.private_pem, "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                   **{f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                      for name, port in ports.items() if name != "gateway"}}
    logs = tmp_path_factory.mktemp("logs")
    try:
        with _process("providers", ports["providers"], env, logs / "providers.log"), \
             _process("brokerage", ports["brokerage"], env, logs / "brokerage.log"), \
             _process("packages", ports["packages"], env, logs / "packages.log"), \
             _process("quality", ports["quality"], env, logs / "quality.log"), \
             _process("gateway", ports["gateway"], gateway_env, logs / "gateway.log"):
            gateway = f"http://127.0.0.1:{ports['gateway']}"
            await _ready(gateway)
            yield gateway
    finally:
        await infra.drop_database(database_url)
        infra.delete_vhost(broker_url)


async def test_each_service_runs_alone_and_the_gateway_reports_them_all_ready(deployed: str) -> None:
    async with httpx.AsyncClient(base_url=deployed) as http:
        ready = (await http.get("/health/ready")).json()
        assert ready["status"] == "ready"
        assert {"service:providers", "service:brokerage", "service:packages", "service:quality"} <= set(
            ready["checks"])
        token = await http.post("/api/v1/auth/token", data={
            "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
        assert token.status_code == 200
        document = (await http.get("/openapi.json")).json()
        assert "/api/v1/auth/token" in document["paths"]
        answer = await http.get("/api/v1/referrals", headers={"X-Request-ID": "apart-1"})
        assert answer.status_code == 401
        assert answer.headers["x-request-id"] == "apart-1"


async def test_events_cross_processes_an_area_registered_in_one_is_known_to_brokerage_in_another(
    deployed: str,
) -> None:
    async with httpx.AsyncClient(base_url=deployed + "/api/v1") as http:
        admin = (await http.post("/auth/token", data={
            "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})).json()["access_token"]
        headers = {"Authorization": f"Bearer {admin}"}
        for username in ("apart.commissioner", "apart.broker"):
            role = username.split(".")[1]
            created = await http.post("/admin/users", headers=headers, json={
                "username": username, "password": "a-long-password", "roles": [role]})
            assert created.status_code == 201, created.text
        tokens = {}
        for username in ("apart.commissioner", "apart.broker"):
            answer = await http.post("/auth/token", data={
                "grant_type": "password", "username": username, "password": "a-long-password"})
            tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        area = await http.post("/areas", headers=tokens["apart.commissioner"], json={
            "code": "APT", "name": "Apartville", "rural": True, "framework_offer_mode": "broadcast"})
        assert area.status_code == 201, area.text
        referral = {"client_ref": "C-APART", "area": "APT", "client_group": "older_people", "needs": [],
                    "urgency": "routine", "start_on": str(date.today() + timedelta(days=2)),
                    "visits": [{"day": "wed", "start": "10:00", "minutes": 60, "carers": 1}],
                    "short_visit_justification": None, "funding": {"health_share_percent": 0}}
        deadline = time.monotonic() + 30
        while True:
            answer = await http.post("/referrals", headers=tokens["apart.broker"], json=referral)
            if answer.status_code == 201 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "unsourced"
