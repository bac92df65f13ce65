"""The risk matrix and its fortnightly review (API.md, "Quality")."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.quality.deps import QualityOfficer, SettingsDep
from services.quality.performance.domain import falls_short
from services.quality.performance.models import VisitPerformance
from services.quality.risk import service
from services.quality.risk.exceptions import NotAssessed
from services.quality.risk.models import ProviderRisk, RiskChange, RiskReview
from services.quality.risk.schemas import (
    EvidenceLine,
    ReviewDecision,
    ReviewIn,
    ReviewOut,
    RiskPoint,
    RiskRow,
    VisitPerformanceLine,
)
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.contracts.common import Rag
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/risk-matrix", tags=["risk matrix"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable))


def performance_line(report: VisitPerformance) -> VisitPerformanceLine:
    return VisitPerformanceLine(
        period_start=report.period_start, period_end=report.period_end, planned_visits=report.planned_visits,
        logged_visits=report.logged_visits, missed_visits=report.missed_visits,
        compliance_percent=report.compliance_percent, target_percent=report.call_logging_target_percent,
        below_target=falls_short(report.compliance_percent, target=report.call_logging_target_percent),
        punctual_visits=report.punctual_visits, timed_visits=report.timed_visits,
        punctuality_percent=report.punctuality_percent,
        punctuality_target_percent=report.punctuality_target_percent)


def risk_row(risk: ProviderRisk, name: str, report: VisitPerformance | None) -> RiskRow:
    return RiskRow(provider_id=risk.provider_id, provider_name=name, score=risk.score, rag=Rag(risk.rag),
                   evidence=[EvidenceLine.model_validate(line) for line in risk.evidence],
                   assessed_at=risk.assessed_at, escalated=risk.open_escalation_id is not None,
                   escalation_id=risk.open_escalation_id,
                   visit_performance=performance_line(report) if report is not None else None)


def review_out(review: RiskReview) -> ReviewOut:
    return ReviewOut(id=review.id, held_on=review.held_on, reviewed_by=review.reviewed_by,
                     recorded_at=review.created_at, notes=review.notes,
                     decisions=[ReviewDecision.model_validate(each) for each in review.decisions],
                     cleared=review.cleared)


@router.get("", response_model=Page[RiskRow], summary="Every provider's risk score, RAG and its evidence")
async def risk_matrix(
    session: SessionDep, _staff: StaffPrincipal, page: PageDep,
    rag: Annotated[Rag | None, Query(description="Only providers of this colour")] = None,
) -> Page[RiskRow]:
    rows, cursor = await service.matrix_page(session, page=page, rag=rag)
    return Page(items=[risk_row(risk, name, report) for risk, name, report in rows], next_cursor=cursor)


@router.post("/review", status_code=status.HTTP_201_CREATED, response_model=ReviewOut,
             summary="Record the fortnightly review (rescores everyone; clears escalations back to green)")
async def record_review(data: ReviewIn, session: SessionDep, officer: QualityOfficer,
                        settings: SettingsDep, clock: ClockDep) -> ReviewOut:
    review = await service.record_review(session, actor=officer, data=data, settings=settings, now=clock.now())
    return review_out(review)


@router.get("/reviews", response_model=Page[ReviewOut], summary="Reviews recorded, oldest first")
async def list_reviews(session: SessionDep, _staff: StaffPrincipal, page: PageDep) -> Page[ReviewOut]:
    rows, cursor = await service.reviews_page(session, page=page)
    return Page(items=[review_out(review) for review in rows], next_cursor=cursor)


def risk_point(change: RiskChange) -> RiskPoint:
    return RiskPoint(at=change.at, score=change.score, rag=Rag(change.rag))


@router.get("/{provider_id}", response_model=RiskRow, responses=problem_responses(NotAssessed),
            summary="One provider's risk score, RAG and its evidence")
async def provider_risk(provider_id: uuid.UUID, session: SessionDep, _staff: StaffPrincipal) -> RiskRow:
    return risk_row(*await service.provider_row(session, provider_id=provider_id))


@router.get("/{provider_id}/history", response_model=Page[RiskPoint],
            summary="A provider's score and RAG over time, oldest first: a point each time they changed")
async def provider_risk_history(
    provider_id: uuid.UUID, session: SessionDep, _staff: StaffPrincipal, page: PageDep,
    since: Annotated[datetime | None, Query(description="Only changes from this time on")] = None,
) -> Page[RiskPoint]:
    rows, cursor = await service.history_page(session, provider_id=provider_id, page=page, since=since)
    return Page(items=[risk_point(row) for row in rows], next_cursor=cursor)
