"""Staff users made through the admin API, a small registry, and signing in through the web client."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import Page

from tests.harness import ADMIN_PASSWORD


def staff(base: str, role: str) -> tuple[str, str, dict[str, str]]:
    """A new user holding `role`: its username, password and the API headers of a token for it."""
    admin = httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]
    username, password = f"{role}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    httpx.post(base + "/api/v1/admin/users", headers={"Authorization": f"Bearer {admin}"},
               json={"username": username, "password": password, "roles": [role]}).raise_for_status()
    token = httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "password", "username": username, "password": password}).json()["access_token"]
    return username, password, {"Authorization": f"Bearer {token}"}


def new_area(api: httpx.Client) -> str:
    code = "W" + uuid.uuid4().hex[:4].upper()
    api.post("/areas", json={"code": code, "name": f"Webtown {code}", "rural": False,
                             "framework_offer_mode": "ranked"}).raise_for_status()
    return code


def primary_provider(api: httpx.Client, area: str) -> dict[str, str]:
    """A provider holding the primary contract of `area` with 40 hours a week free."""
    provider: dict[str, str] = api.post("/providers", json={
        "name": f"Web Care {area}", "skills": ["dementia"], "client_groups": ["older_people"],
        "cqc_location_id": None}).json()
    api.put(f"/providers/{provider['id']}/contracts", json={"contracts": [{
        "area": area, "tier": "primary", "weekly_hours_cap": "100.00", "block_hours": None,
        "starts_on": str(date.today() - timedelta(days=30)), "ends_on": None}]}).raise_for_status()
    api.put(f"/providers/{provider['id']}/capacity", json={
        "areas": [{"area": area, "weekly_hours": "40.00"}]}).raise_for_status()
    return provider


async def sign_in(page: Page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login button[type=submit]")


async def api_get(base: str, headers: dict[str, str], path: str, **params: str | int) -> Any:
    """What the API says now, to check the screen's outcome against (without blocking the event loop)."""
    async with httpx.AsyncClient(base_url=base + "/api/v1", headers=headers) as api:
        answer = await api.get(path, params=params)
        answer.raise_for_status()
        return answer.json()
