"""Placing a referral with one provider (an accepted offer or a broker's award).

Exactly one placement per referral is the database's guarantee, not a lock in memory: the status
moves to `placed` by a conditional UPDATE (only one transaction can match the old status), and
`placements.referral_id` is unique besides.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.cascade.service import add_history, referral_facts, withdraw_open_offers
from services.brokerage.referrals.exceptions import ReferralClosed
from services.brokerage.referrals.models import Placement, Referral
from shared.contracts.brokerage import ReferralPlaced
from shared.contracts.common import Tier
from shared.events.outbox import record_event


async def claim_referral(
    session: AsyncSession, *, referral_id: uuid.UUID, provider_id: uuid.UUID, from_statuses: tuple[str, ...],
    now: datetime,
) -> None:
    """Moves the referral to `placed` if it is still in one of `from_statuses`; else 409."""
    result = await session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.status.in_(from_statuses))
        .values(status="placed", placed_with=provider_id, updated_at=now)
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        raise ReferralClosed("The referral is no longer open: it was placed, awarded or cancelled.")


async def record_placement(
    session: AsyncSession, *, referral: Referral, provider_id: uuid.UUID, tier: Tier | None, awarded: bool,
    start_on: date, now: datetime, detail: str,
) -> None:
    """After `claim_referral`: the hours count at once, other offers are withdrawn, packages is told."""
    session.add(Placement(referral_id=referral.id, provider_id=provider_id, area=referral.area,
                          weekly_hours=referral.weekly_hours, status="active", placed_at=now))
    await session.flush()
    await withdraw_open_offers(session, referral=referral, now=now, why="the referral was placed elsewhere")
    add_history(session, referral_id=referral.id, at=now, provider_id=provider_id, tier=tier,
                event="awarded" if awarded else "placed", detail=detail)
    await record_event(session, ReferralPlaced(referral=referral_facts(referral), provider_id=provider_id, tier=tier,
                                               awarded=awarded, start_on=start_on, placed_at=now))
