"""Recording delivered visits in bulk: idempotent by the provider's own visit id, each row checked
against the provider's own packages and their dates."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.models import Package, Suspension
from services.packages.visits.domain import CareWindow, late_by_minutes
from services.packages.visits.models import Visit
from services.packages.visits.schemas import RowResult, RowStatus, VisitIn, VisitsIn, VisitsReport
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.common import WEEKEND, Day
from shared.contracts.packages import VisitFacts, VisitsRecorded
from shared.events.outbox import record_event

DAYS = list(Day)


async def _care_windows(
    session: AsyncSession, *, provider_id: uuid.UUID, package_ids: set[uuid.UUID]
) -> dict[uuid.UUID, CareWindow]:
    """The provider's own packages among those named (others stay unknown: never revealed)."""
    packages = (await session.execute(
        select(Package.id, Package.start_on, Package.end_on)
        .where(Package.id.in_(package_ids), Package.provider_id == provider_id))).all()
    suspensions: dict[uuid.UUID, list[tuple[date, date | None]]] = {}
    for package_id, starts_on, ends_on in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(Suspension.package_id.in_(package_ids))):
        suspensions.setdefault(package_id, []).append((starts_on, ends_on))
    return {row.id: CareWindow(row.start_on, row.end_on, tuple(suspensions.get(row.id, ()))) for row in packages}


async def _known_ids(session: AsyncSession, *, provider_id: uuid.UUID, visit_ids: list[str]) -> dict[str, uuid.UUID]:
    rows = await session.execute(select(Visit.provider_visit_id, Visit.id).where(
        Visit.provider_id == provider_id, Visit.provider_visit_id.in_(visit_ids)))
    return {provider_visit_id: visit_id for provider_visit_id, visit_id in rows}


def _new_visit(provider_id: uuid.UUID, row: VisitIn) -> Visit:
    return Visit(
        id=uuid.uuid4(), provider_id=provider_id, provider_visit_id=row.visit_id, package_id=row.package_id,
        date=row.date, weekend=DAYS[row.date.weekday()] in WEEKEND, planned_start=row.planned_start,
        actual_start=row.actual_start, planned_minutes=row.planned_minutes, actual_minutes=row.actual_minutes,
        carers=row.carers, missed=row.missed,
    )


def _facts(visit: Visit) -> VisitFacts:
    return VisitFacts(
        visit_id=visit.id, package_id=visit.package_id, date=visit.date, planned_start=visit.planned_start,
        actual_start=visit.actual_start, planned_minutes=visit.planned_minutes,
        actual_minutes=visit.actual_minutes, carers=visit.carers, missed=visit.missed,
        late_by_minutes=late_by_minutes(planned=visit.planned_start, actual=visit.actual_start, missed=visit.missed),
    )


async def record_visits(session: AsyncSession, *, actor: Principal, data: VisitsIn, today: date) -> VisitsReport:
    assert actor.provider_id is not None, "provider clients are bound to a provider"
    provider_id = actor.provider_id
    windows = await _care_windows(session, provider_id=provider_id, package_ids={v.package_id for v in data.visits})
    known = await _known_ids(session, provider_id=provider_id, visit_ids=[v.visit_id for v in data.visits])
    results: list[RowResult] = []
    recorded: list[Visit] = []
    for row in data.visits:
        if row.visit_id in known:
            results.append(RowResult(visit_id=row.visit_id, status=RowStatus.DUPLICATE, id=known[row.visit_id]))
            continue
        window = windows.get(row.package_id)
        reason = "no such package of yours" if window is None else window.refusal(row.date, today=today)
        if reason is not None:
            results.append(RowResult(visit_id=row.visit_id, status=RowStatus.REJECTED, reason=reason))
            continue
        visit = _new_visit(provider_id, row)
        known[row.visit_id] = visit.id
        recorded.append(visit)
        results.append(RowResult(visit_id=row.visit_id, status=RowStatus.RECORDED, id=visit.id))
    if recorded:
        session.add_all(recorded)
        await session.flush()
        await record_audit(session, actor=actor, action="visits.recorded", entity_type="visits",
                           entity_id=provider_id, after=[str(visit.id) for visit in recorded])
        await record_event(session, VisitsRecorded(provider_id=provider_id, visits=[_facts(v) for v in recorded]))
    counts = {status: sum(1 for result in results if result.status is status) for status in RowStatus}
    return VisitsReport(recorded=counts[RowStatus.RECORDED], duplicates=counts[RowStatus.DUPLICATE],
                        rejected=counts[RowStatus.REJECTED], results=results)
