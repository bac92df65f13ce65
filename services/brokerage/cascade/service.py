"""Running the cascade on a referral: load the area's snapshot, decide (pure), store the decisions as
history, make the offers or put the referral on the waiting list, and record the events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.domain import Decision, Need, Outcome, SkipReason, run_cascade, skip_reason
from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.models import KnownProvider
from services.brokerage.readmodel.service import area_snapshot, known_area
from services.brokerage.referrals.domain import HistoryEvent
from services.brokerage.referrals.models import HistoryEntry, Referral
from services.brokerage.settings import BrokerageSettings
from services.brokerage.webhooks.service import queue_offer_notification
from shared.contracts.brokerage import (
    Funding,
    OfferFacts,
    OfferMade,
    OfferStatus,
    OfferWithdrawn,
    ReferralFacts,
    ReferralStatus,
    ReferralUnsourced,
    ScheduledVisit,
)
from shared.contracts.common import Skill, Tier, Urgency
from shared.events.outbox import record_event

URGENCY_ORDER = {Urgency.HOSPITAL_DISCHARGE: 0, Urgency.CRISIS: 1, Urgency.ROUTINE: 2}


def need_of(referral: Referral) -> Need:
    return Need(area=referral.area, client_group=referral.client_group,
                needs=frozenset(Skill(each) for each in referral.needs), weekly_hours=referral.weekly_hours,
                start_on=referral.start_on)


def referral_facts(referral: Referral) -> ReferralFacts:
    return ReferralFacts(
        referral_id=referral.id, client_ref=referral.client_ref, area=referral.area,
        client_group=referral.client_group, needs=[Skill(each) for each in referral.needs],
        urgency=referral.urgency, start_on=referral.start_on,
        visits=[ScheduledVisit.model_validate(each) for each in referral.visits],
        weekly_hours=referral.weekly_hours, funding=Funding(health_share_percent=referral.health_share_percent),
        created_at=referral.created_at,
    )


def offer_facts(offer: Offer, referral: Referral, *, at: datetime) -> OfferFacts:
    return OfferFacts(offer_id=offer.id, referral_id=referral.id, provider_id=offer.provider_id, tier=offer.tier,
                      area=referral.area, weekly_hours=referral.weekly_hours, urgency=referral.urgency, at=at)


def history_row(
    *, referral_id: uuid.UUID, event: HistoryEvent, at: datetime, provider_id: uuid.UUID | None = None,
    tier: Tier | None = None, reason: str | None = None, detail: str = "",
) -> dict[str, Any]:
    """One history entry's values (the detail cut to the column's 500 characters)."""
    return {"referral_id": referral_id, "event": event, "at": at, "provider_id": provider_id, "tier": tier,
            "reason": reason, "detail": detail[:500]}


def add_history(
    session: AsyncSession, *, referral_id: uuid.UUID, event: HistoryEvent, at: datetime,
    provider_id: uuid.UUID | None = None, tier: Tier | None = None, reason: str | None = None, detail: str = "",
) -> None:
    session.add(HistoryEntry(**history_row(referral_id=referral_id, event=event, at=at, provider_id=provider_id,
                                           tier=tier, reason=reason, detail=detail)))


async def record_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many history entries in one multi-row INSERT (the placements import writes thousands at once;
    added one at a time, each would wait for its own id)."""
    if rows:
        await session.execute(insert(HistoryEntry), list(rows))


async def decide(
    session: AsyncSession, *, referral: Referral, settings: BrokerageSettings, now: datetime,
    also_exclude: frozenset[uuid.UUID] = frozenset(),
) -> Outcome:
    """The cascade's decision for the referral's current round, from the local read model only."""
    area = await known_area(session, code=referral.area)
    if area is None:
        return Outcome(decisions=(), offers=())
    snapshot = await area_snapshot(session, area=area, now=now,
                                   declines_window=settings.declines_window())
    offered = await session.scalars(select(Offer.provider_id).where(
        Offer.referral_id == referral.id, Offer.round == referral.round))
    return run_cascade(need_of(referral), snapshot, settings.policy(), now=now,
                       already_offered=also_exclude | set(offered.all()))


