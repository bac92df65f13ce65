"""What the council sets up before an integrator's software runs its day: a provider with an API client and
offers waiting, over the public API of a served suite."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from tests.webclient.staff import admin_headers, new_area, primary_provider, staff


def until(check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError("the suite never got there")


def council_sets_up(base: str) -> tuple[str, str, dict[str, str]]:
    """A provider on the primary contract of a new area, the area, its API client's credentials, and two
    referrals it is offered."""
    _, _, commissioner = staff(base, "commissioner")
    with httpx.Client(base_url=base + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        provider = primary_provider(api, area)
    client = httpx.post(base + "/api/v1/admin/clients", headers=admin_headers(base), json={
        "name": "Rota Systems Ltd", "roles": ["provider"], "provider_id": provider["id"]}).json()
    _, _, broker = staff(base, "broker")
    referral = {"area": area, "client_group": "older_people", "needs": ["dementia"], "urgency": "routine",
                "start_on": str(date.today() + timedelta(days=3)), "short_visit_justification": None,
                "funding": {"health_share_percent": 0},
                "visits": [{"day": "mon", "start": "08:00", "minutes": 60, "carers": 1}]}
    for client_ref in ("GEN-1", "GEN-2"):
        until(lambda ref=client_ref: httpx.post(base + "/api/v1/referrals", headers=broker,
                                                 json={**referral, "client_ref": ref}).json().get("history"))
    return provider["id"], area, {"client_id": client["client_id"], "client_secret": client["client_secret"]}
