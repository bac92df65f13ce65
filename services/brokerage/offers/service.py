"""Offer use cases: what a provider (or staff) sees, answering, and expiry past the deadline. The offer's
lifecycle makes every change (`referrals/lifecycle.py`); after a decline or an expiry the cascade moves
on (`cascade/sourcing.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade import sourcing
from services.brokerage.offers.exceptions import OfferNotFound
from services.brokerage.offers.models import Offer
from services.brokerage.offers.schemas import AcceptIn, DeclineIn
from services.brokerage.referrals import lifecycle, repository
from services.brokerage.referrals.domain import start_problems
from services.brokerage.referrals.exceptions import InvalidReferral
from services.brokerage.referrals.models import Referral
from services.brokerage.settings import BrokerageSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import OfferStatus
from shared.db import Database
from shared.pagination import PageRequest

EXPIRY_BATCH = 200


async def list_offers(
    session: AsyncSession, *, actor: Principal, status: OfferStatus | None, page: PageRequest
) -> list[tuple[Offer, Referral]]:
    """Staff see every offer, a provider client only its own; newest first."""
    return await repository.page_of_offers(session, provider_id=None if actor.is_staff else actor.provider_id,
                                           status=status, page=page)


async def get_offer(session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID) -> tuple[Offer, Referral]:
    """Another provider's offer answers 404, never revealing that it exists."""
    offer = await session.get(Offer, offer_id)
    if offer is None or not actor.may_see_provider(offer.provider_id):
        raise OfferNotFound()
    referral = await session.get(Referral, offer.referral_id)
    assert referral is not None
    return offer, referral


async def read_offer(session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID) -> tuple[Offer, Referral]:
    """Reading an offer reads part of a person's care record: it is audited."""
    offer, referral = await get_offer(session, actor=actor, offer_id=offer_id)
    await record_audit(session, actor=actor, action="offer.read", entity_type="offer", entity_id=offer.id)
    return offer, referral


async def accept(
    session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID, data: AcceptIn, settings: BrokerageSettings,
    now: datetime,
) -> tuple[Offer, Referral]:
    """The first valid acceptance places the referral; every other answer afterwards is 409."""
    problems = [] if data.start_on is None else start_problems(data.start_on, today=now.date())
    if problems:
        raise InvalidReferral(problems)
    offer, referral = await get_offer(session, actor=actor, offer_id=offer_id)
    await lifecycle.accept_offer(session, offer=offer, referral=referral, start_on=data.start_on, settings=settings,
                                 now=now)
    await record_audit(session, actor=actor, action="offer.accepted", entity_type="offer", entity_id=offer.id,
                       after={"status": offer.status, "referral_id": str(referral.id)})
    return offer, referral


async def decline(
    session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID, data: DeclineIn, settings: BrokerageSettings,
    now: datetime,
) -> tuple[Offer, Referral]:
    """A decline reason is market intelligence; the cascade moves on when no offer is left open."""
    offer, referral = await get_offer(session, actor=actor, offer_id=offer_id)
    await lifecycle.decline_offer(session, offer=offer, referral=referral, reason=data.reason, note=data.detail,
                                  now=now)
    await record_audit(session, actor=actor, action="offer.declined", entity_type="offer", entity_id=offer.id,
                       after={"status": offer.status, "reason": data.reason})
    await sourcing.move_on(session, referral_id=referral.id, settings=settings, now=now)
    return offer, referral


async def expire_due_offers(database: Database, *, settings: BrokerageSettings, now: datetime) -> int:
    """One pass of the expiry worker; safe with several replicas: rows are claimed with
    `FOR UPDATE SKIP LOCKED` and closed by a conditional UPDATE, so each offer expires once."""
    expired = 0
    async with database.sessionmaker() as session, session.begin():
        for offer in await repository.due_offers(session, now=now, limit=EXPIRY_BATCH):
            referral = await lifecycle.expire_offer(session, offer=offer, now=now)
            if referral is not None:
                await sourcing.move_on(session, referral_id=referral.id, settings=settings, now=now)
                expired += 1
    return expired
