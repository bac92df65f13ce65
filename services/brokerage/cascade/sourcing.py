"""The sourcing step: the cascade's decision for a referral, made by the pure `domain.py` from the local
read model, and the referral's lifecycle asked to act on it (the reasons in the history, then a wave of
offers or the waiting list). It writes no rows of its own."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.domain import AreaSnapshot, Outcome, SkipReason, run_cascade
from services.brokerage.readmodel.models import KnownArea
from services.brokerage.readmodel.service import area_snapshot, known_area, refusal
from services.brokerage.referrals import lifecycle, repository
from services.brokerage.referrals.models import Referral
from services.brokerage.settings import BrokerageSettings
from shared.contracts.brokerage import OfferStatus, ReferralStatus
from shared.contracts.common import Urgency

URGENCY_ORDER = {Urgency.HOSPITAL_DISCHARGE: 0, Urgency.CRISIS: 1, Urgency.ROUTINE: 2}


async def decide(
    session: AsyncSession, *, referral: Referral, settings: BrokerageSettings, now: datetime,
    exclude: frozenset[uuid.UUID], lock_area: bool = True,
) -> Outcome:
    """The cascade's decision for the referral from the local read model only; `exclude`d providers are
    not offered it again. A decision that acts holds the area's shared lock (`known_area`)."""
    snapshot = await _snapshot(session, code=referral.area, settings=settings, now=now, lock_area=lock_area)
    return _decision(referral, snapshot, settings=settings, now=now, exclude=exclude)


async def _snapshot(session: AsyncSession, *, code: str, settings: BrokerageSettings, now: datetime,
                    lock_area: bool) -> AreaSnapshot | None:
    area = await known_area(session, code=code, lock=lock_area)
    if area is None:
        return None
    return await area_snapshot(session, area=area, now=now, declines_window=settings.declines_window())


def _decision(referral: Referral, snapshot: AreaSnapshot | None, *, settings: BrokerageSettings, now: datetime,
              exclude: frozenset[uuid.UUID]) -> Outcome:
    if snapshot is None:
        return Outcome(decisions=(), offers=())
    return run_cascade(lifecycle.need_of(referral), snapshot, settings.policy(), now=now, already_offered=exclude)


async def _act_on(
    session: AsyncSession, *, referral: Referral, outcome: Outcome, settings: BrokerageSettings, now: datetime
) -> None:
    """Every decision goes into the history (not the providers left out as offered already), then the wave
    of offers is made, or the referral waits for capacity."""
    lifecycle.record_decisions(session, referral=referral, now=now, decisions=[
        decision for decision in outcome.decisions if decision.reason is not SkipReason.ALREADY_OFFERED])
    if outcome.unsourced:
        await lifecycle.wait_for_capacity(session, referral=referral, now=now)
        return
    await lifecycle.open_offers(session, referral=referral, wave=outcome.offers, now=now,
                                deadline=now + settings.offer_window(referral.urgency))


async def source(session: AsyncSession, *, referral: Referral, settings: BrokerageSettings, now: datetime) -> None:
    """Runs the cascade for the referral's round (those offered in it already are not asked again)."""
    offered = await repository.offered_in_round(session, referral=referral)
    outcome = await decide(session, referral=referral, settings=settings, now=now, exclude=offered)
    await _act_on(session, referral=referral, outcome=outcome, settings=settings, now=now)


async def source_new(session: AsyncSession, *, referral: Referral, area: KnownArea, settings: BrokerageSettings,
                     now: datetime) -> None:
    """A new referral's first round, from the area its checks read under the shared lock: nobody has been
    offered it yet, so neither the area nor the round's offers are read again."""
    snapshot = await area_snapshot(session, area=area, now=now, declines_window=settings.declines_window())
    outcome = _decision(referral, snapshot, settings=settings, now=now, exclude=frozenset())
    await _act_on(session, referral=referral, outcome=outcome, settings=settings, now=now)


async def move_on(session: AsyncSession, *, referral_id: uuid.UUID, settings: BrokerageSettings,
                  now: datetime) -> None:
    """After a decline, an expiry or a withdrawal: when no offer of the round is still open, the cascade
    goes on."""
    referral = await repository.lock_referral(session, referral_id=referral_id)
    if referral is None or referral.status != ReferralStatus.SOURCING:
        return
    if not await repository.open_offers(session, referral_id=referral_id):
        await source(session, referral=referral, settings=settings, now=now)


async def withdraw_ineligible_offers(
    session: AsyncSession, *, provider_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> None:
    """When a provider changes (an embargo, an Inadequate rating, a contract ended), its open offers it
    may no longer take are withdrawn and those referrals move on. An offer or referral locked by an answer
    in progress is left alone: that answer rechecks the provider itself (an expiry closes it anyway)."""
    for offer in await repository.open_offers_of_provider(session, provider_id=provider_id):
        referral = await repository.lock_referral(session, referral_id=offer.referral_id, skip_locked=True)
        if referral is None:
            continue
        why = await refusal(session, need=lifecycle.need_of(referral), provider_id=provider_id,
                            policy=settings.policy(), declines_window=settings.declines_window(), now=now)
        if why is not None and await lifecycle.close_offer(
                session, offer=offer, referral=referral, status=OfferStatus.WITHDRAWN, now=now,
                detail=f"the provider can no longer take it: {why}"):
            await move_on(session, referral_id=referral.id, settings=settings, now=now)


async def retry_waiting_list(session: AsyncSession, *, areas: set[str], settings: BrokerageSettings,
                             now: datetime) -> int:
    """Unsourced referrals of `areas` run again by themselves, most urgent and oldest first, in a new
    round; one that still finds nobody stays on the list unchanged. Providers that turned it down and have
    not changed since are not asked again. Returns how many found offers. Each area's snapshot is read
    once for the pass: making offers changes nothing in it (hours placed, declines, the providers), and a
    long waiting list would otherwise read it again for every referral."""
    moved = 0
    snapshots: dict[str, AreaSnapshot | None] = {}
    waiting = await repository.waiting_list(session, areas=areas)
    for referral in sorted(waiting, key=lambda each: URGENCY_ORDER[each.urgency]):
        if referral.area not in snapshots:
            snapshots[referral.area] = await _snapshot(session, code=referral.area, settings=settings, now=now,
                                                       lock_area=True)
        unchanged = await repository.answered_since_last_change(session, referral_id=referral.id)
        outcome = _decision(referral, snapshots[referral.area], settings=settings, now=now, exclude=unchanged)
        if outcome.unsourced:
            continue
        await lifecycle.start_round(session, referral=referral, now=now,
                                    why="retried from the waiting list: capacity or eligibility changed")
        await _act_on(session, referral=referral, outcome=outcome, settings=settings, now=now)
        moved += 1
    await session.flush()
    return moved
