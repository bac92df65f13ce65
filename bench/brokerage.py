"""Figure 1, the cascade: one decision against a read model the size of England's home care market, 15,000
providers over 150 areas (goal: p99 under 2 ms on one core), wall-clock and the thread's own CPU time.
The snapshot is indexed by area, as the service's read model is, so a decision looks only at the
providers contracted in the referral's area. Floor: the least any decision does, one pass over the
area's candidates keeping those with the referral's client group and skills, timed the same way."""

from __future__ import annotations

import gc
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench import Figure, Goal, Scale
from services.brokerage.cascade.domain import AreaSnapshot, Candidate, Contract, Embargo, Need, Policy, run_cascade
from shared.contracts.common import ClientGroup, EmbargoScope, FrameworkOfferMode, Skill, Tier

AREAS, WARMUP = 150, 500
GOAL = Goal("value < 2 ms", value_below=2.0)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SKILLS = list(Skill)


def _tier(rank_in_area: int) -> Tier:
    if rank_in_area == 0:
        return Tier.BLOCK
    if rank_in_area == 1:
        return Tier.PRIMARY
    return Tier.FRAMEWORK if rank_in_area < 30 else Tier.SECOND_TIER


def _candidate(rng: random.Random, tier: Tier) -> Candidate:
    rank = rng.choice([None, 1, 2, 3, 3, 3, 4])
    embargoes = (Embargo(scope=EmbargoScope.ALL, starts_on=date(2026, 1, 1)),) if rng.random() < 0.05 else ()
    return Candidate(
        id=uuid.UUID(int=rng.getrandbits(128)),
        contract=Contract(tier=tier, starts_on=date(2025, 4, 1),
                          weekly_hours_cap=Decimal(rng.choice([120, 250, 400])) if tier is Tier.PRIMARY else None,
                          block_hours=Decimal(300) if tier is Tier.BLOCK else None),
        skills=frozenset(rng.sample(SKILLS, rng.randint(3, len(SKILLS)))),
        client_groups=frozenset(ClientGroup),
        embargoes=embargoes, quality_rank=rank, inadequate=rank == 1,
        declared_capacity=Decimal(rng.randint(0, 120)), placed_since_declared=Decimal(rng.randint(0, 40)),
        placed_in_area=Decimal(rng.randint(0, 300)), placed_total=Decimal(rng.randint(0, 600)),
        registered_at=NOW - timedelta(weeks=rng.randint(1, 500)), recent_declines=rng.randint(0, 12),
    )


def market(rng: random.Random, providers: int) -> dict[str, AreaSnapshot]:
    """`providers` spread over 150 areas, each area with a block, a primary, ~28 framework providers and
    the rest spot providers."""
    per_area = providers // AREAS
    snapshots = {}
    for number in range(AREAS):
        code = f"A{number:03d}"
        mode = FrameworkOfferMode.BROADCAST if number % 3 == 0 else FrameworkOfferMode.RANKED
        candidates = tuple(_candidate(rng, _tier(index)) for index in range(per_area))
        snapshots[code] = AreaSnapshot(code=code, mode=mode, candidates=candidates)
    return snapshots


def _need(rng: random.Random) -> Need:
    return Need(area=f"A{rng.randrange(AREAS):03d}", client_group=rng.choice(list(ClientGroup)),
                needs=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
                weekly_hours=Decimal(rng.randint(2, 60)) / 2, start_on=date(2026, 12, 1))


def _floor_pass(need: Need, snapshot: AreaSnapshot) -> list[Candidate]:
    return [candidate for candidate in snapshot.candidates
            if need.client_group in candidate.client_groups and need.needs <= candidate.skills]


def _timed(needs: list[Need], snapshots: dict[str, AreaSnapshot], decide: Callable[[Need, AreaSnapshot], object],
           ) -> tuple[list[float], list[float]]:
    """Wall-clock and thread CPU milliseconds of `decide` for each need after the warm-up ones."""
    wall, cpu = [], []
    for index, need in enumerate(needs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        decide(need, snapshots[need.area])
        if index >= WARMUP:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def figures(scale: Scale) -> list[Figure]:
    rng = random.Random(2026)
    snapshots, policy = market(rng, scale.cascade_providers), Policy()
    gc.collect()
    gc.freeze()  # the read model is long-lived: keep the collector from walking it on every pass
    needs = [_need(rng) for _ in range(WARMUP + scale.cascade_decisions)]
    try:
        wall, cpu = _timed(needs, snapshots, lambda need, snapshot: run_cascade(need, snapshot, policy, now=NOW))
        floor_wall, floor_cpu = _timed(needs, snapshots, _floor_pass)
    finally:
        gc.unfreeze()
    detail = {"providers": scale.cascade_providers, "areas": AREAS, "decisions": len(wall),
              "median_ms": statistics.median(wall), "decisions_per_s": len(wall) / (sum(wall) / 1000)}
    where = f"{scale.cascade_providers} providers, {AREAS} areas"
    return [
        Figure(name=f"cascade: one decision, p99 wall-clock ({where})", value=p99(wall), unit="ms",
               floor=p99(floor_wall), goal=GOAL, detail=detail),
        Figure(name=f"cascade: one decision, p99 CPU time of its thread ({where})", value=p99(cpu), unit="ms",
               floor=p99(floor_cpu), goal=GOAL,
               detail={"why": "wall-clock p99 on a shared machine includes preemption; CPU time does not"}),
    ]


def p99(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(int(len(ordered) * 0.99) - 1, 0)]
