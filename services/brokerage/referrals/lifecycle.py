"""The one owner of a referral's lifecycle and its offers' (STYLE.md, "One owner per lifecycle").

Every change of their state is made here and nowhere else: the locks, the history, opening offers and
closing them (accepted, declined, expired or withdrawn: one conditional UPDATE, `close_offer`), placing
(an accepted offer, a broker's award, a placement brought in by the import), the waiting list,
cancelling, and the events with their facts. The cascade decides (`cascade/sourcing.py`) and the use
cases ask (`referrals/service.py`, `offers/service.py`, `imports/service.py`); none of them writes these
rows. `domain.py` says which moves are allowed.

Locks are taken in one order, the referral's row and then its offers', so answers, expiries and
withdrawals running at once never deadlock. Exactly one placement per referral is the database's
guarantee, not a lock in memory: the status moves to `placed` by a conditional UPDATE (only one
transaction can match the old status) and `placements.referral_id` is unique besides. An imported
placement is one referral per council key: `referrals.external_ref` is unique.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.domain import Decision, Need
from services.brokerage.offers.exceptions import OfferClosed, ProviderNoLongerEligible
from services.brokerage.offers.models import Offer
from services.brokerage.readmodel.service import refusal
from services.brokerage.referrals import repository
from services.brokerage.referrals.domain import (
    ANSWERS,
    OPEN_STATUSES,
    CancelReason,
    HistoryEvent,
    may_move,
    moves_to,
    weekly_hours,
)
from services.brokerage.referrals.exceptions import ReferralClosed, ReferralNotFound
from services.brokerage.referrals.models import HistoryEntry, Placement, Referral
from services.brokerage.settings import BrokerageSettings
from shared.contracts.brokerage import (
    Funding,
    OfferAccepted,
    OfferDeclined,
    OfferExpired,
    OfferFacts,
    OfferMade,
    OfferStatus,
    OfferWithdrawn,
    PlacementCorrected,
    ReferralCancelled,
    ReferralCreated,
    ReferralFacts,
    ReferralPlaced,
    ReferralStatus,
    ReferralUnsourced,
    ScheduledVisit,
)
from shared.contracts.common import DeclineReason, Skill, Tier
from shared.contracts.packages import PackageStatus
from shared.db import update_one
from shared.events.envelope import Event
from shared.events.outbox import record_event, record_events

# --- the facts the events and the cascade are told ------------------------------------------------------


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


def need_of(referral: Referral) -> Need:
    """What the cascade needs to know of the referral."""
    return Need(area=referral.area, client_group=referral.client_group,
                needs=frozenset(Skill(each) for each in referral.needs), weekly_hours=referral.weekly_hours,
                start_on=referral.start_on)


# --- history --------------------------------------------------------------------------------------------


def history_row(
    *, referral_id: uuid.UUID, event: HistoryEvent, at: datetime, provider_id: uuid.UUID | None = None,
    tier: Tier | None = None, reason: str | None = None, detail: str = "", actor: str | None = None,
) -> dict[str, Any]:
    """One history entry's values (the detail cut to the column's 500 characters); `actor` is the user
    who asked for the step (a broker's award, amendment, retry or cancellation), none for the cascade's."""
    return {"referral_id": referral_id, "event": event, "at": at, "provider_id": provider_id, "tier": tier,
            "reason": reason, "detail": detail[:500], "actor": actor}


def _add_history(session: AsyncSession, **values: Any) -> None:
    session.add(HistoryEntry(**history_row(**values)))


async def _record_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many history entries in one multi-row INSERT (the placements import writes thousands at once;
    added one at a time, each would wait for its own id)."""
    if rows:
        await session.execute(insert(HistoryEntry), list(rows))


# --- the referral ---------------------------------------------------------------------------------------


async def open_referral(session: AsyncSession, *, referral_id: uuid.UUID) -> Referral:
    """The referral, locked, for a broker's change: 404 when there is none, 409 when it is closed."""
    referral = await repository.lock_referral(session, referral_id=referral_id)
    if referral is None:
        raise ReferralNotFound()
    if referral.status not in OPEN_STATUSES:
        raise ReferralClosed(f"The referral is {referral.status}.")
    return referral


def _move(referral: Referral, to: ReferralStatus, *, now: datetime) -> None:
    if not may_move(referral.status, to):
        raise ReferralClosed(f"The referral is {referral.status}.")
    referral.status, referral.updated_at = to, now


async def create(session: AsyncSession, *, fields: Mapping[str, Any], now: datetime) -> Referral:
    """A new referral, `sourcing` in its first round, and its event."""
    referral = Referral(id=uuid.uuid4(), **fields, status=ReferralStatus.SOURCING, round=1, created_at=now,
                        updated_at=now)
    session.add(referral)
    await session.flush()
    await record_event(session, ReferralCreated(referral=referral_facts(referral)))
    return referral


async def start_round(session: AsyncSession, *, referral: Referral, now: datetime, why: str,
                      actor: str | None = None) -> None:
    """Anything still open is withdrawn and a new round begins, in which everyone may be asked again."""
    await withdraw_open_offers(session, referral=referral, now=now, why=why)
    referral.round += 1
    _add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.CONSIDERED, detail=why, actor=actor)