async def apply_outcome(
    session: AsyncSession, *, referral: Referral, outcome: Outcome, settings: BrokerageSettings, now: datetime
) -> None:
    """Records every decision, then makes the wave of offers, or puts the referral on the waiting list."""
    for decision in outcome.decisions:
        if decision.reason is not SkipReason.ALREADY_OFFERED:
            add_history(session, referral_id=referral.id, at=now, provider_id=decision.provider_id,
                        tier=decision.tier, event=HistoryEvent.SKIPPED if decision.skipped else HistoryEvent.CONSIDERED,
                        reason=decision.reason, detail=decision.detail)
    if outcome.unsourced:
        referral.status, referral.updated_at = ReferralStatus.UNSOURCED, now
        add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.UNSOURCED,
                    detail="no provider in the area can take it: on the waiting list of unmet need")
        await record_event(session, ReferralUnsourced(referral=referral_facts(referral), at=now))
        return
    referral.status, referral.updated_at = ReferralStatus.SOURCING, now
    for decision in outcome.offers:
        await _make_offer(session, referral=referral, decision=decision, settings=settings, now=now)


async def _make_offer(
    session: AsyncSession, *, referral: Referral, decision: Decision, settings: BrokerageSettings, now: datetime
) -> None:
    assert decision.tier is not None
    deadline = now + settings.offer_window(referral.urgency)
    offer = Offer(id=uuid.uuid4(), referral_id=referral.id, provider_id=decision.provider_id, tier=decision.tier,
                  round=referral.round, status=OfferStatus.OPEN, deadline=deadline, created_at=now)
    session.add(offer)
    await session.flush()
    add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                event=HistoryEvent.OFFERED, detail=f"answer by {deadline.isoformat()}")
    await record_event(session, OfferMade(offer=offer_facts(offer, referral, at=now), deadline=deadline))
    await queue_offer_notification(session, offer=offer, referral=referral, now=now)


async def source(session: AsyncSession, *, referral: Referral, settings: BrokerageSettings, now: datetime) -> None:
    """Runs the cascade for the referral's round and acts on it."""
    outcome = await decide(session, referral=referral, settings=settings, now=now)
    await apply_outcome(session, referral=referral, outcome=outcome, settings=settings, now=now)


async def lock_referral(session: AsyncSession, *, referral_id: uuid.UUID) -> Referral | None:
    """Serialises the steps that move one referral on (answers, expiries, retries) across replicas."""
    return await session.scalar(
        select(Referral).where(Referral.id == referral_id).with_for_update().execution_options(populate_existing=True))


async def move_on(session: AsyncSession, *, referral_id: uuid.UUID, settings: BrokerageSettings,
                  now: datetime) -> None:
    """After a decline or expiry: when no offer of the round is still open, the cascade goes on."""
    referral = await lock_referral(session, referral_id=referral_id)
    if referral is None or referral.status != ReferralStatus.SOURCING:
        return
    still_open = await session.scalar(select(Offer.id).where(
        Offer.referral_id == referral_id, Offer.status == OfferStatus.OPEN).limit(1))
    if still_open is None:
        await source(session, referral=referral, settings=settings, now=now)


async def withdraw_open_offers(
    session: AsyncSession, *, referral: Referral, now: datetime, why: str
) -> None:
    """Every other open offer of the referral is withdrawn (placed, awarded, cancelled or retried)."""
    offers = (await session.scalars(select(Offer).where(
        Offer.referral_id == referral.id, Offer.status == OfferStatus.OPEN).with_for_update())).all()
    for offer in offers:
        await _withdraw(session, offer=offer, referral=referral, now=now, why=why)


