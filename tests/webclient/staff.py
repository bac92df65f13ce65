"""Staff users made through the admin API, a small registry, and signing in through the web client."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import Page

from tests.harness import ADMIN_PASSWORD


def admin_headers(base: str) -> dict[str, str]:
    token = httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def staff(base: str, role: str, *, also: tuple[str, ...] = (), display_name: str | None = None,
          provider_id: str | None = None) -> tuple[str, str, dict[str, str]]:
    """A new user holding `role` and `also` (a provider's staff when `provider_id` is given): its username,
    password and the API headers of a token for it."""
    username, password = f"{role}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    httpx.post(base + "/api/v1/admin/users", headers=admin_headers(base), json={
        "username": username, "password": password, "roles": [role, *also], "display_name": display_name,
        "provider_id": provider_id}).raise_for_status()
    token = httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "password", "username": username, "password": password}).json()["access_token"]
    return username, password, {"Authorization": f"Bearer {token}"}


def past_period() -> tuple[date, date]:
    """A four-week period, Monday to Sunday, over before today."""
    start = date.today() - timedelta(days=date.today().weekday() + 42)
    return start, start + timedelta(days=27)


def rate_card(api: httpx.Client, area: str, effective_from: date) -> dict[str, Any]:
    card: dict[str, Any] = api.post("/rate-cards", json={
        "area": area, "effective_from": str(effective_from), "care_worker_hourly_pay": "12.60",
        "travel_minutes_per_visit": 12, "mileage_per_visit_miles": "3.0", "mileage_rate": "0.45",
        "on_cost_percent": "20.00", "training_supervision_percent": "5.00", "overhead_percent": "25.00",
        "surplus_percent": "3.00", "weekend_uplift_percent": "0.00", "client_hourly_charge_cap": "13.00",
        "client_weekly_charge_cap": "422.00"}).json()
    return card


def import_placement(base: str, provider_id: str, area: str, start_on: date, client_ref: str) -> None:
    """A placement made before the suite (go-live): an hour every weekday morning since `start_on`."""
    _, _, broker = staff(base, "broker")
    body = {"placements": [{
        "external_ref": f"PKG-{client_ref}", "client_ref": client_ref, "area": area, "client_group": "older_people",
        "needs": [], "urgency": "routine", "start_on": str(start_on), "provider_id": provider_id,
        "visits": [{"day": day, "start": "08:00", "minutes": 60, "carers": 1} for day in ("mon", "tue", "wed", "thu",
                                                                                            "fri")],
        "short_visit_justification": None, "funding": {"health_share_percent": 0}}]}
    deadline = time.monotonic() + 30
    report: dict[str, Any] = {}
    while time.monotonic() < deadline and report.get("created") != 1:  # the provider reaches brokerage by event
        report = httpx.post(base + "/api/v1/referrals/import", headers=broker, json=body).json()
        time.sleep(0.2)
    assert report.get("created") == 1, f"the placement was not imported: {report}"
    while time.monotonic() < deadline:  # and its package follows by event
        packages = httpx.get(base + "/api/v1/packages", headers=broker, params={"provider_id": provider_id}).json()
        if any(each["client_ref"] == client_ref for each in packages["items"]):
            return
        time.sleep(0.2)
    raise AssertionError("the placement's package never appeared")


async def eventually_json(base: str, headers: dict[str, str], path: str, found: Callable[[Any], bool],
                          **params: str | int) -> Any:
    """What the API says once `found` holds of it (events reach other services a moment later)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = await api_get(base, headers, path, **params)
        if found(answer):
            return answer
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} never showed what was expected")


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


def provider_in_new_area(base: str) -> tuple[dict[str, str], str]:
    """A provider holding the primary contract of a new area (made by a commissioner): it and the area."""
    _, _, commissioner = staff(base, "commissioner")
    with httpx.Client(base_url=base + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        return primary_provider(api, area), area


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