async def amend(session: AsyncSession, *, referral: Referral, changes: Mapping[str, Any], now: datetime,
                actor: str) -> None:
    """The referral takes the broker's changes (`changes`: amendable columns, stored values) and a new
    round begins: open offers were made for the old terms, so they are withdrawn, and the history says
    what changed. The caller sources it again."""
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was amended")
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.weekly_hours = weekly_hours([ScheduledVisit.model_validate(each) for each in referral.visits])
    referral.round, referral.updated_at = referral.round + 1, now
    _add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.AMENDED,
                 detail="changed: " + ", ".join(name.replace("_", " ") for name in changes), actor=actor)


def record_decisions(session: AsyncSession, *, referral: Referral, decisions: Sequence[Decision],
                     now: datetime) -> None:
    """The cascade's reasons, provider by provider: who was considered and who was skipped, and why."""
    for decision in decisions:
        _add_history(session, referral_id=referral.id, at=now, provider_id=decision.provider_id,
                     tier=decision.tier, reason=decision.reason,
                     event=HistoryEvent.SKIPPED if decision.skipped else HistoryEvent.CONSIDERED,
                     detail=decision.detail)


async def wait_for_capacity(session: AsyncSession, *, referral: Referral, now: datetime) -> None:
    """Nobody can take it now: the referral joins the waiting list of unmet need."""
    _move(referral, ReferralStatus.UNSOURCED, now=now)
    _add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.UNSOURCED,
                 detail="no provider in the area can take it: on the waiting list of unmet need")
    await record_event(session, ReferralUnsourced(referral=referral_facts(referral), at=now))


async def cancel(session: AsyncSession, *, referral: Referral, now: datetime, reason: CancelReason | None,
                 detail: str, actor: str) -> None:
    """Open offers are withdrawn and the referral is closed, with the broker's reason in its history."""
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was cancelled")
    _move(referral, ReferralStatus.CANCELLED, now=now)
    _add_history(session, referral_id=referral.id, at=now, event=HistoryEvent.CANCELLED, reason=reason,
                 detail=detail, actor=actor)
    await session.flush()
    await record_event(session, ReferralCancelled(referral=referral_facts(referral), at=now))


# --- offers ---------------------------------------------------------------------------------------------


async def open_offers(
    session: AsyncSession, *, referral: Referral, wave: Sequence[Decision], deadline: datetime, now: datetime
) -> None:
    """The referral is being sourced, and each provider of the wave is offered it until `deadline`."""
    _move(referral, ReferralStatus.SOURCING, now=now)
    for decision in wave:
        assert decision.tier is not None
        offer = Offer(id=uuid.uuid4(), referral_id=referral.id, provider_id=decision.provider_id,
                      tier=decision.tier, round=referral.round, status=OfferStatus.OPEN, deadline=deadline,
                      created_at=now)
        session.add(offer)
        await session.flush()
        _add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                     event=HistoryEvent.OFFERED, detail=f"answer by {deadline.isoformat()}")
        await record_event(session, OfferMade(offer=offer_facts(offer, referral, at=now), deadline=deadline))


def _closing_event(status: OfferStatus, facts: OfferFacts, *, reason: DeclineReason | None, note: str) -> Event:
    if status is OfferStatus.DECLINED:
        assert reason is not None
        return OfferDeclined(offer=facts, reason=reason, detail=note)
    closing = {OfferStatus.ACCEPTED: OfferAccepted, OfferStatus.EXPIRED: OfferExpired,
               OfferStatus.WITHDRAWN: OfferWithdrawn}[status]
    return closing(offer=facts)


