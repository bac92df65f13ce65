"""The registry's routes (API.md, "Provider registry"): thin, parse, call the service, shape the answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, status

from services.providers.deps import CapacitySetter, CommissionerPrincipal
from services.providers.registry import domain, service
from services.providers.registry.exceptions import (
    EmbargoNotFound,
    EmbargoNotOpen,
    InvalidRegistryInput,
    ProviderNotFound,
    RatingExists,
    RegulatorIdTaken,
)
from services.providers.registry.models import Embargo, Rating
from services.providers.registry.repository import ProviderView, rating_summary
from services.providers.registry.schemas import (
    Branch,
    CapacityIn,
    CapacityOut,
    ContractsIn,
    ContractsOut,
    EmbargoIn,
    EmbargoList,
    EmbargoOut,
    LiftIn,
    ProviderCreate,
    ProviderOut,
    ProviderPatch,
    RatingIn,
    RatingList,
    RatingOut,
)
from shared.auth import STAFF_ROLES, Principal, Role, StaffPrincipal, ensure_provider_scope, require_roles
from shared.clock import ClockDep
from shared.contracts.common import ClientGroup, EmbargoScope, ImposedBy, ProviderStatus, Tier
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, Unprocessable, problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/providers", tags=["providers"],
                   responses=problem_responses(Unauthorized, Forbidden, Unprocessable, ProviderNotFound))
ProviderReader = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, Role.PROVIDER))]


def rating_out(rating: Rating) -> RatingOut:
    summary = rating_summary(rating)
    cqc = rating.regulator == "cqc"
    return RatingOut(id=rating.id, regulator=rating.regulator, overall=summary.overall,
                     published_on=rating.published_on, quality_rank=summary.quality_rank,
                     inadequate=summary.inadequate, grades=None if cqc else rating.details,
                     recorded_at=rating.recorded_at, recorded_by=rating.recorded_by, **(rating.details if cqc else {}))


def embargo_out(embargo: Embargo) -> EmbargoOut:
    state = domain.embargo_status(lifted=embargo.lifted_at is not None, ended=embargo.ended_at is not None)
    return EmbargoOut(
        id=embargo.id, scope=EmbargoScope(embargo.scope), area=embargo.area,
        client_group=ClientGroup(embargo.client_group) if embargo.client_group else None,
        imposed_by=ImposedBy(embargo.imposed_by), starts_on=embargo.starts_on, ends_on=embargo.ends_on,
        reason=embargo.reason, status=state, imposed_at=embargo.imposed_at, recorded_by=embargo.recorded_by,
        escalation_id=embargo.escalation_id,
        lift_suggested=embargo.lift_suggested_at is not None and state is domain.EmbargoStatus.OPEN,
        lift_suggested_at=embargo.lift_suggested_at, lifted_at=embargo.lifted_at, lifted_by=embargo.lifted_by,
        lift_reason=embargo.lift_reason, ended_at=embargo.ended_at)


def provider_out(view: ProviderView) -> ProviderOut:
    provider, state = view.provider, view.state()
    current = view.current_rating
    embargoes = [embargo_out(embargo) for embargo in view.embargoes]
    return ProviderOut(
        id=provider.id, name=provider.name, status=state.status, cqc_location_id=provider.cqc_location_id,
        cqc_provider_id=provider.cqc_provider_id, care_inspectorate_id=provider.care_inspectorate_id,
        postcode=provider.postcode, local_authority=provider.local_authority, skills=state.skills,
        client_groups=state.client_groups, branches=[Branch.model_validate(b) for b in provider.branches],
        registered_at=provider.registered_at, version=provider.version,
        rating=rating_out(current) if current else None, contracts=state.contracts, embargoes=embargoes,
        capacity=state.capacity, lift_suggested=any(embargo.lift_suggested for embargo in embargoes))


@router.get("", response_model=Page[ProviderOut])
async def list_providers(
    session: SessionDep,
    page: PageDep,
    _reader: StaffPrincipal,
    area: Annotated[str | None, Query(max_length=20, description="Holds a contract in this area")] = None,
    provider_status: Annotated[ProviderStatus | None, Query(alias="status")] = None,
    tier: Annotated[Tier | None, Query(description="Holds a contract on this tier (in `area` if given)")] = None,
) -> Page[ProviderOut]:
    views, cursor = await service.list_providers(session, page=page, area=area, status=provider_status, tier=tier)
    return Page[ProviderOut](items=[provider_out(view) for view in views], next_cursor=cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProviderOut,
             responses=problem_responses(RegulatorIdTaken, InvalidRegistryInput))
async def register_provider(data: ProviderCreate, session: SessionDep, actor: CommissionerPrincipal,
                            clock: ClockDep) -> ProviderOut:
    return provider_out(await service.register_provider(session, actor=actor, data=data, now=clock.now()))


@router.get("/{provider_id}", response_model=ProviderOut)
async def get_provider(provider_id: uuid.UUID, session: SessionDep, reader: ProviderReader) -> ProviderOut:
    """Staff see any provider; a provider client only its own (any other id answers 404)."""
    ensure_provider_scope(reader, provider_id, what="provider")
    return provider_out(await service.get_provider(session, provider_id=provider_id))


@router.patch("/{provider_id}", response_model=ProviderOut, responses=problem_responses(RegulatorIdTaken))
async def update_provider(
    provider_id: uuid.UUID, data: ProviderPatch, session: SessionDep, actor: CommissionerPrincipal, clock: ClockDep
) -> ProviderOut:
    return provider_out(await service.update_provider(session, actor=actor, provider_id=provider_id, data=data,
                                                      now=clock.now()))


@router.put("/{provider_id}/contracts", response_model=ContractsOut)
async def replace_contracts(
    provider_id: uuid.UUID, data: ContractsIn, session: SessionDep, actor: CommissionerPrincipal, clock: ClockDep
) -> ContractsOut:
    """Replaces the provider's whole set of contracts."""
    view = await service.replace_contracts(session, actor=actor, provider_id=provider_id, data=data, now=clock.now())
    return ContractsOut(contracts=view.state().contracts)


