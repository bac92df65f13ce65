"""Loads the demo council through the public API, in process, the way its people and systems would.

Staff sign in as the demo users (created first, straight in the gateway's database, as the bootstrap
admin is); the demo admin issues each provider's rostering system, a machine client that answers its
offers and reports its visits, and the provider's web-client user. Events travel between the services
while it loads, so the calls that depend on another service having heard of something are retried for a
moment (`until_accepted`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from itertools import chain
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.demo import council
from services.demo.activity import payment_period, tempered, visits_of
from services.demo.council import PROVIDERS, LiveReferral, ProviderSpec
from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import create_user
from services.gateway.auth.models import User
from shared.auth import Role

logger = logging.getLogger(__name__)
DEMO_PASSWORD = "demo-password"
DEMO_USERS = {  # username: (role, display name)
    "demo.broker": (Role.BROKER, "Sam Carter"),
    "demo.commissioner": (Role.COMMISSIONER, "Priya Shah"),
    "demo.quality": (Role.QUALITY_OFFICER, "Alex Morgan"),
    "demo.finance": (Role.FINANCE, "Chris Wood"),
    "demo.admin": (Role.ADMIN, "Jo Bennett"),
}
PROVIDER_USER = ("demo.provider", "Dana Hughes")  # staff of council.PROVIDER_USER_OF
RETRY_SECONDS, RETRIES = 0.1, 300
VISITS_PER_REQUEST = 1000


class DemoLoader:
    def __init__(self, http: httpx.AsyncClient, today: date) -> None:
        self.http = http
        self.today = today
        self.period = payment_period(today)
        self.headers: dict[Role, dict[str, str]] = {}
        self.software: dict[str, dict[str, str]] = {}  # provider id: its rostering system's auth header
        self.counts: dict[str, int] = {}

    async def sign_in(self) -> None:
        for username, (role, _name) in DEMO_USERS.items():
            self.headers[role] = await self._token(grant_type="password", username=username, password=DEMO_PASSWORD)

    async def _token(self, **form: str) -> dict[str, str]:
        answer = await self.http.post("/api/v1/auth/token", data=form)
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def call(self, who: Role | dict[str, str], method: str, path: str, **kwargs: Any) -> Any:
        headers = who if isinstance(who, dict) else self.headers[who]
        answer = await self.http.request(method, path, headers=headers, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"demo data: {method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else None

    async def until_accepted(self, who: Role | dict[str, str], method: str, path: str, *,
                             done: Callable[[Any], bool] = bool, **kwargs: Any) -> Any:
        """The call, again while it is refused (or `done` says no): another service has yet to hear of
        what it names (an area, a provider), which its events bring a moment later."""
        headers = who if isinstance(who, dict) else self.headers[who]
        for _ in range(RETRIES):
            answer = await self.http.request(method, path, headers=headers, **kwargs)
            if answer.status_code < 400 and done(answer.json()):
                return answer.json()
            await asyncio.sleep(RETRY_SECONDS)
        raise RuntimeError(f"demo data: {method} {path} still refused: {answer.text[:300]}")

    async def items(self, who: Role | dict[str, str], path: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = await self.call(who, "GET", path, params={**params, "limit": 500, "cursor": cursor})
            found.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return found

    async def registry_has_areas(self) -> bool:
        areas = await self.call(Role.COMMISSIONER, "GET", "/api/v1/areas", params={"limit": 1})
        return bool(areas["items"])

    async def load(self) -> None:
        started = self.today - timedelta(days=400)
        made = council.placements(self.today)
        for area in council.AREAS:
            await self.call(Role.COMMISSIONER, "POST", "/api/v1/areas", json=area)
            await self.call(Role.COMMISSIONER, "POST", "/api/v1/rate-cards", json=council.rate_card(area, started))
        contracts = council.Contracts.around(made)
        ids = {spec.name: await self._provider(spec, contracts, started) for spec in PROVIDERS}
        await self._embargoes(ids)
        for provider_id in ids.values():
            self.software[provider_id] = await self._rostering_system(provider_id)
        await self._import(made, ids)
        placed_now = [await self._referral(spec) for spec in council.LIVE_REFERRALS]
        packages = await self._packages_in_care(len(made) + sum(placed_now))
        visits = await self._visits(packages)
        invoices = await self.call(Role.FINANCE, "POST", "/api/v1/invoice-runs", json={
            "period_start": str(self.period[0]), "period_end": str(self.period[1])})
        await self._quality(ids, packages)
        await self._provider_user(ids[council.PROVIDER_USER_OF])
        self.counts = {"providers": len(ids), "packages imported": len(made),
                       "referrals today": len(placed_now), "packages": len(packages),
                       "visits": visits, "invoices": len(invoices["issued"])}

    async def _provider(self, spec: ProviderSpec, contracts: council.Contracts, started: date) -> str:
        provider = await self.call(Role.COMMISSIONER, "POST", "/api/v1/providers", json={
            "name": spec.name, "cqc_location_id": spec.location_id, "skills": spec.skills,
            "client_groups": ["older_people", "physical_disability"],
            "admitted_on": str(self.today - timedelta(days=730 + 61 * PROVIDERS.index(spec)))})
        provider_id: str = provider["id"]
        await self.call(Role.COMMISSIONER, "PUT", f"/api/v1/providers/{provider_id}/contracts",
                        json={"contracts": contracts.of(spec, started)})
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{provider_id}/ratings",
                        json=council.rating(spec, self.today - timedelta(days=120 + 23 * PROVIDERS.index(spec))))
        await self.call(Role.COMMISSIONER, "PUT", f"/api/v1/providers/{provider_id}/capacity",
                        json=council.capacity(spec))
        return provider_id

    async def _embargoes(self, ids: dict[str, str]) -> None:
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{ids[council.REGULATOR_EMBARGOED]}/embargoes",
                        json={"scope": "all", "area": None, "client_group": None, "imposed_by": "regulator",
                              "starts_on": str(self.today - timedelta(days=30)), "ends_on": None,
                              "reason": "CQC warning notice after an Inadequate inspection"})
        name, area = council.VOLUNTARY_EMBARGO
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{ids[name]}/embargoes", json={
            "scope": "area", "area": area, "client_group": None, "imposed_by": "voluntary",
            "starts_on": str(self.today - timedelta(days=7)), "ends_on": str(self.today + timedelta(days=21)),
            "reason": "Voluntary pause on new Oakham work while the branch recruits"})

    async def _rostering_system(self, provider_id: str) -> dict[str, str]:
        """A provider's software: a machine client bound to it, issued by the council's admin."""
        client = await self.call(Role.ADMIN, "POST", "/api/v1/admin/clients", json={
            "name": "Demo rostering system", "roles": ["provider"], "provider_id": provider_id})
        return await self._token(grant_type="client_credentials", client_id=client["client_id"],
                                 client_secret=client["client_secret"])

    async def _import(self, made: list[council.Placement], ids: dict[str, str]) -> None:
        """The packages in care at go-live, one import (again until brokerage knows every provider)."""
        rows = [placement.row(ids[placement.provider.name]) for placement in made]
        await self.until_accepted(Role.BROKER, "POST", "/api/v1/referrals/import", json={"placements": rows},
                                  done=lambda report: not report["rejected"])

    async def _referral(self, spec: LiveReferral) -> bool:
        """A referral sourced today, and its first offer answered as the demo says; True when placed."""
        referral = await self.until_accepted(Role.BROKER, "POST", "/api/v1/referrals",
                                             json=spec.body(self.today + timedelta(days=3)))
        if spec.answer not in ("accept", "decline"):
            return False
        offered = next(entry["provider_id"] for entry in referral["history"] if entry["event"] == "offered")
        offers = await self.call(self.software[offered], "GET", "/api/v1/offers", params={"status": "open"})
        offer = next(each for each in offers["items"] if each["referral_id"] == referral["id"])
        if spec.answer == "accept":
            await self.call(self.software[offered], "POST", f"/api/v1/offers/{offer['id']}/accept",
                            json={"start_on": None})
            return True
        await self.call(self.software[offered], "POST", f"/api/v1/offers/{offer['id']}/decline",
                        json={"reason": "no_staff_in_area", "detail": "No carer free on Monday mornings"})
        return False

    async def _packages_in_care(self, expected: int) -> list[dict[str, Any]]:
        """Every placement's package, once packages has heard of them all."""
        for _ in range(RETRIES):
            packages = await self.items(Role.FINANCE, "/api/v1/packages")
            if len(packages) >= expected:
                return sorted(packages, key=lambda each: str(each["client_ref"]))
            await asyncio.sleep(RETRY_SECONDS)
        raise RuntimeError(f"demo data: {len(packages)} of {expected} packages commissioned")

    async def _visits(self, packages: list[dict[str, Any]]) -> int:
        """Each provider's call monitoring reports the period's visits."""
        by_provider: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for package in packages:
            by_provider[package["provider_id"]].append(package)
        reported = 0
        for provider_id, its_packages in by_provider.items():
            rows = tempered(chain.from_iterable(visits_of(package, self.period) for package in its_packages))
            for first in range(0, len(rows), VISITS_PER_REQUEST):
                report = await self.call(self.software[provider_id], "POST", "/api/v1/visits",
                                         json={"visits": rows[first:first + VISITS_PER_REQUEST]})
                if report["rejected"]:
                    raise RuntimeError(f"demo data: visits refused: {report['results'][:3]}")
                reported += report["recorded"]
        return reported

    async def _quality(self, ids: dict[str, str], packages: list[dict[str, Any]]) -> None:
        """What the quality officers have heard and seen of the providers lately."""
        package_of = {package["provider_id"]: package["id"] for package in packages}
        for name, kind, severity, summary, days_ago in council.CONCERNS:
            await self.until_accepted(Role.QUALITY_OFFICER, "POST", "/api/v1/concerns", json={
                "provider_id": ids[name], "kind": kind, "severity": severity, "summary": summary,
                "package_id": package_of.get(ids[name]), "occurred_on": str(self.today - timedelta(days=days_ago))})
        watched = ids[council.WATCHED]
        await self.call(Role.QUALITY_OFFICER, "POST", "/api/v1/monitoring-visits", json={
            "provider_id": watched, "visited_on": str(self.today - timedelta(days=10)),
            "summary": "Announced contract monitoring visit to the Oakham office", "findings": council.FINDINGS})
        await self.call(Role.QUALITY_OFFICER, "POST", "/api/v1/action-plans", json={
            "provider_id": watched, "title": "Training and evening calls",
            "reason": "Monitoring visit and two concerns in a month",
            "actions": [{"description": description, "owner": owner, "due_on": str(self.today + timedelta(days=due))}
                        for description, owner, due in council.ACTIONS]})
        for name, overall, days_ago in council.FEEDBACK:
            await self.call(Role.QUALITY_OFFICER, "POST", "/api/v1/feedback", json={
                "provider_id": ids[name], "package_id": package_of.get(ids[name]),
                "received_on": str(self.today - timedelta(days=days_ago)),
                "scores": {"overall": overall, "punctuality": max(overall - 1, 1), "dignity": overall},
                "comments": "From the annual service-user survey"})

    async def _provider_user(self, provider_id: str) -> None:
        """The provider's own staff signing in to the web client (the provider role, bound to the provider)."""
        username, display_name = PROVIDER_USER
        await self.call(Role.ADMIN, "POST", "/api/v1/admin/users", json={
            "username": username, "password": DEMO_PASSWORD, "roles": ["provider"], "provider_id": provider_id,
            "display_name": display_name})


