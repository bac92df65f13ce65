"""The cascade as a pure function: every skip rule, the tier order, ranking, and properties for every input."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.brokerage.cascade.domain import (
    AreaSnapshot,
    Candidate,
    Contract,
    Embargo,
    Need,
    Outcome,
    Policy,
    RankingWeights,
    SkipReason,
    rank_score,
    run_cascade,
)
from shared.contracts.common import TIER_ORDER, ClientGroup, EmbargoScope, FrameworkOfferMode, Skill, Tier

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NEED = Need(area="OAK", client_group=ClientGroup.OLDER_PEOPLE, needs=frozenset({Skill.DEMENTIA}),
            weekly_hours=Decimal("10.50"), start_on=date(2026, 12, 1))
LONG_AGO = NOW - timedelta(weeks=100)


def provider(tier: Tier = Tier.FRAMEWORK, **changes: object) -> Candidate:
    base = Candidate(
        id=uuid.uuid4(), contract=Contract(tier=tier, starts_on=date(2026, 1, 1)), skills=frozenset(Skill),
        quality_rank=3, declared_capacity=Decimal(100), registered_at=LONG_AGO,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def cascade(*candidates: Candidate, mode: FrameworkOfferMode = FrameworkOfferMode.RANKED,
            policy: Policy | None = None, need: Need = NEED, offered: tuple[uuid.UUID, ...] = ()) -> Outcome:
    return run_cascade(need, AreaSnapshot("OAK", mode, candidates), policy or Policy(), now=NOW,
                       already_offered=offered)


def reason_for(candidate: Candidate, policy: Policy | None = None) -> SkipReason | None:
    return cascade(candidate, policy=policy).decisions[0].reason


def test_the_block_provider_is_offered_first_while_block_hours_remain() -> None:
    block = provider(Tier.BLOCK, contract=Contract(Tier.BLOCK, date(2026, 1, 1), block_hours=Decimal(50)))
    primary = provider(Tier.PRIMARY)
    assert cascade(primary, block).offers[0].provider_id == block.id


def test_a_block_provider_whose_block_is_used_up_is_skipped() -> None:
    block = provider(Tier.BLOCK, contract=Contract(Tier.BLOCK, date(2026, 1, 1), block_hours=Decimal(50)),
                     placed_in_area=Decimal(45))
    assert reason_for(block) is SkipReason.BLOCK_HOURS_USED


def test_primary_comes_before_framework() -> None:
    primary, framework = provider(Tier.PRIMARY, quality_rank=2), provider(Tier.FRAMEWORK, quality_rank=4)
    outcome = cascade(framework, primary)
    assert [each.provider_id for each in outcome.offers] == [primary.id]


def test_primary_is_skipped_when_its_hours_cap_would_be_exceeded() -> None:
    capped = Contract(Tier.PRIMARY, date(2026, 1, 1), weekly_hours_cap=Decimal(120))
    primary = provider(Tier.PRIMARY, contract=capped, placed_in_area=Decimal("110.00"))
    framework = provider(Tier.FRAMEWORK)
    outcome = cascade(primary, framework)
    assert outcome.decisions[0].reason is SkipReason.CAP_EXCEEDED
    assert "120.00" in outcome.decisions[0].detail
    assert [each.provider_id for each in outcome.offers] == [framework.id]


def test_primary_exactly_at_its_cap_is_still_offered() -> None:
    capped = Contract(Tier.PRIMARY, date(2026, 1, 1), weekly_hours_cap=Decimal(120))
    assert reason_for(provider(Tier.PRIMARY, contract=capped, placed_in_area=Decimal("109.50"))) is None


def test_second_tier_only_when_no_framework_provider_can_take_it() -> None:
    framework = provider(Tier.FRAMEWORK, skills=frozenset())
    spot = provider(Tier.SECOND_TIER)
    outcome = cascade(framework, spot)
    assert [each.provider_id for each in outcome.offers] == [spot.id]
    assert outcome.decisions[0].reason is SkipReason.MISSING_SKILL


def test_nobody_eligible_means_unsourced() -> None:
    outcome = cascade(provider(active=False), provider(declared_capacity=None))
    assert outcome.unsourced
    assert {each.reason for each in outcome.decisions} == {SkipReason.INACTIVE, SkipReason.NO_CAPACITY}


@pytest.mark.parametrize(("scope", "area", "group", "covers"), [
    (EmbargoScope.ALL, None, None, True),
    (EmbargoScope.AREA, "OAK", None, True),
    (EmbargoScope.AREA, "UPP", None, False),
    (EmbargoScope.CLIENT_GROUP, None, ClientGroup.OLDER_PEOPLE, True),
    (EmbargoScope.CLIENT_GROUP, None, ClientGroup.MENTAL_HEALTH, False),
])
def test_an_embargo_skips_the_provider_only_within_its_scope(
    scope: EmbargoScope, area: str | None, group: ClientGroup | None, covers: bool
) -> None:
    embargo = Embargo(scope=scope, starts_on=date(2026, 11, 1), area=area, client_group=group)
    expected = SkipReason.EMBARGOED if covers else None
    assert reason_for(provider(embargoes=(embargo,))) is expected


def test_an_embargo_not_yet_started_or_already_ended_does_not_count() -> None:
    later = Embargo(scope=EmbargoScope.ALL, starts_on=date(2026, 12, 1))
    over = Embargo(scope=EmbargoScope.ALL, starts_on=date(2026, 1, 1), ends_on=date(2026, 11, 22))
    assert reason_for(provider(embargoes=(later, over))) is None


def test_an_inadequate_rating_skips_by_default_and_the_policy_can_allow_it() -> None:
    inadequate = provider(quality_rank=1, inadequate=True)
    assert reason_for(inadequate) is SkipReason.INADEQUATE_RATING
    assert reason_for(inadequate, policy=Policy(skip_inadequate=False)) is None


def test_a_provider_without_a_contract_in_force_does_not_cover_the_area() -> None:
    ended = provider(contract=Contract(Tier.FRAMEWORK, date(2025, 1, 1), ends_on=date(2026, 6, 30)))
    assert reason_for(ended) is SkipReason.AREA_NOT_COVERED
    assert reason_for(provider(contract=None)) is SkipReason.AREA_NOT_COVERED


def test_a_missing_skill_is_named() -> None:
    outcome = cascade(provider(skills=frozenset({Skill.MEDICATION})))
    assert outcome.decisions[0].reason is SkipReason.MISSING_SKILL
    assert "dementia" in outcome.decisions[0].detail


def test_declared_capacity_must_cover_the_hours_counting_what_was_placed_since() -> None:
    assert reason_for(provider(declared_capacity=None)) is SkipReason.NO_CAPACITY
    assert reason_for(provider(declared_capacity=Decimal(10))) is SkipReason.NO_CAPACITY
    assert reason_for(provider(declared_capacity=Decimal(20), placed_since_declared=Decimal(10))) \
        is SkipReason.NO_CAPACITY
    assert reason_for(provider(declared_capacity=Decimal("10.50"))) is None


def test_a_client_group_not_served_is_skipped() -> None:
    assert reason_for(provider(client_groups=frozenset({ClientGroup.MENTAL_HEALTH}))) \
        is SkipReason.CLIENT_GROUP_NOT_SERVED


def test_a_new_provider_is_held_to_its_ramp_up_limit() -> None:
    new = provider(registered_at=NOW - timedelta(weeks=2), placed_total=Decimal(35))
    assert reason_for(new) is SkipReason.RAMP_UP_LIMIT
    assert reason_for(replace(new, registered_at=NOW - timedelta(weeks=13))) is None


def test_a_provider_already_offered_this_round_is_not_offered_again() -> None:
    first, second = provider(quality_rank=4), provider(quality_rank=3)
    outcome = cascade(first, second, offered=(first.id,))
    assert [each.provider_id for each in outcome.offers] == [second.id]


def test_ranking_is_quality_first_then_spare_capacity_then_declines() -> None:
    outstanding = provider(quality_rank=4, declared_capacity=Decimal(11), recent_declines=9)
    good_roomy = provider(quality_rank=3, declared_capacity=Decimal(100))
    good_tight = provider(quality_rank=3, declared_capacity=Decimal(20))
    good_tight_decliner = provider(quality_rank=3, declared_capacity=Decimal(20), recent_declines=5)
    outcome = cascade(good_tight_decliner, good_tight, good_roomy, outstanding)
    assert [each.provider_id for each in outcome.decisions] == [
        outstanding.id, good_roomy.id, good_tight.id, good_tight_decliner.id]


def test_ranking_weights_are_configurable() -> None:
    capacity_first = Policy(weights=RankingWeights(rating=Decimal(1), spare_capacity=Decimal(100),
                                                   recent_declines=Decimal(0)))
    outstanding = provider(quality_rank=4, declared_capacity=Decimal(11))
    roomy = provider(quality_rank=2, declared_capacity=Decimal(100))
    assert rank_score(roomy, capacity_first) > rank_score(outstanding, capacity_first)
    assert rank_score(outstanding, Policy()) > rank_score(roomy, Policy())


def test_broadcast_offers_every_eligible_framework_provider_at_once() -> None:
    framework = [provider() for _ in range(3)]
    outcome = cascade(*framework, provider(skills=frozenset()), mode=FrameworkOfferMode.BROADCAST)
    assert {each.provider_id for each in outcome.offers} == {each.id for each in framework}


def test_broadcast_still_asks_the_primary_alone() -> None:
    primary = provider(Tier.PRIMARY)
    outcome = cascade(primary, provider(), mode=FrameworkOfferMode.BROADCAST)
    assert [each.provider_id for each in outcome.offers] == [primary.id]


# Properties: for every market and referral, the rules hold.

tiers = st.sampled_from(list(Tier))
hours = st.decimals(min_value=0, max_value=200, places=2)


@st.composite
def candidates(draw: st.DrawFn) -> Candidate:
    tier = draw(tiers)
    contract = draw(st.one_of(st.none(), st.builds(
        Contract, tier=st.just(tier), starts_on=st.sampled_from([date(2026, 1, 1), date(2027, 1, 1)]),
        weekly_hours_cap=st.one_of(st.none(), hours), block_hours=st.one_of(st.none(), hours))))
    rank = draw(st.one_of(st.none(), st.integers(1, 4)))
    return Candidate(
        id=uuid.uuid4(), contract=contract, active=draw(st.booleans()),
        skills=frozenset(draw(st.sets(st.sampled_from([Skill.DEMENTIA, Skill.MEDICATION])))),
        embargoes=tuple(draw(st.lists(st.builds(Embargo, scope=st.sampled_from(list(EmbargoScope)),
                                                starts_on=st.just(date(2026, 1, 1)), area=st.just("OAK")),
                                      max_size=1))),
        quality_rank=rank, inadequate=rank == 1, declared_capacity=draw(st.one_of(st.none(), hours)),
        placed_since_declared=draw(hours), placed_in_area=draw(hours), placed_total=draw(hours),
        registered_at=draw(st.sampled_from([LONG_AGO, NOW - timedelta(weeks=1)])),
        recent_declines=draw(st.integers(0, 20)),
    )


needs = st.builds(Need, area=st.just("OAK"), client_group=st.just(ClientGroup.OLDER_PEOPLE),
                  needs=st.sets(st.sampled_from([Skill.DEMENTIA, Skill.MEDICATION])).map(frozenset),
                  weekly_hours=st.decimals(min_value="0.50", max_value=60, places=2),
                  start_on=st.just(date(2026, 12, 1)))


@settings(max_examples=300, deadline=None)
@given(need=needs, market=st.lists(candidates(), max_size=12), mode=st.sampled_from(list(FrameworkOfferMode)))
def test_no_skipped_provider_is_ever_offered_and_the_tier_order_is_never_broken(
    need: Need, market: list[Candidate], mode: FrameworkOfferMode
) -> None:
    outcome = run_cascade(need, AreaSnapshot("OAK", mode, tuple(market)), Policy(), now=NOW)
    skipped = {each.provider_id for each in outcome.decisions if each.skipped}
    offered = {each.provider_id for each in outcome.offers}
    assert not skipped & offered
    assert len(outcome.decisions) == len(market)
    eligible_tiers = [each.tier for each in outcome.decisions if not each.skipped]
    assert eligible_tiers == sorted(eligible_tiers, key=lambda tier: TIER_ORDER.index(tier))
    if outcome.offers:
        assert {each.tier for each in outcome.offers} == {eligible_tiers[0]}
    else:
        assert not eligible_tiers


@settings(max_examples=300, deadline=None)
@given(need=needs, market=st.lists(candidates(), max_size=12))
def test_no_offer_ever_takes_a_provider_past_its_cap_block_or_capacity(need: Need, market: list[Candidate]) -> None:
    outcome = run_cascade(need, AreaSnapshot("OAK", FrameworkOfferMode.BROADCAST, tuple(market)), Policy(), now=NOW)
    by_id = {each.id: each for each in market}
    for offer in outcome.offers:
        chosen = by_id[offer.provider_id]
        assert chosen.contract is not None
        after = chosen.placed_in_area + need.weekly_hours
        assert chosen.contract.weekly_hours_cap is None or after <= chosen.contract.weekly_hours_cap
        if chosen.contract.tier is Tier.BLOCK and chosen.contract.block_hours is not None:
            assert after <= chosen.contract.block_hours
        assert chosen.spare_capacity >= need.weekly_hours
        assert chosen.active
        assert not chosen.inadequate
        assert need.needs <= chosen.skills
