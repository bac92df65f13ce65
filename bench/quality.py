"""Quality monitoring: concerns recorded per second (each stored, scored and the provider rescored in
its transaction, against providers with a year of evidence), a fortnightly review rescoring every
provider, and the dashboard summary over a year of referrals; on the embedded default's SQLite, and on
PostgreSQL too when `BENCH_DATABASE_URL` names an empty database.

    python -m bench quality
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench import Result
from services.catalog import CATALOG
from services.quality.dashboard.service import note_referral, summary
from services.quality.intelligence.domain import ConcernKind
from services.quality.intelligence.schemas import ConcernIn
from services.quality.intelligence.service import record_concern
from services.quality.models import INFRA
from services.quality.readmodel.service import apply_provider
from services.quality.risk.domain import Severity
from services.quality.risk.schemas import ReviewIn
from services.quality.risk.service import record_review
from services.quality.settings import QualitySettings
from shared import migrations
from shared.auth import Principal, Role
from shared.contracts.brokerage import Funding, ReferralFacts, ReferralStatus
from shared.contracts.common import ClientGroup, ProviderStatus, Urgency
from shared.contracts.providers import ProviderState
from shared.db import Database

PROVIDERS, CONCERNS, REFERRALS = 100, 2_000, 10_000
OFFICER = Principal(subject="bench", kind="user", name="bench", roles=frozenset({Role.QUALITY_OFFICER}))
SEVERITIES = list(Severity)


def _state(provider_id: uuid.UUID) -> ProviderState:
    return ProviderState(id=provider_id, name="Bench Care", status=ProviderStatus.ACTIVE, skills=[], client_groups=[],
                         contracts=[], embargoes=[], rating=None, capacity=[],
                         registered_at=datetime(2026, 1, 1, tzinfo=UTC), version=1)


def _referral(n: int, now: datetime) -> ReferralFacts:
    return ReferralFacts(referral_id=uuid.uuid4(), client_ref=f"C-{n}", area=f"A{n % 20}",
                         client_group=ClientGroup.OLDER_PEOPLE, needs=[],
                         urgency=Urgency.HOSPITAL_DISCHARGE if n % 7 == 0 else Urgency.ROUTINE,
                         start_on=date.today(), visits=[], weekly_hours=Decimal("10.50"),
                         funding=Funding(health_share_percent=0), created_at=now - timedelta(hours=n % 8760))


async def _providers(database: Database, settings: QualitySettings) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(PROVIDERS)]
    async with database.sessionmaker() as session, session.begin():
        for provider_id in ids:
            await apply_provider(session, state=_state(provider_id), settings=settings, now=datetime.now(UTC))
    return ids


async def _concerns(database: Database, settings: QualitySettings, ids: list[uuid.UUID]) -> float:
    started = time.perf_counter()
    for n in range(CONCERNS):
        data = ConcernIn(provider_id=ids[n % PROVIDERS], kind=ConcernKind.COMPLAINT, severity=SEVERITIES[n % 3],
                         summary="bench", occurred_on=date.today() - timedelta(days=n % 365))
        async with database.sessionmaker() as session, session.begin():
            await record_concern(session, actor=OFFICER, data=data, settings=settings, now=datetime.now(UTC))
    return time.perf_counter() - started


async def _review(database: Database, settings: QualitySettings) -> float:
    started = time.perf_counter()
    async with database.sessionmaker() as session, session.begin():
        await record_review(session, actor=OFFICER, data=ReviewIn(held_on=date.today()), settings=settings,
                            now=datetime.now(UTC))
    return time.perf_counter() - started


async def _dashboard(database: Database) -> float:
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        for n in range(REFERRALS):
            status = list(ReferralStatus)[n % 4]
            await note_referral(session, facts=_referral(n, now), status=status,
                                placed_at=now if status is ReferralStatus.PLACED else None)
    started = time.perf_counter()
    async with database.sessionmaker() as session:
        await summary(session, today=now.date(), weeks=52)
    return time.perf_counter() - started


async def _measure(url: str) -> dict[str, float]:
    await asyncio.to_thread(migrations.upgrade, service="quality", migrations_dir=CATALOG["quality"].migrations_dir,
                            url=url)
    database = Database(url, schema="quality", session_info=INFRA.session_info("quality"))
    settings = QualitySettings()
    try:
        ids = await _providers(database, settings)
        concerns = await _concerns(database, settings, ids)
        review = await _review(database, settings)
        dashboard = await _dashboard(database)
    finally:
        await database.dispose()
    return {"concerns_per_second": CONCERNS / concerns, "review_seconds": review, "dashboard_seconds": dashboard}


def run() -> list[Result]:
    units = {"concerns_per_second": " /s", "review_seconds": " s", "dashboard_seconds": " s"}
    notes = (f"{PROVIDERS} providers, {CONCERNS} concerns (one transaction each, rescoring the provider), "
             f"a review rescoring all, the dashboard over {REFERRALS} referrals")
    folder = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    results = [Result("quality (SQLite)", asyncio.run(_measure(f"sqlite+aiosqlite:///{folder}/q.db")), units, notes)]
    if url := os.environ.get("BENCH_DATABASE_URL"):
        results.append(Result("quality (PostgreSQL)", asyncio.run(_measure(url)), units, notes))
    return results