async def close_offer(
    session: AsyncSession, *, offer: Offer, referral: Referral, status: OfferStatus, now: datetime, detail: str,
    start_on: date | None = None, reason: DeclineReason | None = None, note: str = "",
) -> bool:
    """Closes an open offer (`status`: accepted, declined, expired or withdrawn) with its history entry
    (`detail`) and event; returns False, changing nothing, when it is no longer open, or when an answer
    comes after its deadline. An acceptance keeps the start the provider proposed (`start_on`), a decline
    its reason and the provider's words (`note`). The caller holds the referral's lock."""
    values: dict[str, Any] = {"status": status, "answered_at": now if status in ANSWERS else None}
    if status is OfferStatus.ACCEPTED:
        values["proposed_start_on"] = start_on
    if status is OfferStatus.DECLINED:
        values["decline_reason"], values["decline_detail"] = reason, note
    still_open = [Offer.id == offer.id, Offer.status == OfferStatus.OPEN]
    if status in ANSWERS:
        still_open.append(Offer.deadline > now)
    if await update_one(session, Offer, update(Offer).where(*still_open).values(**values)) is None:
        await session.refresh(offer)  # to tell the caller why: answered meanwhile, or past its deadline
        return False
    _add_history(session, referral_id=referral.id, at=now, provider_id=offer.provider_id, tier=offer.tier,
                 event=HistoryEvent(status), reason=reason, detail=detail)
    await record_event(session, _closing_event(status, offer_facts(offer, referral, at=now), reason=reason,
                                               note=note))
    return True


async def _answer(session: AsyncSession, *, offer: Offer, referral: Referral, status: OfferStatus, now: datetime,
                  detail: str, **answer: Any) -> None:
    """A provider's answer closes the offer, or is 409 saying why it cannot."""
    if await close_offer(session, offer=offer, referral=referral, status=status, now=now, detail=detail, **answer):
        return
    if offer.status is OfferStatus.OPEN:
        raise OfferClosed("The offer is past its deadline.")
    raise OfferClosed(f"The offer is {offer.status}.")


async def withdraw_open_offers(session: AsyncSession, *, referral: Referral, now: datetime, why: str) -> None:
    """Every offer of the referral still open is withdrawn (placed, awarded, cancelled or retried)."""
    for offer in await repository.open_offers(session, referral_id=referral.id, lock=True):
        await close_offer(session, offer=offer, referral=referral, status=OfferStatus.WITHDRAWN, now=now,
                          detail=why)


async def accept_offer(
    session: AsyncSession, *, offer: Offer, referral: Referral, start_on: date | None, settings: BrokerageSettings,
    now: datetime,
) -> None:
    """The first valid acceptance places the referral: one after the deadline, after another answer or
    after the referral was placed is 409, and so is one from a provider that can no longer take it (an
    embargo since, or its cap reached by another placement: rechecked under the provider's row lock, so
    two placements at once cannot pass it together)."""
    await repository.lock_referral(session, referral_id=referral.id)
    starts = start_on or referral.start_on
    await _answer(session, offer=offer, referral=referral, status=OfferStatus.ACCEPTED, now=now,
                  detail=f"start on {starts}", start_on=start_on)
    await _claim(session, referral=referral, provider_id=offer.provider_id, now=now)
    why = await refusal(session, need=need_of(referral), provider_id=offer.provider_id, policy=settings.policy(),
                        declines_window=settings.declines_window(), now=now, lock=True)
    if why is not None:
        raise ProviderNoLongerEligible(why)
    await _place(session, referral=referral, provider_id=offer.provider_id, tier=offer.tier, awarded=False,
                 start_on=starts, now=now, detail="placed by accepting the offer")


async def decline_offer(
    session: AsyncSession, *, offer: Offer, referral: Referral, reason: DeclineReason, note: str, now: datetime
) -> None:
    """A decline reason is market intelligence: it is kept with the offer and in the history."""
    await repository.lock_referral(session, referral_id=referral.id)
    await _answer(session, offer=offer, referral=referral, status=OfferStatus.DECLINED, now=now,
                  detail=f"{reason}: {note}".rstrip(": "), reason=reason, note=note)


async def expire_offer(session: AsyncSession, *, offer: Offer, now: datetime) -> Referral | None:
    """Closes an offer past its deadline with no answer; returns its referral, or None when it was answered
    meanwhile or its referral is locked by an answer in progress (left for the next pass: waiting for it
    while holding offer rows could deadlock with that answer withdrawing them)."""
    referral = await repository.lock_referral(session, referral_id=offer.referral_id, skip_locked=True)
    if referral is None:
        return None
    expired = await close_offer(session, offer=offer, referral=referral, status=OfferStatus.EXPIRED, now=now,
                                detail=f"no answer by {offer.deadline.isoformat()}")
    return referral if expired else None


# --- placing --------------------------------------------------------------------------------------------


async def _claim(session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, now: datetime) -> None:
    """Moves the referral to `placed` if it is still in a state that may be placed; else 409."""
    claimed = await update_one(session, Referral, update(Referral).where(
        Referral.id == referral.id, Referral.status.in_(moves_to(ReferralStatus.PLACED))).values(
        status=ReferralStatus.PLACED, placed_with=provider_id, updated_at=now))
    if claimed is None:
        raise ReferralClosed("The referral is no longer open: it was placed, awarded or cancelled.")


