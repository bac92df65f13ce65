"""`GET /api/v1/users`: display names of the users and clients whose ids the services record, for staff;
`GET /api/v1/users/me`: the signed-in account."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.gateway.deps import ActivePrincipal
from services.gateway.directory import service
from services.gateway.directory.schemas import Me, PeopleList
from services.gateway.ratelimit import RateLimited
from shared.auth import Principal
from shared.db import SessionDep
from shared.errors import Forbidden, NotFound, Unauthorized, problem_responses

router = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[RateLimited],
                   responses=problem_responses(Unauthorized, Forbidden))
MAX_IDS = 200


async def _active_staff(principal: ActivePrincipal) -> Principal:
    if not principal.is_staff:
        raise Forbidden("Names of staff are shown to staff only.")
    return principal


ActiveStaff = Annotated[Principal, Depends(_active_staff)]


@router.get("", response_model=PeopleList, summary="Display names of users and API clients by id (staff)")
async def list_people(
    session: SessionDep, _staff: ActiveStaff,
    ids: Annotated[list[uuid.UUID], Query(alias="id", min_length=1, max_length=MAX_IDS,
                                          description="The ids to name (repeat `id`); unknown ones are left out")],
) -> PeopleList:
    return PeopleList(items=await service.people(session, ids=set(ids)))


@router.get("/me", response_model=Me, responses=problem_responses(NotFound))
async def who_am_i(session: SessionDep, principal: ActivePrincipal) -> Me:
    return await service.me(session, principal=principal)
