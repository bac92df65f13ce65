"""Concerns, contract monitoring visits and service-user feedback (API.md, "Quality")."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.quality.deps import QualityOfficer, SettingsDep
from services.quality.intelligence import service
from services.quality.intelligence.models import Concern, Feedback, MonitoringVisit
from services.quality.intelligence.schemas import (
    ConcernIn,
    ConcernOut,
    FeedbackIn,
    FeedbackOut,
    MonitoringVisitIn,
    MonitoringVisitOut,
)
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1", tags=["quality intelligence"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable))
ProviderFilter = Annotated[uuid.UUID | None, Query(description="Only records about this provider")]


@router.post("/concerns", status_code=status.HTTP_201_CREATED, response_model=ConcernOut,
             summary="Record a concern; it counts in the provider's risk at once")
async def record_concern(data: ConcernIn, session: SessionDep, officer: QualityOfficer,
                         settings: SettingsDep, clock: ClockDep) -> ConcernOut:
    concern = await service.record_concern(session, actor=officer, data=data, settings=settings, now=clock.now())
    return ConcernOut.model_validate(concern, from_attributes=True)


@router.get("/concerns", response_model=Page[ConcernOut])
async def list_concerns(session: SessionDep, staff: StaffPrincipal, page: PageDep,
                        provider_id: ProviderFilter = None) -> Page[ConcernOut]:
    rows, cursor = await service.list_records(session, model=Concern, actor=staff, page=page,
                                              provider_id=provider_id)
    return Page(items=[ConcernOut.model_validate(row, from_attributes=True) for row in rows], next_cursor=cursor)


@router.post("/monitoring-visits", status_code=status.HTTP_201_CREATED, response_model=MonitoringVisitOut,
             summary="Record a contract monitoring visit with a finding per area checked")
async def record_monitoring_visit(data: MonitoringVisitIn, session: SessionDep, officer: QualityOfficer,
                                  settings: SettingsDep, clock: ClockDep) -> MonitoringVisitOut:
    visit = await service.record_monitoring_visit(session, actor=officer, data=data, settings=settings,
                                                  now=clock.now())
    return MonitoringVisitOut.model_validate(visit, from_attributes=True)


@router.get("/monitoring-visits", response_model=Page[MonitoringVisitOut])
async def list_monitoring_visits(session: SessionDep, staff: StaffPrincipal, page: PageDep,
                                 provider_id: ProviderFilter = None) -> Page[MonitoringVisitOut]:
    rows, cursor = await service.list_records(session, model=MonitoringVisit, actor=staff, page=page,
                                              provider_id=provider_id)
    return Page(items=[MonitoringVisitOut.model_validate(row, from_attributes=True) for row in rows],
                next_cursor=cursor)


@router.post("/feedback", status_code=status.HTTP_201_CREATED, response_model=FeedbackOut,
             summary="Record service-user feedback (scores 1-5 and comments)")
async def record_feedback(data: FeedbackIn, session: SessionDep, officer: QualityOfficer,
                          settings: SettingsDep, clock: ClockDep) -> FeedbackOut:
    feedback = await service.record_feedback(session, actor=officer, data=data, settings=settings,
                                             now=clock.now())
    return FeedbackOut.model_validate(feedback, from_attributes=True)


@router.get("/feedback", response_model=Page[FeedbackOut])
async def list_feedback(session: SessionDep, staff: StaffPrincipal, page: PageDep,
                        provider_id: ProviderFilter = None) -> Page[FeedbackOut]:
    rows, cursor = await service.list_records(session, model=Feedback, actor=staff, page=page,
                                              provider_id=provider_id)
    return Page(items=[FeedbackOut.model_validate(row, from_attributes=True) for row in rows], next_cursor=cursor)