async def _remove_demo_users(gateway: FastAPI) -> None:
    """Demo users never outlive a demo that did not load: their password is in the README."""
    async with gateway.state.db.sessionmaker() as session, session.begin():
        await session.execute(delete(User).where(User.username.in_([*DEMO_USERS, PROVIDER_USER[0]])))


async def _has_user(gateway: FastAPI, username: str) -> bool:
    async with gateway.state.db.sessionmaker() as session:
        return await _user_exists(session, username)


async def ensure_demo_users(gateway: FastAPI) -> None:
    async with gateway.state.db.sessionmaker() as session, session.begin():
        for username, (role, display_name) in DEMO_USERS.items():
            if not await _user_exists(session, username):
                await create_user(session, actor=None, data=UserCreate(
                    username=username, password=DEMO_PASSWORD, roles=[role], display_name=display_name))


async def _user_exists(session: AsyncSession, username: str) -> bool:
    return bool(await session.scalar(select(User.id).where(User.username == username)))


def users_line() -> str:
    staff = ", ".join(f"{username} ({role})" for username, (role, _name) in DEMO_USERS.items())
    return (f"demo users, password {DEMO_PASSWORD}: {staff}, {PROVIDER_USER[0]} "
            f"(provider: {council.PROVIDER_USER_OF})")


