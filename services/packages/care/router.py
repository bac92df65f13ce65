import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.packages.care import service
from services.packages.care.domain import PackageStatus
from services.packages.care.exceptions import InvalidDate, PackageNotFound, ShortVisitRefused, WrongStatus
from services.packages.care.schemas import ChangeIn, EndIn, PackageOut, ResumeIn, SuspendIn
from services.packages.deps import CareWriter, SettingsDep, today
from shared.auth import StaffPrincipal
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/packages", tags=["packages"],
                   responses=problem_responses(Unauthorized, Forbidden))
CHANGE_PROBLEMS = problem_responses(PackageNotFound, WrongStatus, InvalidDate)


@router.get("", response_model=Page[PackageOut])
async def list_packages(
    session: SessionDep, actor: StaffPrincipal, page: PageDep, settings: SettingsDep,
    status: Annotated[PackageStatus | None, Query()] = None,
    provider_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[PackageOut]:
    shown, rows = await service.list_packages(session, actor=actor, page=page, status=status,
                                              provider_id=provider_id, today=today(), calendar=settings.calendar)
    return Page(items=shown, next_cursor=next_cursor(rows, page.limit, lambda row: (str(row.id),)))


@router.get("/{package_id}", response_model=PackageOut, responses=problem_responses(PackageNotFound))
async def get_package(package_id: uuid.UUID, session: SessionDep, actor: StaffPrincipal,
                      settings: SettingsDep) -> PackageOut:
    return await service.read(session, actor=actor, package_id=package_id, today=today(), calendar=settings.calendar)


@router.post("/{package_id}/changes", response_model=PackageOut,
             responses={**CHANGE_PROBLEMS, **problem_responses(ShortVisitRefused)})
async def change_package(package_id: uuid.UUID, data: ChangeIn, session: SessionDep, actor: CareWriter,
                         settings: SettingsDep) -> PackageOut:
    record = await service.change(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=today(), calendar=settings.calendar)


@router.post("/{package_id}/suspend", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def suspend_package(package_id: uuid.UUID, data: SuspendIn, session: SessionDep, actor: CareWriter,
                          settings: SettingsDep) -> PackageOut:
    record = await service.suspend(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=today(), calendar=settings.calendar)


@router.post("/{package_id}/resume", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def resume_package(package_id: uuid.UUID, data: ResumeIn, session: SessionDep, actor: CareWriter,
                         settings: SettingsDep) -> PackageOut:
    record = await service.resume(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=today(), calendar=settings.calendar)


@router.post("/{package_id}/end", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def end_package(package_id: uuid.UUID, data: EndIn, session: SessionDep, actor: CareWriter,
                      settings: SettingsDep) -> PackageOut:
    record = await service.end(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=today(), calendar=settings.calendar)
