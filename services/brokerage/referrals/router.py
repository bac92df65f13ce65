import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from pydantic import AwareDatetime

from services.brokerage.deps import BrokerPrincipal, SettingsDep
from services.brokerage.referrals import queue, repository, service
from services.brokerage.referrals.exceptions import (
    InvalidReferral,
    ReferralClosed,
    ReferralNotFound,
    UnknownProvider,
)
from services.brokerage.referrals.models import Referral
from services.brokerage.referrals.repository import ReferralFilter
from services.brokerage.referrals.schemas import (
    AmendIn,
    AwardIn,
    CancelIn,
    EligibilityListOut,
    EligibilityOut,
    HistoryOut,
    QueueEventOut,
    QueueOfferOut,
    ReferralCreate,
    ReferralListItem,
    ReferralOut,
    ReferralSummary,
)
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.contracts.brokerage import ReferralStatus
from shared.contracts.common import Urgency
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"],
                   responses=problem_responses(Unauthorized, Forbidden))

StatusQuery = Annotated[ReferralStatus | None, Query(examples=["unsourced"])]
AreaQuery = Annotated[str | None, Query(max_length=20, examples=["OAK"])]
UrgencyQuery = Annotated[Urgency | None, Query(examples=["hospital_discharge"])]
MineQuery = Annotated[bool, Query(description="Only the referrals the caller made")]
EventSinceQuery = Annotated[AwareDatetime | None, Query(
    description="Only referrals with a step a broker is told about (an offer declined or expired, the waiting "
                "list, a placement or award) at or after this time", examples=["2026-11-30T09:00:00Z"])]


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


def _list_item(row: queue.QueueRow, names: dict[uuid.UUID, str]) -> ReferralListItem:
    referral, event = row.referral, row.last_event
    return ReferralListItem(
        **_summary(referral).model_dump(), tier_reached=row.tier_reached,
        open_offers=[QueueOfferOut(id=offer.id, provider_id=offer.provider_id,
                                   provider_name=names.get(offer.provider_id), tier=offer.tier,
                                   deadline=offer.deadline) for offer in row.open_offers],
        placed_with_name=names.get(referral.placed_with) if referral.placed_with else None,
        last_event=event and QueueEventOut(at=event.at, event=event.event, provider_id=event.provider_id,
                                           provider_name=names.get(event.provider_id) if event.provider_id else None,
                                           reason=event.reason))


@router.get("", response_model=Page[ReferralListItem])
async def list_referrals(session: SessionDep, actor: StaffPrincipal, page: PageDep, status: StatusQuery = None,
                         area: AreaQuery = None, urgency: UrgencyQuery = None, event_since: EventSinceQuery = None,
                         mine: MineQuery = False) -> Page[ReferralListItem]:
    """Oldest first, each with the tier reached, its open offers and answer-by times, the provider it was
    placed with and the newest step a broker is told about (the queue and its notifications)."""
    where = ReferralFilter(status=status, area=area, urgency=urgency, event_since=event_since,
                           created_by=actor.subject if mine else None)
    found = await queue.queue_page(session, where=where, page=page)
    return Page(items=[_list_item(row, found.provider_names) for row in found.rows[:page.limit]],
                next_cursor=next_cursor([row.referral for row in found.rows], page.limit,
                                        repository.referral_cursor))


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