async def load_demo_data(gateway: FastAPI, today: date | None = None) -> dict[str, int]:
    """Loads the demo council through the gateway, once; answers what it made (nothing when loaded before)."""
    if await _has_user(gateway, PROVIDER_USER[0]):  # the last thing a load makes
        logger.info("demo data already loaded; %s", users_line())
        return {}
    began = time.monotonic()
    await ensure_demo_users(gateway)
    transport = httpx.ASGITransport(app=gateway, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=120) as http:
        loader = DemoLoader(http, today or date.today())
        await loader.sign_in()
        if await loader.registry_has_areas():
            await _remove_demo_users(gateway)
            logger.warning("demo data not loaded: the registry has areas but no demo council (a load stopped part "
                           "way?); the demo loads only into an empty suite: start with a fresh DATA_DIR")
            return {}
        await loader.load()
    logger.info("demo council loaded in %.1f s: %s; %s", time.monotonic() - began,
                ", ".join(f"{count} {what}" for what, count in loader.counts.items()), users_line())
    return loader.counts


def demo_wanted() -> bool:
    """`DEMO_DATA=1` (the default of `make run` and `make run-distributed`)."""
    return os.environ.get("DEMO_DATA", "0").lower() in {"1", "true", "yes"}


@asynccontextmanager
async def demo_loaded_in_background(gateway: FastAPI) -> AsyncIterator[None]:
    """While the gateway runs, loads the demo when `DEMO_DATA` asks for it, as soon as the gateway answers
    ready: at once in one process, once every service is up when they run apart."""
    loading = asyncio.create_task(_load_when_ready(gateway)) if demo_wanted() else None
    try:
        yield
    finally:
        if loading is not None:
            loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loading


async def _load_when_ready(gateway: FastAPI) -> None:
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://suite") as http:
            while True:
                if (await http.get("/health/ready")).status_code == 200:
                    break
                await asyncio.sleep(RETRY_SECONDS * 5)
        await load_demo_data(gateway)
    except Exception:
        logger.exception("the demo data did not load")
