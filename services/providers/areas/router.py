from fastapi import APIRouter, status

from services.providers.areas import service
from services.providers.areas.exceptions import AreaCodeTaken, AreaNotFound
from services.providers.areas.schemas import AreaIn, AreaList, AreaPatch
from services.providers.deps import CommissionerPrincipal
from shared.auth import StaffPrincipal
from shared.contracts.providers import AreaState
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.pagination import PageDep

router = APIRouter(prefix="/api/v1/areas", tags=["areas"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AreaState,
             responses=problem_responses(AreaCodeTaken))
async def create_area(data: AreaIn, session: SessionDep, actor: CommissionerPrincipal) -> AreaState:
    """A contract area; `framework_offer_mode` defaults to `ranked`."""
    return await service.create_area(session, actor=actor, data=data)


@router.get("", response_model=AreaList)
async def list_areas(session: SessionDep, page: PageDep, _reader: StaffPrincipal) -> AreaList:
    items, cursor = await service.list_areas(session, page=page)
    return AreaList(items=items, next_cursor=cursor)


@router.get("/{code}", response_model=AreaState, responses=problem_responses(AreaNotFound))
async def get_area(code: str, session: SessionDep, _reader: StaffPrincipal) -> AreaState:
    return await service.get_area(session, code=code)



@router.patch("/{code}", response_model=AreaState, responses=problem_responses(AreaNotFound))
async def update_area(code: str, data: AreaPatch, session: SessionDep, actor: CommissionerPrincipal) -> AreaState:
    return await service.update_area(session, actor=actor, code=code, data=data)
