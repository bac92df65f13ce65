"""The performance dashboard (read models fed by events)."""

from typing import Annotated

from fastapi import APIRouter, Query

from services.quality.dashboard import service
from services.quality.dashboard.schemas import DashboardSummary
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable))


@router.get("/summary", response_model=DashboardSummary,
            summary="Referrals per week, time to source (by urgency), unmet need, discharges waiting, short visits, "
                    "providers by rating and RAG, decline reasons")
async def dashboard_summary(
    session: SessionDep, _staff: StaffPrincipal, clock: ClockDep,
    weeks: Annotated[int, Query(ge=1, le=104, description="How many weeks back (this one included)")] = 12,
    area: Annotated[str | None, Query(max_length=40, description="One area's referrals only", examples=["OAK"])] = None,
) -> DashboardSummary:
    return await service.summary(session, today=clock.today(), weeks=weeks, area=area)