async def _place(
    session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, tier: Tier | None, awarded: bool,
    start_on: date, now: datetime, detail: str, actor: str | None = None,
) -> None:
    """After `_claim`: the hours count at once, the other offers are withdrawn, packages is told."""
    session.add(Placement(referral_id=referral.id, provider_id=provider_id, area=referral.area,
                          weekly_hours=referral.weekly_hours, status=PackageStatus.ACTIVE, placed_at=now))
    await session.flush()
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was placed elsewhere")
    _add_history(session, referral_id=referral.id, at=now, provider_id=provider_id, tier=tier,
                 event=HistoryEvent.AWARDED if awarded else HistoryEvent.PLACED, detail=detail, actor=actor)
    await record_event(session, ReferralPlaced(referral=referral_facts(referral), provider_id=provider_id, tier=tier,
                                               awarded=awarded, start_on=start_on, placed_at=now))


async def award(
    session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, tier: Tier | None, reason: str,
    overrides: str | None, now: datetime, actor: str,
) -> None:
    """A broker's direct award to a named provider, outside the cascade, with the reason recorded, and
    the rule the cascade would have skipped the provider for (`overrides`), when there is one."""
    await _claim(session, referral=referral, provider_id=provider_id, now=now)
    detail = f"awarded by a broker: {reason}" + (f" (overriding the cascade: {overrides})" if overrides else "")
    await _place(session, referral=referral, provider_id=provider_id, tier=tier, awarded=True,
                 start_on=referral.start_on, now=now, detail=detail, actor=actor)


# --- placements made before they were recorded here (the placements import) ---------------------------


@dataclass(frozen=True, slots=True)
class ImportedPlacement:
    """A placement already made: its referral (new, `placed` with its provider, carrying its
    `external_ref`), the tier it was placed on, and what its history says."""

    referral: Referral
    tier: Tier | None
    detail: str


@dataclass(frozen=True, slots=True)
class Correction:
    """An imported placement imported again with other details: the fields that differ, their new values."""

    referral: Referral
    placement: Placement | None
    fields: Mapping[str, Any]
    detail: str


def imported_referral(*, fields: Mapping[str, Any], provider_id: uuid.UUID, external_ref: str,
                      now: datetime) -> Referral:
    """The referral of a placement made before it was recorded here: placed from the start, no cascade."""
    return Referral(id=uuid.uuid4(), **fields, status=ReferralStatus.PLACED, round=1, placed_with=provider_id,
                    external_ref=external_ref, created_at=now, updated_at=now)


async def place_imported(session: AsyncSession, placements: Sequence[ImportedPlacement], *, now: datetime) -> None:
    """Stores the referrals `placed` from the start (no offers, no cascade), with their events.

    Their hours count against the provider's cap at once, never refused by it: the council already
    pays for this care. A placement's `placed_at` is its start date, so one that began before the
    provider last declared its capacity is behind that declaration and does not use it up (as for a
    package brokerage learns of from packages). Packages commissions each from its real start date."""
    if not placements:
        return
    session.add_all([each.referral for each in placements])
    await session.flush()
    history, events = [], []
    for each in placements:
        referral, provider_id = each.referral, each.referral.placed_with
        assert provider_id is not None
        session.add(Placement(referral_id=referral.id, provider_id=provider_id, area=referral.area,
                              weekly_hours=referral.weekly_hours, status=PackageStatus.ACTIVE,
                              placed_at=datetime.combine(referral.start_on, time(), UTC)))
        history.append(history_row(referral_id=referral.id, at=now, provider_id=provider_id, tier=each.tier,
                                   event=HistoryEvent.IMPORTED, detail=each.detail))
        events.append(ReferralPlaced(referral=referral_facts(referral), provider_id=provider_id, tier=each.tier,
                                     awarded=False, start_on=referral.start_on, placed_at=now, imported=True))
    await _record_history(session, history)
    await record_events(session, events)


async def correct_imported(session: AsyncSession, corrections: Sequence[Correction], *, now: datetime) -> None:
    """Each referral and the hours it places take the new details; the events tell packages to correct
    the package's terms from its start."""
    history, events = [], []
    for each in corrections:
        referral = each.referral
        for name, value in each.fields.items():
            setattr(referral, name, value)
        referral.updated_at = now
        if each.placement is not None:
            each.placement.weekly_hours = referral.weekly_hours
        assert referral.placed_with is not None
        history.append(history_row(referral_id=referral.id, at=now, provider_id=referral.placed_with,
                                   event=HistoryEvent.IMPORTED, detail=each.detail))
        events.append(PlacementCorrected(referral=referral_facts(referral), provider_id=referral.placed_with,
                                         start_on=referral.start_on, at=now))
    await _record_history(session, history)
    await record_events(session, events)
