"""A realistic demo council, loaded through the public API when `DEMO_DATA=1` (the `make run` default).

A small rural county in the spirit of the Rutland seed: five contract areas (a market town, a second
town and three groups of villages), ten providers on block, primary, framework and second-tier
contracts with CQC ratings, declared capacity, two embargoes, rate cards from the cost-of-care model,
referrals sourced through the cascade (two accepted by providers), and quality concerns. It loads once:
when the registry already has areas it does nothing. Demo users (password `demo-password`) exist only
with demo data: `demo.broker`, `demo.commissioner`, `demo.quality`, `demo.finance`, and `demo.provider`
(the staff of Oakham Home Care Ltd, for the provider's screens).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.admin.service import create_client, create_user
from services.gateway.auth.models import User
from shared.auth import Principal, Role

logger = logging.getLogger(__name__)
DEMO_PASSWORD = "demo-password"
DEMO_USERS = {
    "demo.broker": Role.BROKER,
    "demo.commissioner": Role.COMMISSIONER,
    "demo.quality": Role.QUALITY_OFFICER,
    "demo.finance": Role.FINANCE,
}
DISPLAY_NAMES = {"demo.broker": "Sam Carter", "demo.commissioner": "Priya Shah", "demo.quality": "Alex Morgan",
                 "demo.finance": "Chris Wood", "demo.provider": "Dana Hughes"}
AREAS = [
    {"code": "OAK", "name": "Oakham", "rural": False, "framework_offer_mode": "ranked"},
    {"code": "UPP", "name": "Uppingham", "rural": False, "framework_offer_mode": "ranked"},
    {"code": "KET", "name": "Ketton and the southern villages", "rural": True, "framework_offer_mode": "broadcast"},
    {"code": "COT", "name": "Cottesmore and the northern villages", "rural": True,
     "framework_offer_mode": "broadcast"},
    {"code": "EMP", "name": "Empingham and Rutland Water", "rural": True, "framework_offer_mode": "ranked"},
]
# name, CQC location id, skills, rating, contracts [(area, tier, cap, block hours)], capacity {area: hours}
PROVIDERS: list[tuple[str, str, list[str], str, list[tuple[str, str, str | None, str | None]], dict[str, str]]] = [
    ("Oakham Home Care Ltd", "1-101000001", ["dementia", "medication"], "good",
     [("OAK", "primary", "160.00", None), ("UPP", "framework", "80.00", None)], {"OAK": "40.00", "UPP": "10.00"}),
    ("Vale Community Care", "1-101000002", ["dementia", "catheter_care", "stoma_care"], "outstanding",
     [("UPP", "primary", "120.00", None), ("OAK", "framework", "60.00", None)], {"UPP": "30.00", "OAK": "15.00"}),
    ("Welland Valley Care", "1-101000003", ["medication", "night_support"], "good",
     [("KET", "block", "90.00", "60.00"), ("EMP", "framework", "60.00", None)], {"KET": "25.00", "EMP": "12.00"}),
    ("Rutland Care at Home", "1-101000004", ["dementia", "peg_feeding", "end_of_life"], "good",
     [("COT", "primary", "100.00", None), ("KET", "framework", "40.00", None)], {"COT": "20.00", "KET": "8.00"}),
    ("Heritage Homecare", "1-101000005", ["dementia"], "requires_improvement",
     [("OAK", "framework", "80.00", None), ("EMP", "primary", "70.00", None)], {"OAK": "20.00", "EMP": "14.00"}),
    ("Cedar Support Services", "1-101000006", ["complex_behaviour", "acquired_brain_injury", "medication"],
     "outstanding", [("OAK", "framework", "50.00", None), ("UPP", "framework", "50.00", None)],
     {"OAK": "12.00", "UPP": "12.00"}),
    ("Bluebell Domiciliary Care", "1-101000007", ["dementia", "medication"], "inadequate",
     [("COT", "framework", "60.00", None)], {"COT": "20.00"}),
    ("Northgate Care Agency", "1-101000008", ["medication"], "good",
     [("COT", "framework", "60.00", None), ("KET", "framework", "60.00", None)], {"COT": "10.00", "KET": "10.00"}),
    ("Kindred Care Cooperative", "1-101000009", ["dementia", "end_of_life"], "good",
     [("EMP", "second_tier", "40.00", None), ("OAK", "second_tier", "40.00", None)], {"EMP": "6.00", "OAK": "6.00"}),
    ("Harborough Care Partners", "1-101000010", ["medication", "night_support"], "requires_improvement",
     [("UPP", "second_tier", "40.00", None), ("KET", "second_tier", "40.00", None)], {"UPP": "8.00", "KET": "8.00"}),
]


def _schedule(days: list[str], times: list[str], minutes: int, carers: int = 1) -> list[dict[str, Any]]:
    return [{"day": d, "start": t, "minutes": minutes, "carers": carers} for d in days for t in times]


WEEKDAYS, EVERY_DAY = ["mon", "tue", "wed", "thu", "fri"], ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
REFERRALS: list[dict[str, Any]] = [
    {"client_ref": "RUT-0001", "area": "OAK", "needs": ["dementia"], "urgency": "hospital_discharge",
     "visits": _schedule(EVERY_DAY, ["08:00", "18:00"], 45), "health_share_percent": 0},
    {"client_ref": "RUT-0002", "area": "UPP", "needs": ["catheter_care"], "urgency": "routine",
     "visits": _schedule(WEEKDAYS, ["09:30"], 60), "health_share_percent": 50},
    {"client_ref": "RUT-0003", "area": "KET", "needs": ["medication"], "urgency": "crisis",
     "visits": _schedule(EVERY_DAY, ["08:00", "12:30", "17:30"], 30), "health_share_percent": 0},
    {"client_ref": "RUT-0004", "area": "COT", "needs": ["peg_feeding"], "urgency": "routine",
     "visits": _schedule(EVERY_DAY, ["07:30", "21:00"], 60, carers=2), "health_share_percent": 100},
    {"client_ref": "RUT-0005", "area": "EMP", "needs": ["night_support"], "urgency": "routine",
     "visits": _schedule(EVERY_DAY, ["22:00"], 90), "health_share_percent": 75},
    {"client_ref": "RUT-0006", "area": "OAK", "needs": [], "urgency": "routine",
     "visits": _schedule(["mon", "thu"], ["10:00"], 60), "health_share_percent": 0},
]


def _rate_card(area: dict[str, Any], effective_from: date) -> dict[str, Any]:
    rural = bool(area["rural"])
    return {
        "area": area["code"], "effective_from": str(effective_from), "care_worker_hourly_pay": "12.60",
        "travel_minutes_per_visit": 20 if rural else 10, "mileage_per_visit_miles": "6.0" if rural else "2.0",
        "mileage_rate": "0.45", "on_cost_percent": "20.00", "training_supervision_percent": "5.00",
        "overhead_percent": "25.00", "surplus_percent": "3.00", "weekend_uplift_percent": "5.00",
        "client_hourly_charge_cap": "13.00", "client_weekly_charge_cap": "422.00",
    }


LOADER = Principal(subject="demo-loader", kind="user", name="demo loader", roles=frozenset({Role.ADMIN}))


class DemoLoader:
    def __init__(self, http: httpx.AsyncClient, gateway: FastAPI) -> None:
        self.http = http
        self.gateway = gateway
        self.headers: dict[Role, dict[str, str]] = {}
        self.today = date.today()

    async def sign_in(self) -> None:
        for username, role in DEMO_USERS.items():
            answer = await self.http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": username, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            self.headers[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def call(self, role: Role, method: str, path: str, **kwargs: Any) -> Any:
        answer = await self.http.request(method, path, headers=self.headers[role], **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"demo data: {method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else None

    async def already_loaded(self) -> bool:
        areas = await self.call(Role.COMMISSIONER, "GET", "/api/v1/areas", params={"limit": 1})
        return bool(areas["items"])

    async def load(self) -> None:
        started = self.today - timedelta(days=180)
        for area in AREAS:
            await self.call(Role.COMMISSIONER, "POST", "/api/v1/areas", json=area)
            await self.call(Role.COMMISSIONER, "POST", "/api/v1/rate-cards", json=_rate_card(area, started))
        provider_ids = [await self._provider(entry, started) for entry in PROVIDERS]
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{provider_ids[1]}/embargoes", json={
            "scope": "area", "area": "OAK", "client_group": None, "imposed_by": "voluntary",
            "starts_on": str(self.today - timedelta(days=7)), "ends_on": str(self.today + timedelta(days=21)),
            "reason": "Voluntary pause on new Oakham work while the branch recruits"})
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{provider_ids[6]}/embargoes", json={
            "scope": "all", "area": None, "client_group": None, "imposed_by": "regulator",
            "starts_on": str(self.today - timedelta(days=30)), "ends_on": None,
            "reason": "CQC warning notice after an Inadequate inspection"})
        for referral in REFERRALS:
            await self._referral(referral)
        for provider_id in provider_ids[:2]:
            await self._accept_first_offer(provider_id)
        await self._provider_user(provider_ids[0])
        await self.call(Role.QUALITY_OFFICER, "POST", "/api/v1/concerns", json={
            "provider_id": provider_ids[4], "kind": "late_visit", "severity": "medium",
            "summary": "Three late morning calls reported by a family in one week", "package_id": None})

    async def _provider(self, entry: tuple[Any, ...], started: date) -> str:
        name, location_id, skills, rating, contracts, capacity = entry
        provider = await self.call(Role.COMMISSIONER, "POST", "/api/v1/providers", json={
            "name": name, "cqc_location_id": location_id, "skills": skills, "client_groups": ["older_people"]})
        provider_id: str = provider["id"]
        await self.call(Role.COMMISSIONER, "PUT", f"/api/v1/providers/{provider_id}/contracts", json={"contracts": [
            {"area": area, "tier": tier, "weekly_hours_cap": cap, "block_hours": block, "starts_on": str(started),
             "ends_on": None} for area, tier, cap, block in contracts]})
        await self.call(Role.COMMISSIONER, "POST", f"/api/v1/providers/{provider_id}/ratings", json={
            "regulator": "cqc", "overall": rating, "safe": rating, "effective": rating, "caring": "good",
            "responsive": rating, "well_led": rating, "published_on": str(started - timedelta(days=90))})
        await self.call(Role.COMMISSIONER, "PUT", f"/api/v1/providers/{provider_id}/capacity", json={
            "areas": [{"area": area, "weekly_hours": hours} for area, hours in capacity.items()]})
        return provider_id

    async def _referral(self, spec: dict[str, Any]) -> None:
        body = {"client_ref": spec["client_ref"], "area": spec["area"], "client_group": "older_people",
                "needs": spec["needs"], "urgency": spec["urgency"], "start_on": str(self.today + timedelta(days=3)),
                "visits": spec["visits"], "short_visit_justification": None,
                "funding": {"health_share_percent": spec["health_share_percent"]}}
        for _ in range(100):  # the area and providers reach brokerage by events, a moment after registering
            answer = await self.http.post("/api/v1/referrals", json=body, headers=self.headers[Role.BROKER])
            if answer.status_code == 201:
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"demo data: referral {spec['client_ref']} refused: {answer.text[:300]}")


    async def _accept_first_offer(self, provider_id: str) -> None:
        """Plays a provider's software: signs in with client credentials and accepts an open offer."""
        async with self.gateway.state.db.sessionmaker() as session, session.begin():
            client, secret = await create_client(session, actor=LOADER, data=ClientCreate(
                name="Demo rostering system", roles=[Role.PROVIDER], provider_id=provider_id))
        token = await self.http.post("/api/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": str(client.id), "client_secret": secret})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        offers = await self.http.get("/api/v1/offers", params={"status": "open"}, headers=headers)
        for offer in offers.json().get("items", [])[:1]:
            await self.http.post(f"/api/v1/offers/{offer['id']}/accept", json={"start_on": None}, headers=headers)


    async def _provider_user(self, provider_id: str) -> None:
        """The provider's own staff signing in to the web client (the provider role, bound to the provider)."""
        async with self.gateway.state.db.sessionmaker() as session, session.begin():
            await create_user(session, actor=LOADER, data=UserCreate(
                username="demo.provider", password=DEMO_PASSWORD, roles=[Role.PROVIDER], provider_id=provider_id,
                display_name=DISPLAY_NAMES["demo.provider"]))


async def ensure_demo_users(gateway: FastAPI) -> None:
    async with gateway.state.db.sessionmaker() as session, session.begin():
        for username, role in DEMO_USERS.items():
            if not await _user_exists(session, username):
                await create_user(session, actor=None, data=UserCreate(
                    username=username, password=DEMO_PASSWORD, roles=[role], display_name=DISPLAY_NAMES[username]))


async def _user_exists(session: AsyncSession, username: str) -> bool:
    return bool(await session.scalar(select(User.id).where(User.username == username)))


async def load_demo_data(gateway: FastAPI) -> None:
    """Loads the demo council through the gateway, once."""
    await ensure_demo_users(gateway)
    transport = httpx.ASGITransport(app=gateway, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=60) as http:
        loader = DemoLoader(http, gateway)
        await loader.sign_in()
        if await loader.already_loaded():
            logger.info("demo data already loaded")
            return
        await loader.load()
    logger.info("demo council loaded: %d areas, %d providers, %d referrals", len(AREAS), len(PROVIDERS),
                len(REFERRALS))
