"""What the broker's queue shows of each referral beside its own fields, worked out without I/O: the
furthest tier of the cascade it has reached, and the steps of its history a broker is told about."""

from __future__ import annotations

from collections.abc import Iterable

from services.brokerage.referrals.domain import HistoryEvent
from shared.contracts.common import TIER_ORDER, Tier

NOTABLE_EVENTS = frozenset({HistoryEvent.DECLINED, HistoryEvent.EXPIRED, HistoryEvent.UNSOURCED,
                            HistoryEvent.PLACED, HistoryEvent.AWARDED})
"""The steps a broker is told about (a notification): an offer declined or left to expire, the waiting
list, a placement or award. Offers made, skips and withdrawals are the cascade's routine."""


def furthest_tier(tiers: Iterable[Tier | None]) -> Tier | None:
    """The tier furthest down the cascade (block, primary, framework, second tier) among `tiers`;
    None when there is none (nobody has been offered the referral this round)."""
    reached = [TIER_ORDER.index(tier) for tier in tiers if tier is not None]
    return TIER_ORDER[max(reached)] if reached else None
