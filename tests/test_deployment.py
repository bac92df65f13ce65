"""The suite deployed apart: every service its own process (uvicorn), on PostgreSQL and RabbitMQ,
the gateway reaching them over HTTP. The same code as the embedded default, configured by env."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from services.catalog import CATALOG, migrate
from services.migrate import declare_broker_topology
from shared.keys import generate_keypair
from tests import infra
from tests.harness import ADMIN_PASSWORD, patched_environment
from tests.served import free_port, service_process, until_ready


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
        with service_process("providers", ports["providers"], env, logs / "providers.log"), \
             service_process("brokerage", ports["brokerage"], env, logs / "brokerage.log"), \
             service_process("packages", ports["packages"], env, logs / "packages.log"), \
             service_process("quality", ports["quality"], env, logs / "quality.log"), \
             service_process("gateway", ports["gateway"], gateway_env, logs / "gateway.log"):
            gateway = f"http://127.0.0.1:{ports['gateway']}"
            await until_ready(gateway)
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