async def _withdraw(session: AsyncSession, *, offer: Offer, referral: Referral, now: datetime, why: str) -> bool:
    result = await session.execute(update(Offer).where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN).values(
        status=OfferStatus.WITHDRAWN, answered_at=now).execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        return False
    add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                event=HistoryEvent.WITHDRAWN, detail=why)
    await record_event(session, OfferWithdrawn(offer=offer_facts(offer, referral, at=now)))
    return True


async def refusal(
    session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> str | None:
    """Why the provider may not take the referral now, by its current state in the read model, or None."""
    area = await known_area(session, code=referral.area)
    snapshot = None if area is None else await area_snapshot(
        session, area=area, now=now, declines_window=settings.declines_window(), only=provider_id)
    if snapshot is None or not snapshot.candidates:
        return f"{SkipReason.AREA_NOT_COVERED}: no contract in {referral.area}"
    refused = skip_reason(need_of(referral), snapshot.candidates[0], settings.policy(), now=now)
    return None if refused is None else f"{refused[0]}: {refused[1]}"


async def withdraw_ineligible_offers(
    session: AsyncSession, *, provider_id: uuid.UUID, settings: BrokerageSettings, now: datetime
) -> None:
    """When a provider changes (an embargo, an Inadequate rating, a contract ended), its open offers it
    may no longer take are withdrawn and those referrals move on. A referral locked by an answer in
    progress is left alone: that answer rechecks the provider itself."""
    rows = (await session.execute(select(Offer.id, Offer.referral_id).where(
        Offer.provider_id == provider_id, Offer.status == OfferStatus.OPEN))).all()
    for offer_id, referral_id in rows:
        referral = await session.scalar(select(Referral).where(Referral.id == referral_id)
                                        .with_for_update(skip_locked=True))
        offer = await session.get(Offer, offer_id)
        if referral is None or offer is None:
            continue
        why = await refusal(session, referral=referral, provider_id=provider_id, settings=settings, now=now)
        if why is not None and await _withdraw(session, offer=offer, referral=referral, now=now,
                                               why=f"the provider can no longer take it: {why}"):
            await move_on(session, referral_id=referral.id, settings=settings, now=now)


async def _answered_since_last_change(session: AsyncSession, *, referral_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Providers that turned the referral down (or let it expire) and have not changed since: an
    automatic retry does not ask them again; a provider with new capacity or a lifted embargo it does."""
    rows = await session.scalars(
        select(Offer.provider_id).join(KnownProvider, KnownProvider.id == Offer.provider_id).where(
            Offer.referral_id == referral_id,
            Offer.status.in_((OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN)),
            Offer.answered_at >= KnownProvider.updated_at))
    return frozenset(rows.all())


async def retry_waiting_list(session: AsyncSession, *, areas: set[str], settings: BrokerageSettings,
                             now: datetime) -> int:
    """Unsourced referrals of `areas` run again by themselves, most urgent and oldest first; one that
    still finds nobody stays on the list unchanged. Returns how many found offers."""
    if not areas:
        return 0
    waiting = (await session.scalars(select(Referral).where(
        Referral.area.in_(sorted(areas)), Referral.status == ReferralStatus.UNSOURCED).order_by(
        Referral.created_at, Referral.id).with_for_update(skip_locked=True))).all()
    moved = 0
    for referral in sorted(waiting, key=lambda each: URGENCY_ORDER[each.urgency]):
        unchanged = await _answered_since_last_change(session, referral_id=referral.id)
        referral.round += 1
        outcome = await decide(session, referral=referral, settings=settings, now=now, also_exclude=unchanged)
        if outcome.unsourced:
            referral.round -= 1
            continue
        add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.CONSIDERED,
                    detail="retried from the waiting list: capacity or eligibility changed")
        await apply_outcome(session, referral=referral, outcome=outcome, settings=settings, now=now)
        moved += 1
    await session.flush()
    return moved
