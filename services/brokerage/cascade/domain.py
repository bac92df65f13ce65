"""The cascade (DOMAIN.md, "Brokerage: the cascade"), pure: referral + read-model snapshot + policy in,
ordered decisions with reasons out.

Tiers are offered in order: block (while block hours remain), primary (up to its hard weekly hours
cap), framework, second tier; nobody left means the waiting list. At every tier a provider is skipped
for the first rule it breaks (`SkipReason`), and the eligible ones are ranked quality-first:
rating, then spare capacity, then recent declines, with configurable weights.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.contracts.common import TIER_ORDER, ClientGroup, EmbargoScope, FrameworkOfferMode, Skill, Tier

SEQUENTIAL_TIERS = frozenset({Tier.BLOCK, Tier.PRIMARY})
"""Block and primary providers are asked one at a time; the area's mode applies to the others."""

SPARE_CAPACITY_SCALE = Decimal(100)
"""Spare hours at or above this count as full marks in the ranking."""
DECLINES_SCALE = Decimal(10)
"""Recent declines at or above this count as the full penalty."""
CENT = Decimal("0.01")


class SkipReason(StrEnum):
    """Why a provider was passed over (shown in the referral's history)."""

    INACTIVE = "inactive"
    ALREADY_OFFERED = "already_offered"
    AREA_NOT_COVERED = "area_not_covered"
    EMBARGOED = "embargoed"
    INADEQUATE_RATING = "inadequate_rating"
    CLIENT_GROUP_NOT_SERVED = "client_group_not_served"
    MISSING_SKILL = "missing_skill"
    NO_CAPACITY = "no_capacity"
    BLOCK_HOURS_USED = "block_hours_used"
    CAP_EXCEEDED = "cap_exceeded"
    RAMP_UP_LIMIT = "ramp_up_limit"


@dataclass(frozen=True, slots=True)
class RankingWeights:
    rating: Decimal = Decimal(100)
    spare_capacity: Decimal = Decimal(10)
    recent_declines: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class Policy:
    skip_inadequate: bool = True
    weights: RankingWeights = field(default_factory=RankingWeights)
    unrated_quality_rank: int = 2
    ramp_up: timedelta = timedelta(weeks=12)
    ramp_up_max_weekly_hours: Decimal = Decimal(40)


@dataclass(frozen=True, slots=True)
class Need:
    """What the cascade needs to know of a referral."""

    area: str
    client_group: ClientGroup
    needs: frozenset[Skill]
    weekly_hours: Decimal
    start_on: date


@dataclass(frozen=True, slots=True)
class Contract:
    tier: Tier
    starts_on: date
    ends_on: date | None = None
    weekly_hours_cap: Decimal | None = None
    block_hours: Decimal | None = None

    def in_force_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True, slots=True)
class Embargo:
    scope: EmbargoScope
    starts_on: date
    ends_on: date | None = None
    area: str | None = None
    client_group: ClientGroup | None = None
    imposed_by: str = "council"

    def covers(self, need: Need, today: date) -> bool:
        """An embargo stops new referrals from its start until it ends, within its scope."""
        if today < self.starts_on or (self.ends_on is not None and today > self.ends_on):
            return False
        if self.scope is EmbargoScope.AREA:
            return self.area == need.area
        if self.scope is EmbargoScope.CLIENT_GROUP:
            return self.client_group == need.client_group
        return True


@dataclass(frozen=True, slots=True)
class Candidate:
    """One provider as seen from one area: its contract there and the hours already placed."""

    id: uuid.UUID
    contract: Contract | None
    active: bool = True
    skills: frozenset[Skill] = frozenset()
    client_groups: frozenset[ClientGroup] = frozenset()
    embargoes: tuple[Embargo, ...] = ()
    quality_rank: int | None = None
    inadequate: bool = False
    declared_capacity: Decimal | None = None
    placed_since_declared: Decimal = Decimal(0)
    placed_in_area: Decimal = Decimal(0)
    placed_total: Decimal = Decimal(0)
    registered_at: datetime | None = None
    recent_declines: int = 0

    @property
    def spare_capacity(self) -> Decimal:
        if self.declared_capacity is None:
            return Decimal(0)
        return max(self.declared_capacity - self.placed_since_declared, Decimal(0))


@dataclass(frozen=True, slots=True)
class AreaSnapshot:
    code: str
    mode: FrameworkOfferMode
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    provider_id: uuid.UUID
    tier: Tier | None
    reason: SkipReason | None
    detail: str
    score: Decimal | None = None

    @property
    def skipped(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True, slots=True)
class Outcome:
    """`decisions`: every provider considered, in tier order, eligible ones by rank.
    `offers`: the next wave to offer now; empty means nobody can take it (the waiting list)."""

    decisions: tuple[Decision, ...]
    offers: tuple[Decision, ...]

    @property
    def unsourced(self) -> bool:
        return not self.offers


