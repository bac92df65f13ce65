import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.packages.care import service
from services.packages.care.exceptions import InvalidDate, PackageNotFound, ShortVisitRefused, WrongStatus
from services.packages.care.schemas import ChangeIn, EndIn, PackageOut, PackageView, ResumeIn, SuspendIn
from services.packages.deps import CareWriter, PackageReader, SettingsDep
from shared.clock import ClockDep
from shared.contracts.packages import PackageStatus
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/packages", tags=["packages"],
                   responses=problem_responses(Unauthorized, Forbidden))
CHANGE_PROBLEMS = problem_responses(PackageNotFound, WrongStatus, InvalidDate)


@router.get("", response_model=Page[PackageView], description=(
    "Staff see every package with its split by funder (`PackageOut`); a provider client sees only its "
    "own packages, without the split (`ProviderPackageOut`), whatever filters it passes."))
async def list_packages(
    session: SessionDep, actor: PackageReader, page: PageDep, settings: SettingsDep, clock: ClockDep,
    status: Annotated[PackageStatus | None, Query()] = None,
    provider_id: Annotated[uuid.UUID | None, Query()] = None,
    referral_id: Annotated[uuid.UUID | None, Query(
        description="The package placed from this referral (a provider: the `referral_id` of the offer it accepted)"
    )] = None,
) -> Page[PackageView]:
    shown, rows = await service.list_packages(session, actor=actor, page=page, status=status,
                                              provider_id=provider_id, referral_id=referral_id, today=clock.today(),
                                              calendar=settings.calendar)
    return Page(items=list(shown), next_cursor=next_cursor(rows, page.limit, lambda row: (str(row.id),)))


@router.get("/{package_id}", response_model=PackageView, responses=problem_responses(PackageNotFound),
            description="Staff see `PackageOut`; a provider client its own package as `ProviderPackageOut` "
                        "(another provider's answers 404).")
async def get_package(package_id: uuid.UUID, session: SessionDep, actor: PackageReader,
                      settings: SettingsDep, clock: ClockDep) -> PackageView:
    return await service.read(session, actor=actor, package_id=package_id, today=clock.today(),
                              calendar=settings.calendar)


@router.post("/{package_id}/changes", response_model=PackageOut,
             responses={**CHANGE_PROBLEMS, **problem_responses(ShortVisitRefused)})
async def change_package(package_id: uuid.UUID, data: ChangeIn, session: SessionDep, actor: CareWriter,
                         settings: SettingsDep, clock: ClockDep) -> PackageOut:
    record = await service.change(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=clock.today(), calendar=settings.calendar)


@router.post("/{package_id}/suspend", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def suspend_package(package_id: uuid.UUID, data: SuspendIn, session: SessionDep, actor: CareWriter,
                          settings: SettingsDep, clock: ClockDep) -> PackageOut:
    record = await service.suspend(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=clock.today(), calendar=settings.calendar)


@router.post("/{package_id}/resume", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def resume_package(package_id: uuid.UUID, data: ResumeIn, session: SessionDep, actor: CareWriter,
                         settings: SettingsDep, clock: ClockDep) -> PackageOut:
    record = await service.resume(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=clock.today(), calendar=settings.calendar)


@router.post("/{package_id}/end", response_model=PackageOut, responses=CHANGE_PROBLEMS)
async def end_package(package_id: uuid.UUID, data: EndIn, session: SessionDep, actor: CareWriter,
                      settings: SettingsDep, clock: ClockDep) -> PackageOut:
    record = await service.end(session, actor=actor, package_id=package_id, data=data, calendar=settings.calendar)
    return await service.view(session, record, today=clock.today(), calendar=settings.calendar)
