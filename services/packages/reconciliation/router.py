"""`GET /api/v1/reconciliation`: a period reconciled package by package (docs/finance.md)."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.packages.deps import InvoiceReader
from services.packages.invoices.domain import Period
from services.packages.reconciliation import service
from services.packages.reconciliation.domain import period_problem
from services.packages.reconciliation.exceptions import InvalidReconciliation
from services.packages.reconciliation.schemas import ReconciliationPage
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import PageDep

router = APIRouter(prefix="/api/v1", tags=["invoices"],
                   responses=problem_responses(Unauthorized, Forbidden, InvalidReconciliation))


@router.get("/reconciliation", response_model=ReconciliationPage,
            summary="Each package in care in a period: visits planned, reported by outcome, and what it was paid")
async def reconcile_period(
    session: SessionDep, actor: InvoiceReader, page: PageDep, period_start: Annotated[date, Query()],
    period_end: Annotated[date, Query()], provider_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ReconciliationPage:
    """Planned visits come from the schedules in force on the package's days in care; reported visits are
    counted at their latest version (voided ones left out, unplanned ones once approved); `paid` sums the
    package's lines on the documents of periods within the dates. A provider sees its own packages."""
    if problem := period_problem(period_start, period_end):
        raise InvalidReconciliation(problem, errors=[{"field": "period_end", "message": problem}])
    rows, cursor = await service.reconcile(session, actor=actor, period=Period(period_start, period_end),
                                           provider_id=provider_id, page=page)
    return ReconciliationPage(period_start=period_start, period_end=period_end, items=rows, next_cursor=cursor)