def skip_reason(
    need: Need, candidate: Candidate, policy: Policy, *, now: datetime
) -> tuple[SkipReason, str] | None:
    """The first rule that stops `candidate` taking `need`, with a plain explanation, or None."""
    contract = candidate.contract
    if not candidate.active:
        return SkipReason.INACTIVE, "the provider is not active"
    if contract is None or not contract.in_force_on(need.start_on):
        return SkipReason.AREA_NOT_COVERED, f"no contract in force in {need.area} on {need.start_on}"
    embargo = _covering_embargo(need, candidate.embargoes, now.date()) if candidate.embargoes else None
    if embargo is not None:
        return SkipReason.EMBARGOED, f"{embargo.imposed_by} embargo on {embargo.scope} new work"
    if policy.skip_inadequate and candidate.inadequate:
        return SkipReason.INADEQUATE_RATING, "latest regulator rating is Inadequate"
    if candidate.client_groups and need.client_group not in candidate.client_groups:
        return SkipReason.CLIENT_GROUP_NOT_SERVED, f"does not serve {need.client_group}"
    missing = need.needs - candidate.skills
    if missing:
        return SkipReason.MISSING_SKILL, "lacks " + ", ".join(sorted(missing))
    if candidate.spare_capacity < need.weekly_hours:
        return SkipReason.NO_CAPACITY, f"declared spare capacity {candidate.spare_capacity:.2f} h/week"
    return _hours_limit(need, candidate, contract, policy, now=now)


def _covering_embargo(need: Need, embargoes: tuple[Embargo, ...], today: date) -> Embargo | None:
    return next((each for each in embargoes if each.covers(need, today)), None)


def _hours_limit(
    need: Need, candidate: Candidate, contract: Contract, policy: Policy, *, now: datetime
) -> tuple[SkipReason, str] | None:
    """Block hours, the hard weekly cap and the ramp-up limit, each counting hours already placed."""
    in_area = candidate.placed_in_area + need.weekly_hours
    if contract.tier is Tier.BLOCK and contract.block_hours is not None and in_area > contract.block_hours:
        return SkipReason.BLOCK_HOURS_USED, f"{in_area:.2f} h would pass the block of {contract.block_hours:.2f}"
    if contract.weekly_hours_cap is not None and in_area > contract.weekly_hours_cap:
        return SkipReason.CAP_EXCEEDED, f"{in_area:.2f} h would pass the cap of {contract.weekly_hours_cap:.2f}"
    ramping = candidate.registered_at is not None and now - candidate.registered_at < policy.ramp_up
    total = candidate.placed_total + need.weekly_hours
    if ramping and total > policy.ramp_up_max_weekly_hours:
        return SkipReason.RAMP_UP_LIMIT, f"{total:.2f} h would pass the ramp-up limit of " \
            f"{policy.ramp_up_max_weekly_hours:.2f}"
    return None


def rank_score(candidate: Candidate, policy: Policy) -> Decimal:
    """Quality first: rating (1-4 on one scale), then spare capacity, then recent declines.

    Each part is scaled to 0..1 and weighted, so the weights say how much each counts; with the
    defaults one rating step (100/3) outweighs any difference in capacity and declines (10 + 1).
    """
    weights = policy.weights
    rank = candidate.quality_rank if candidate.quality_rank is not None else policy.unrated_quality_rank
    rating = Decimal(rank - 1) / 3
    spare = min(candidate.spare_capacity, SPARE_CAPACITY_SCALE) / SPARE_CAPACITY_SCALE
    declines = min(Decimal(candidate.recent_declines), DECLINES_SCALE) / DECLINES_SCALE
    score = weights.rating * rating + weights.spare_capacity * spare - weights.recent_declines * declines
    return score.quantize(CENT)


def run_cascade(
    need: Need,
    snapshot: AreaSnapshot,
    policy: Policy,
    *,
    now: datetime,
    already_offered: Iterable[uuid.UUID] = (),
) -> Outcome:
    """Decides, for every provider of the area, skip (and why) or eligible (and its rank), and which
    of them to offer now. Providers already offered in this round are not offered again."""
    excluded = frozenset(already_offered)
    by_tier: dict[Tier | None, tuple[list[Decision], list[Decision]]] = {}
    for candidate in snapshot.candidates:
        tier = candidate.contract.tier if candidate.contract else None
        eligible, skipped = by_tier.setdefault(tier, ([], []))
        decision = _decide(need, candidate, policy, now=now, excluded=excluded)
        (skipped if decision.skipped else eligible).append(decision)
    decisions: list[Decision] = []
    offers: tuple[Decision, ...] = ()
    for tier in (*TIER_ORDER, None):
        eligible, skipped = by_tier.get(tier, ([], []))
        eligible.sort(key=lambda each: (-(each.score or 0), each.provider_id))
        skipped.sort(key=lambda each: each.provider_id)
        decisions += eligible + skipped
        if eligible and not offers and tier is not None:
            offers = _wave(tier, eligible, snapshot.mode)
    return Outcome(decisions=tuple(decisions), offers=offers)


def _decide(
    need: Need, candidate: Candidate, policy: Policy, *, now: datetime, excluded: frozenset[uuid.UUID]
) -> Decision:
    tier = candidate.contract.tier if candidate.contract else None
    if candidate.id in excluded:
        return Decision(candidate.id, tier, SkipReason.ALREADY_OFFERED, "already offered in this round")
    refused = skip_reason(need, candidate, policy, now=now)
    if refused is not None:
        reason, detail = refused
        return Decision(candidate.id, tier, reason, f"{reason}: {detail}")
    score = rank_score(candidate, policy)
    return Decision(candidate.id, tier, None, f"eligible, rank score {score}", score)


def _wave(tier: Tier, eligible: list[Decision], mode: FrameworkOfferMode) -> tuple[Decision, ...]:
    """Block and primary one at a time; framework and second tier one at a time (`ranked`) or all
    eligible at once (`broadcast`: first valid acceptance wins)."""
    if tier in SEQUENTIAL_TIERS or mode is FrameworkOfferMode.RANKED:
        return (eligible[0],)
    return tuple(eligible)
