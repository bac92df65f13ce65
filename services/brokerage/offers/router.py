import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.brokerage.deps import OfferAnswerer, SettingsDep, StaffOrProvider
from services.brokerage.offers import service
from services.brokerage.offers.exceptions import OfferClosed, OfferNotFound, ProviderNoLongerEligible
from services.brokerage.offers.schemas import AcceptIn, DeclineIn, OfferOut
from services.brokerage.referrals import repository
from services.brokerage.referrals.exceptions import InvalidReferral, ReferralClosed
from shared.clock import ClockDep
from shared.contracts.brokerage import OfferStatus
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1/offers", tags=["offers"], responses=problem_responses(Unauthorized, Forbidden))

OfferStatusQuery = Annotated[OfferStatus | None, Query(examples=["open"])]


@router.get("", response_model=Page[OfferOut])
async def list_offers(session: SessionDep, actor: StaffOrProvider, page: PageDep,
                      status: OfferStatusQuery = None) -> Page[OfferOut]:
    """A provider client sees its own offers only; staff see all. Newest first."""
    rows = await service.list_offers(session, actor=actor, status=status, page=page)
    return Page(items=[OfferOut.of(offer, referral) for offer, referral in rows[:page.limit]],
                next_cursor=next_cursor(rows, page.limit, repository.offer_cursor))


@router.get("/{offer_id}", response_model=OfferOut, responses=problem_responses(OfferNotFound))
async def get_offer(offer_id: uuid.UUID, session: SessionDep, actor: StaffOrProvider) -> OfferOut:
    return OfferOut.of(*await service.read_offer(session, actor=actor, offer_id=offer_id))


@router.post("/{offer_id}/accept", response_model=OfferOut,
             responses=problem_responses(OfferNotFound, OfferClosed, ReferralClosed, ProviderNoLongerEligible,
                                         InvalidReferral))
async def accept_offer(offer_id: uuid.UUID, data: AcceptIn, session: SessionDep, actor: OfferAnswerer,
                       settings: SettingsDep, clock: ClockDep) -> OfferOut:
    """Exactly one acceptance places the referral; a late, declined, withdrawn or already placed offer is 409."""
    offer, referral = await service.accept(session, actor=actor, offer_id=offer_id, data=data, settings=settings,
                                           now=clock.now())
    return OfferOut.of(offer, referral)


@router.post("/{offer_id}/decline", response_model=OfferOut, responses=problem_responses(OfferNotFound, OfferClosed))
async def decline_offer(offer_id: uuid.UUID, data: DeclineIn, session: SessionDep, actor: OfferAnswerer,
                        settings: SettingsDep, clock: ClockDep) -> OfferOut:
    offer, referral = await service.decline(session, actor=actor, offer_id=offer_id, data=data, settings=settings,
                                            now=clock.now())
    return OfferOut.of(offer, referral)
