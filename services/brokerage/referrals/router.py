import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from services.brokerage.deps import BrokerPrincipal, SettingsDep
from services.brokerage.referrals import repository, service
from services.brokerage.referrals.exceptions import (
    InvalidReferral,
    ReferralClosed,
    ReferralNotFound,
    UnknownProvider,
)
from services.brokerage.referrals.models import Referral
from services.brokerage.referrals.schemas import (
    AmendIn,
    AwardIn,
    CancelIn,
    EligibilityListOut,
    EligibilityOut,
    HistoryOut,
    ReferralCreate,
    ReferralOut,
    ReferralSummary,
)
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.contracts.brokerage import ReferralStatus
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"],
                   responses=problem_responses(Unauthorized, Forbidden))

StatusQuery = Annotated[ReferralStatus | None, Query(examples=["unsourced"])]


def _summary(referral: Referral) -> ReferralSummary:
    return ReferralSummary(
        id=referral.id, client_ref=referral.client_ref, area=referral.area, client_group=referral.client_group,
        needs=referral.needs, urgency=referral.urgency, start_on=referral.start_on, visits=referral.visits,
        short_visit_justification=referral.short_visit_justification,
        funding={"health_share_percent": referral.health_share_percent}, status=referral.status,
        weekly_hours=referral.weekly_hours, placed_with=referral.placed_with, external_ref=referral.external_ref,
        created_at=referral.created_at,
    )


def _full(record: service.ReferralRecord) -> ReferralOut:
    names = record.provider_names
    return ReferralOut(**_summary(record.referral).model_dump(), history=[
        HistoryOut.model_validate(entry, from_attributes=True).model_copy(
            update={"provider_name": names.get(entry.provider_id) if entry.provider_id else None})
        for entry in record.history])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReferralOut,
             responses=problem_responses(InvalidReferral))
async def create_referral(data: ReferralCreate, session: SessionDep, actor: BrokerPrincipal,
                          settings: SettingsDep, clock: ClockDep) -> ReferralOut:
    """Validated (NICE short visits, start date, known area and skills), then sourced at once: the first
    offers exist when this returns, or the referral is on the waiting list."""
    return _full(await service.create_referral(session, actor=actor, data=data, settings=settings, now=clock.now()))


@router.get("", response_model=Page[ReferralSummary])
async def list_referrals(session: SessionDep, _actor: StaffPrincipal, page: PageDep,
                         status: StatusQuery = None) -> Page[ReferralSummary]:
    rows = await service.list_referrals(session, status=status, page=page)
    return Page(items=[_summary(each) for each in rows[:page.limit]],
                next_cursor=next_cursor(rows, page.limit, repository.referral_cursor))


@router.get("/{referral_id}", response_model=ReferralOut, responses=problem_responses(ReferralNotFound))
async def get_referral(referral_id: uuid.UUID, session: SessionDep, actor: StaffPrincipal) -> ReferralOut:
    """Status and the full cascade history: every provider considered, skipped (and why), offered, answers."""
    return _full(await service.get_referral(session, actor=actor, referral_id=referral_id))


@router.get("/{referral_id}/eligibility", response_model=EligibilityListOut,
            responses=problem_responses(ReferralNotFound))
async def eligibility(referral_id: uuid.UUID, session: SessionDep, _actor: StaffPrincipal, settings: SettingsDep,
                      clock: ClockDep) -> EligibilityListOut:
    """Every provider contracted in the referral's area as the cascade would judge it for the referral now:
    the eligible first (tier, then rank), then the others with the rule each breaks (what a broker checks
    before a direct award). Providers with no contract in the area are not listed."""
    referral, decisions, names = await service.eligibility(session, referral_id=referral_id, settings=settings,
                                                           now=clock.now())
    return EligibilityListOut(referral_id=referral.id, area=referral.area, items=[
        EligibilityOut(provider_id=each.provider_id, provider_name=names.get(each.provider_id), tier=each.tier,
                       eligible=not each.skipped, reason=each.reason, detail=each.detail, score=each.score)
        for each in decisions])


@router.patch("/{referral_id}", response_model=ReferralOut,
              responses=problem_responses(ReferralNotFound, ReferralClosed, InvalidReferral))
async def amend(referral_id: uuid.UUID, data: AmendIn, session: SessionDep, actor: BrokerPrincipal,
                settings: SettingsDep, clock: ClockDep) -> ReferralOut:
    """New terms for a referral still being sourced or waiting (schedule, needs, urgency): its open offers
    are withdrawn, the history says `amended`, and the cascade runs again in a new round."""
    return _full(await service.amend(session, actor=actor, referral_id=referral_id, data=data, settings=settings,
                                     now=clock.now()))


@router.post("/{referral_id}/award", response_model=ReferralOut,
             responses=problem_responses(ReferralNotFound, ReferralClosed, UnknownProvider))
async def award(referral_id: uuid.UUID, data: AwardIn, session: SessionDep, actor: BrokerPrincipal,
                settings: SettingsDep, clock: ClockDep) -> ReferralOut:
    """A direct award, outside the cascade: made even to a provider the cascade would skip (the history
    names the rule overridden; `GET .../eligibility` shows it beforehand)."""
    return _full(await service.award(session, actor=actor, referral_id=referral_id, data=data, settings=settings,
                                     now=clock.now()))


@router.post("/{referral_id}/retry", response_model=ReferralOut,
             responses=problem_responses(ReferralNotFound, ReferralClosed))
async def retry(referral_id: uuid.UUID, session: SessionDep, actor: BrokerPrincipal,
                settings: SettingsDep, clock: ClockDep) -> ReferralOut:
    return _full(await service.retry(session, actor=actor, referral_id=referral_id, settings=settings,
                                     now=clock.now()))


@router.post("/{referral_id}/cancel", response_model=ReferralOut,
             responses=problem_responses(ReferralNotFound, ReferralClosed))
async def cancel(referral_id: uuid.UUID, session: SessionDep, actor: BrokerPrincipal, clock: ClockDep,
                 data: Annotated[CancelIn | None, Body()] = None) -> ReferralOut:
    """Open offers are withdrawn and nobody is offered it again. The body (`{"reason", "detail"}`) is
    optional; its reason is kept in the history."""
    return _full(await service.cancel(session, actor=actor, referral_id=referral_id, data=data, now=clock.now()))
