"""Reconciling a period: one page of packages in care in it at a time, each with the visits planned, the
visits reported by outcome and what the period's documents charge for it (three grouped queries a page)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.invoices.domain import DateRange, Period
from services.packages.invoices.models import Invoice, InvoiceLine
from services.packages.invoices.repository import overlaps
from services.packages.invoices.service import visible_to
from services.packages.reconciliation.domain import Reported, Term, planned_visits, term_span
from services.packages.reconciliation.schemas import ReconciliationRow
from services.packages.visits.domain import Approval
from services.packages.visits.models import Visit
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.packages import VisitOutcome
from shared.errors import Unprocessable
from shared.pagination import PageRequest, next_cursor


def _after(cursor: list[object] | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(cursor[0])) if cursor else None
    except (ValueError, IndexError):
        raise Unprocessable("The cursor is not one this API gave out.") from None


async def _terms(session: AsyncSession, ids: list[uuid.UUID], period: Period) -> dict[uuid.UUID, list[Term]]:
    found: dict[uuid.UUID, list[Term]] = defaultdict(list)
    for package_id, starts, ends, weekdays in await session.execute(
            select(PackageTerm.package_id, PackageTerm.effective_from, PackageTerm.effective_to,
                   PackageTerm.weekday_visits)
            .where(PackageTerm.package_id.in_(ids),
                   overlaps(PackageTerm.effective_from, PackageTerm.effective_to, period, end_exclusive=True))):
        found[package_id].append(Term(term_span(starts, ends), tuple(map(int, weekdays.split()))))
    return found


async def _suspensions(session: AsyncSession, ids: list[uuid.UUID], period: Period) -> dict[uuid.UUID, list[DateRange]]:
    found: dict[uuid.UUID, list[DateRange]] = defaultdict(list)
    for package_id, starts, ends in await session.execute(
            select(Suspension.package_id, Suspension.starts_on, Suspension.ends_on)
            .where(Suspension.package_id.in_(ids), overlaps(Suspension.starts_on, Suspension.ends_on, period))):
        found[package_id].append((starts, ends))
    return found


async def _reported(session: AsyncSession, ids: list[uuid.UUID], period: Period) -> dict[uuid.UUID, Reported]:
    found: dict[uuid.UUID, Reported] = defaultdict(Reported)
    for package_id, outcome, approval, count in await session.execute(
            select(Visit.package_id, Visit.outcome, Visit.approval, func.count())
            .where(Visit.package_id.in_(ids), Visit.date >= period.start, Visit.date <= period.end,
                   Visit.voided_at.is_(None))
            .group_by(Visit.package_id, Visit.outcome, Visit.approval)):
        reported = found[package_id]
        if approval is None or approval == Approval.APPROVED:
            reported.by_outcome[VisitOutcome(outcome)] += count
        if approval is None:
            reported.planned_reported += count
        elif approval == Approval.PENDING:
            reported.awaiting_approval += count
    return found


async def _paid(session: AsyncSession, ids: list[uuid.UUID], period: Period) -> dict[uuid.UUID, Decimal]:
    rows = await session.execute(
        select(InvoiceLine.package_id, func.sum(InvoiceLine.amount))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.package_id.in_(ids), Invoice.period_start >= period.start,
               Invoice.period_end <= period.end)
        .group_by(InvoiceLine.package_id))
    return {package_id: Decimal(total) for package_id, total in rows if package_id is not None}


async def reconcile(
    session: AsyncSession, *, actor: Principal, period: Period, provider_id: uuid.UUID | None, page: PageRequest,
) -> tuple[list[ReconciliationRow], str | None]:
    """A page of the packages in care in the period (by package id), reconciled. A provider sees its own."""
    query = select(Package).where(overlaps(Package.start_on, Package.end_on, period)).order_by(Package.id)
    chosen = visible_to(actor) or provider_id
    if chosen is not None:
        query = query.where(Package.provider_id == chosen)
    if (after := _after(page.cursor)) is not None:
        query = query.where(Package.id > after)
    packages = list(await session.scalars(query.limit(page.limit + 1)))
    cursor = next_cursor(packages, page.limit, lambda package: (str(package.id),))
    packages = packages[: page.limit]
    ids = [package.id for package in packages]
    terms, suspended = await _terms(session, ids, period), await _suspensions(session, ids, period)
    reported, paid = await _reported(session, ids, period), await _paid(session, ids, period)
    rows = []
    for package in packages:
        planned = planned_visits(period, package=(package.start_on, package.end_on), terms=terms[package.id],
                                 suspensions=suspended[package.id])
        counts = reported[package.id]
        rows.append(ReconciliationRow(
            package_id=package.id, client_ref=package.client_ref, provider_id=package.provider_id, area=package.area,
            planned_visits=planned, delivered=counts.by_outcome[VisitOutcome.DELIVERED],
            missed=counts.by_outcome[VisitOutcome.MISSED],
            cancelled_by_client=counts.by_outcome[VisitOutcome.CANCELLED_BY_CLIENT],
            frustrated=counts.by_outcome[VisitOutcome.FRUSTRATED], not_reported=counts.not_reported(planned),
            awaiting_approval=counts.awaiting_approval, paid=paid.get(package.id, Decimal("0.00"))))
    await record_audit(session, actor=actor, action="reconciliation.read", entity_type="provider",
                       entity_id=str(chosen or "*"), after={"period": period.label, "packages": len(rows)})
    return rows, cursor
