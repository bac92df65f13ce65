"""Offer use cases: what a provider (or staff) sees, accepting, declining, and expiry past the deadline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.service import add_history, lock_referral, move_on, offer_facts, refusal
from services.brokerage.offers.exceptions import OfferClosed, OfferNotFound, ProviderNoLongerEligible
from services.brokerage.offers.models import Offer
from services.brokerage.offers.schemas import AcceptIn, DeclineIn
from services.brokerage.readmodel.models import KnownProvider
from services.brokerage.referrals.domain import HistoryEvent, start_problems
from services.brokerage.referrals.exceptions import InvalidReferral
from services.brokerage.referrals.models import Referral
from services.brokerage.referrals.placing import claim_referral, record_placement
from services.brokerage.settings import BrokerageSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import OfferAccepted, OfferDeclined, OfferExpired, OfferStatus, ReferralStatus
from shared.db import Database
from shared.events.outbox import record_event
from shared.pagination import PageRequest

EXPIRY_BATCH = 200


async def list_offers(
    session: AsyncSession, *, actor: Principal, status: OfferStatus | None, page: PageRequest
) -> list[tuple[Offer, Referral]]:
    """Staff see every offer, a provider client only its own; newest first."""
    query = (select(Offer, Referral).join(Referral, Referral.id == Offer.referral_id)
             .order_by(Offer.created_at.desc(), Offer.id.desc()).limit(page.limit + 1))
    if not actor.is_staff:
        query = query.where(Offer.provider_id == actor.provider_id)
    if status is not None:
        query = query.where(Offer.status == status)
    if page.cursor is not None:
        before_at, before_id = datetime.fromisoformat(page.cursor[0]), uuid.UUID(page.cursor[1])
        query = query.where(or_(Offer.created_at < before_at,
                                and_(Offer.created_at == before_at, Offer.id < before_id)))
    return [(offer, referral) for offer, referral in (await session.execute(query)).all()]


def cursor_key(row: tuple[Offer, Referral]) -> tuple[str, str]:
    return row[0].created_at.isoformat(), str(row[0].id)


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


async def _answer(session: AsyncSession, *, offer: Offer, now: datetime, **values: object) -> None:
    """Closes an open offer before its deadline, or 409 saying why it cannot be answered. Callers hold
    the referral's lock first (always referral, then offers), so concurrent answers cannot deadlock."""
    result = await session.execute(
        update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN, Offer.deadline > now)
        .values(answered_at=now, **values).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0):
        await session.refresh(offer)
        return
    await session.refresh(offer)
    if offer.status == OfferStatus.OPEN:
        raise OfferClosed("The offer is past its deadline.")
    raise OfferClosed(f"The offer is {offer.status}.")


async def accept(
    session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID, data: AcceptIn, settings: BrokerageSettings,
    now: datetime,
) -> tuple[Offer, Referral]:
    """The first valid acceptance places the referral; every other answer afterwards is 409."""
    problems = [] if data.start_on is None else start_problems(data.start_on, today=now.date())
    if problems:
        raise InvalidReferral(problems)
    offer, referral = await get_offer(session, actor=actor, offer_id=offer_id)
    await lock_referral(session, referral_id=referral.id)
    await _answer(session, offer=offer, now=now, status=OfferStatus.ACCEPTED, proposed_start_on=data.start_on)
    await claim_referral(session, referral_id=referral.id, provider_id=offer.provider_id,
                         from_statuses=(ReferralStatus.SOURCING,), now=now)
    await _ensure_still_eligible(session, offer=offer, referral=referral, settings=settings, now=now)
    await session.refresh(referral)
    add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                event=HistoryEvent.ACCEPTED, detail=f"start on {data.start_on or referral.start_on}")
    await record_event(session, OfferAccepted(offer=offer_facts(offer, referral, at=now)))
    await record_placement(session, referral=referral, provider_id=offer.provider_id, tier=offer.tier,
                           awarded=False, start_on=data.start_on or referral.start_on, now=now,
                           detail="placed by accepting the offer")
    await record_audit(session, actor=actor, action="offer.accepted", entity_type="offer", entity_id=offer.id,
                       after={"status": offer.status, "referral_id": str(referral.id)})
    return offer, referral


async def _ensure_still_eligible(
    session: AsyncSession, *, offer: Offer, referral: Referral, settings: BrokerageSettings, now: datetime
) -> None:
    """Rechecked under the provider's row lock, so two placements at once cannot pass its cap together."""
    await session.execute(select(KnownProvider.id).where(KnownProvider.id == offer.provider_id).with_for_update())
    why = await refusal(session, referral=referral, provider_id=offer.provider_id, settings=settings, now=now)
    if why is not None:
        raise ProviderNoLongerEligible(why)


async def decline(
    session: AsyncSession, *, actor: Principal, offer_id: uuid.UUID, data: DeclineIn, settings: BrokerageSettings,
    now: datetime,
) -> tuple[Offer, Referral]:
    """A decline reason is market intelligence; the cascade moves on when no offer is left open."""
    offer, referral = await get_offer(session, actor=actor, offer_id=offer_id)
    await lock_referral(session, referral_id=referral.id)
    await _answer(session, offer=offer, now=now, status=OfferStatus.DECLINED, decline_reason=data.reason,
                  decline_detail=data.detail)
    add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                event=HistoryEvent.DECLINED, reason=data.reason, detail=f"{data.reason}: {data.detail}".rstrip(": "))
    await record_event(session, OfferDeclined(offer=offer_facts(offer, referral, at=now), reason=data.reason,
                                              detail=data.detail))
    await record_audit(session, actor=actor, action="offer.declined", entity_type="offer", entity_id=offer.id,
                       after={"status": offer.status, "reason": data.reason})
    await move_on(session, referral_id=referral.id, settings=settings, now=now)
    return offer, referral


async def expire_due_offers(database: Database, *, settings: BrokerageSettings, now: datetime) -> int:
    """One pass of the expiry worker; safe with several replicas: rows are claimed with
    `FOR UPDATE SKIP LOCKED` and closed by a conditional UPDATE, so each offer expires once."""
    async with database.sessionmaker() as session, session.begin():
        query = (select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.deadline <= now)
                 .order_by(Offer.deadline, Offer.id).limit(EXPIRY_BATCH).with_for_update(skip_locked=True))
        expired = 0
        for offer in (await session.scalars(query)).all():
            expired += await _expire(session, offer=offer, settings=settings, now=now)
    return expired


async def _expire(session: AsyncSession, *, offer: Offer, settings: BrokerageSettings, now: datetime) -> int:
    """A referral locked by an answer in progress is left for the next pass: waiting for it while
    holding offer rows could deadlock with that answer withdrawing them."""
    referral = await session.scalar(select(Referral).where(Referral.id == offer.referral_id)
                                    .with_for_update(skip_locked=True))
    if referral is None:
        return 0
    result = await session.execute(
        update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.EXPIRED, answered_at=now)
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        return 0
    add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                event=HistoryEvent.EXPIRED, detail=f"no answer by {offer.deadline.isoformat()}")
    await record_event(session, OfferExpired(offer=offer_facts(offer, referral, at=now)))
    await move_on(session, referral_id=referral.id, settings=settings, now=now)
    return 1
