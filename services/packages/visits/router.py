from fastapi import APIRouter

from services.packages.deps import ProviderClient, today
from services.packages.visits import service
from services.packages.visits.schemas import VisitsIn, VisitsReport
from shared.db import SessionDep
from shared.errors import Conflict, Forbidden, Unauthorized, problem_responses

router = APIRouter(prefix="/api/v1/visits", tags=["visits"], responses=problem_responses(Unauthorized, Forbidden))


@router.post("", response_model=VisitsReport, responses=problem_responses(Conflict))
async def record_visits(data: VisitsIn, session: SessionDep, actor: ProviderClient) -> VisitsReport:
    """Bulk report of delivered visits; replaying a visit id already recorded changes nothing."""
    return await service.record_visits(session, actor=actor, data=data, today=today())
