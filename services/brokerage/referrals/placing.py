"""Placing a referral with one provider (an accepted offer, a broker's award, or a placement made before
it was recorded here and brought in by the placements import).

Exactly one placement per referral is the database's guarantee, not a lock in memory: the status
moves to `placed` by a conditional UPDATE (only one transaction can match the old status), and
`placements.referral_id` is unique besides. An imported placement is one referral per council key:
`referrals.external_ref` is unique.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.service import (
    add_history,
    history_row,
    record_history,
    referral_facts,
    withdraw_open_offers,
)
from services.brokerage.referrals.domain import HistoryEvent
from services.brokerage.referrals.exceptions import ReferralClosed
from services.brokerage.referrals.models import Placement, Referral
from shared.contracts.brokerage import PlacementCorrected, ReferralPlaced, ReferralStatus
from shared.contracts.common import Tier
from shared.contracts.packages import PackageStatus
from shared.events.outbox import record_event


async def claim_referral(
    session: AsyncSession, *, referral_id: uuid.UUID, provider_id: uuid.UUID,
    from_statuses: Collection[ReferralStatus], now: datetime,
) -> None:
    """Moves the referral to `placed` if it is still in one of `from_statuses`; else 409."""
    result = await session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.status.in_(from_statuses))
        .values(status=ReferralStatus.PLACED, placed_with=provider_id, updated_at=now)
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        raise ReferralClosed("The referral is no longer open: it was placed, awarded or cancelled.")


async def record_placement(
    session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, tier: Tier | None, awarded: bool,
    start_on: date, now: datetime, detail: str,
) -> None:
    """After `claim_referral`: the hours count at once, other offers are withdrawn, packages is told."""
    session.add(Placement(referral_id=referral.id, provider_id=provider_id, area=referral.area,
                          weekly_hours=referral.weekly_hours, status=PackageStatus.ACTIVE, placed_at=now))
    await session.flush()
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was placed elsewhere")
    add_history(session, referral_id=referral.id, at=now, provider_id=provider_id, tier=tier,
                event=HistoryEvent.AWARDED if awarded else HistoryEvent.PLACED, detail=detail)
    await record_event(session, ReferralPlaced(referral=referral_facts(referral), provider_id=provider_id, tier=tier,
                                               awarded=awarded, start_on=start_on, placed_at=now))


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


async def imported_referrals(
    session: AsyncSession, *, external_refs: Collection[str]
) -> dict[str, tuple[Referral, Placement | None]]:
    """The referrals already imported under `external_refs`, with their placements, locked (so two
    imports correcting one placement at once take turns)."""
    if not external_refs:
        return {}
    rows = await session.execute(
        select(Referral, Placement).outerjoin(Placement, Placement.referral_id == Referral.id)
        .where(Referral.external_ref.in_(sorted(external_refs))).with_for_update(of=Referral))
    return {referral.external_ref: (referral, placement) for referral, placement in rows
            if referral.external_ref is not None}


async def place_imported(
    session: AsyncSession, placements: Sequence[ImportedPlacement], *, now: datetime
) -> list[ReferralPlaced]:
    """Stores the referrals `placed` from the start (no offers, no cascade) and returns their events.

    Their hours count against the provider's cap at once, never refused by it: the council already
    pays for this care. A placement's `placed_at` is its start date, so one that began before the
    provider last declared its capacity is behind that declaration and does not use it up (as for a
    package brokerage learns of from packages). Packages commissions each from its real start date."""
    if not placements:
        return []
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
    await record_history(session, history)
    return events


async def correct_imported(
    session: AsyncSession, corrections: Sequence[Correction], *, now: datetime
) -> list[PlacementCorrected]:
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
    await record_history(session, history)
    return events