@router.post("/{provider_id}/ratings", status_code=status.HTTP_201_CREATED, response_model=RatingOut,
             responses=problem_responses(RatingExists))
async def record_rating(
    provider_id: uuid.UUID, data: Annotated[RatingIn, Body()], session: SessionDep, actor: CommissionerPrincipal,
    clock: ClockDep,
) -> RatingOut:
    """A regulator's rating; history is kept and the latest by publication date is the current one."""
    _view, rating = await service.record_rating(session, actor=actor, provider_id=provider_id, data=data,
                                                now=clock.now())
    return rating_out(rating)


@router.get("/{provider_id}/ratings", response_model=RatingList)
async def list_ratings(
    provider_id: uuid.UUID, session: SessionDep, page: PageDep, _reader: StaffPrincipal
) -> RatingList:
    """Every rating recorded, newest publication first."""
    ratings, cursor = await service.list_ratings(session, provider_id=provider_id, page=page)
    return RatingList(items=[rating_out(rating) for rating in ratings], next_cursor=cursor)


@router.post("/{provider_id}/embargoes", status_code=status.HTTP_201_CREATED, response_model=EmbargoOut)
async def impose_embargo(
    provider_id: uuid.UUID, data: EmbargoIn, session: SessionDep, actor: CommissionerPrincipal, clock: ClockDep
) -> EmbargoOut:
    _view, embargo = await service.impose_embargo(session, actor=actor, provider_id=provider_id, data=data,
                                                  now=clock.now())
    return embargo_out(embargo)


@router.get("/{provider_id}/embargoes", response_model=EmbargoList)
async def list_embargoes(
    provider_id: uuid.UUID, session: SessionDep, page: PageDep, _reader: StaffPrincipal
) -> EmbargoList:
    """The whole history: open, lifted and ended embargoes, latest start first."""
    embargoes, cursor = await service.list_embargoes(session, provider_id=provider_id, page=page)
    return EmbargoList(items=[embargo_out(embargo) for embargo in embargoes], next_cursor=cursor)


@router.post("/{provider_id}/embargoes/{embargo_id}/lift", response_model=EmbargoOut,
             responses=problem_responses(EmbargoNotFound, EmbargoNotOpen))
async def lift_embargo(
    provider_id: uuid.UUID,
    embargo_id: uuid.UUID,
    session: SessionDep,
    actor: CommissionerPrincipal,
    clock: ClockDep,
    data: Annotated[LiftIn | None, Body()] = None,
) -> EmbargoOut:
    """Lifting twice, or lifting an ended embargo, answers 409."""
    _view, embargo = await service.lift_embargo(session, actor=actor, provider_id=provider_id,
                                                embargo_id=embargo_id, reason=data.reason if data else None,
                                                now=clock.now())
    return embargo_out(embargo)


@router.get("/{provider_id}/capacity", response_model=CapacityOut)
async def get_capacity(provider_id: uuid.UUID, session: SessionDep, reader: ProviderReader) -> CapacityOut:
    ensure_provider_scope(reader, provider_id, what="provider")
    return CapacityOut(areas=(await service.get_provider(session, provider_id=provider_id)).state().capacity)


@router.put("/{provider_id}/capacity", response_model=CapacityOut)
async def set_capacity(
    provider_id: uuid.UUID, data: CapacityIn, session: SessionDep, actor: CapacitySetter, clock: ClockDep
) -> CapacityOut:
    """Hours per week available, by area (replaces the declaration). A provider client declares its own;
    commissioners and brokers may set anyone's."""
    ensure_provider_scope(actor, provider_id, what="provider")
    view = await service.set_capacity(session, actor=actor, provider_id=provider_id, data=data, now=clock.now())
    return CapacityOut(areas=view.state().capacity)

