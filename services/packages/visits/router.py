import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.packages.deps import CareWriter, PackageReader, ProviderClient, SettingsDep
from services.packages.visits import service
from services.packages.visits.domain import Approval
from services.packages.visits.exceptions import NoExtension, VisitNotFound, VisitNotPending, VisitVoided
from services.packages.visits.schemas import DecisionIn, VisitDetail, VisitOut, VisitsIn, VisitsReport, VoidIn
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Conflict, Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/visits", tags=["visits"], responses=problem_responses(Unauthorized, Forbidden))


@router.post("", response_model=VisitsReport, responses=problem_responses(Conflict))
async def record_visits(data: VisitsIn, session: SessionDep, actor: ProviderClient,
                        settings: SettingsDep, clock: ClockDep) -> VisitsReport:
    """Bulk report of visits with their outcomes. Sending a visit id again with the same details changes
    nothing (`duplicate`); with other details and a `correction_reason` it is corrected (a new version, the
    earlier kept, any difference settled by the next invoice run). A second visit for the same package,
    date and planned start is refused; a visit on a day the schedule does not have is recorded as
    unplanned and paid once a broker approves it."""
    return await service.record_visits(session, actor=actor, data=data, now=clock.now(),
                                       policy=settings.payment_policy)


@router.get("", response_model=Page[VisitOut])
async def list_visits(
    session: SessionDep, actor: PackageReader, page: PageDep,
    approval: Annotated[Approval | None, Query(description="pending: unplanned visits waiting for a broker")] = None,
    package_id: Annotated[uuid.UUID | None, Query()] = None,
    date_from: Annotated[date | None, Query()] = None, date_to: Annotated[date | None, Query()] = None,
) -> Page[VisitOut]:
    """Visits by date; a provider client sees its own only."""
    rows = await service.list_visits(session, actor=actor, page=page, approval=approval, package_id=package_id,
                                     date_from=date_from, date_to=date_to)
    return Page(items=[service.visit_out(row) for row in rows[: page.limit]],
                next_cursor=next_cursor(rows, page.limit, lambda row: (str(row.date), str(row.id))))


@router.get("/{visit_id}", response_model=VisitDetail, responses=problem_responses(VisitNotFound))
async def get_visit(visit_id: uuid.UUID, session: SessionDep, actor: PackageReader) -> VisitDetail:
    """A visit with every earlier version a correction replaced."""
    return await service.get_visit(session, actor=actor, visit_id=visit_id)


@router.post("/{visit_id}/void", response_model=VisitOut, responses=problem_responses(VisitNotFound, VisitVoided))
async def void_visit(visit_id: uuid.UUID, data: VoidIn, session: SessionDep, actor: ProviderClient,
                     clock: ClockDep) -> VisitOut:
    return await service.void(session, actor=actor, visit_id=visit_id, data=data, now=clock.now())


@router.post("/{visit_id}/approve", response_model=VisitOut,
             responses=problem_responses(VisitNotFound, VisitVoided, VisitNotPending))
async def approve_visit(visit_id: uuid.UUID, data: DecisionIn, session: SessionDep, actor: CareWriter) -> VisitOut:
    """An unplanned visit approved is paid by the next invoice run of its period."""
    return await service.decide(session, actor=actor, visit_id=visit_id, data=data, approval=Approval.APPROVED)


@router.post("/{visit_id}/extension", response_model=VisitOut,
             responses=problem_responses(VisitNotFound, VisitVoided, NoExtension))
async def approve_extension(visit_id: uuid.UUID, data: DecisionIn, session: SessionDep,
                            actor: CareWriter) -> VisitOut:
    """A broker approves the minutes a visit ran over its planned ones; the next invoice run pays them."""
    return await service.approve_extension(session, actor=actor, visit_id=visit_id, data=data)


@router.post("/{visit_id}/refuse", response_model=VisitOut,
             responses=problem_responses(VisitNotFound, VisitVoided, VisitNotPending))
async def refuse_visit(visit_id: uuid.UUID, data: DecisionIn, session: SessionDep, actor: CareWriter) -> VisitOut:
    return await service.decide(session, actor=actor, visit_id=visit_id, data=data, approval=Approval.REFUSED)
