"""The broker's queue: a page of referrals, each with what the queue shows beside its own fields (the
tier reached this round, the offers still open and their answer-by times, the provider it was placed
with, the newest step a broker is told about), read in a fixed number of queries whatever the page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.service import provider_names
from services.brokerage.referrals import repository
from services.brokerage.referrals.models import HistoryEntry, Referral
from services.brokerage.referrals.queue_domain import furthest_tier
from services.brokerage.referrals.repository import ReferralFilter
from shared.contracts.brokerage import OfferStatus
from shared.contracts.common import Tier
from shared.pagination import PageRequest


@dataclass(frozen=True, slots=True)
class QueueRow:
    referral: Referral
    tier_reached: Tier | None
    open_offers: list[Offer]
    last_event: HistoryEntry | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    provider_names: dict[uuid.UUID, str]


async def queue_page(session: AsyncSession, *, where: ReferralFilter, page: PageRequest) -> QueuePage:
    """Oldest first (the waiting list's order), `limit + 1` rows so the caller knows if more follow."""
    referrals = await repository.page_of_referrals(session, where=where, page=page)
    offers = await repository.offers_this_round(session, referrals=referrals)
    events = await repository.last_notable_events(session, referral_ids={each.id for each in referrals})
    by_referral: dict[uuid.UUID, list[Offer]] = {}
    for offer in offers:
        by_referral.setdefault(offer.referral_id, []).append(offer)
    providers = {offer.provider_id for offer in offers} | {each.placed_with for each in referrals if each.placed_with}
    providers |= {entry.provider_id for entry in events.values() if entry.provider_id}
    rows = [QueueRow(referral=each, tier_reached=furthest_tier(offer.tier for offer in by_referral.get(each.id, [])),
                     open_offers=[offer for offer in by_referral.get(each.id, []) if offer.status == OfferStatus.OPEN],
                     last_event=events.get(each.id))
            for each in referrals]
    return QueuePage(rows=rows, provider_names=await provider_names(session, ids=providers))
