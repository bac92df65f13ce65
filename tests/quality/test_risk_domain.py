"""The risk matrix's scoring rules (services/quality/risk/domain.py, docs/risk-matrix.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.quality.risk.domain import (
    EvidenceItem,
    EvidenceKind,
    OverdueAction,
    RatingFact,
    RiskPolicy,
    Severity,
    assess,
    is_escalation,
    item_points,
    likelihood,
    rag_for,
)
from shared.contracts.common import Rag

POLICY = RiskPolicy(half_life_days=Decimal(90), window_days=365, amber=Decimal(10), red=Decimal(25),
                    inadequate_is_red=True, requires_improvement_points=Decimal(8),
                    overdue_action_points=Decimal(5))
TODAY = date(2026, 11, 23)
SCORED_KINDS = [kind for kind in EvidenceKind
                if kind not in {EvidenceKind.REGULATOR_RATING, EvidenceKind.OVERDUE_ACTION}]
SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH]
GOOD = RatingFact(overall="good", quality_rank=3, inadequate=False)

items = st.builds(
    EvidenceItem,
    kind=st.sampled_from(SCORED_KINDS),
    severity=st.sampled_from(SEVERITY_ORDER),
    occurred_on=st.integers(min_value=-10, max_value=500).map(lambda age: TODAY - timedelta(days=age)),
    source_id=st.uuids().map(str),
)
ratings = st.one_of(st.none(), st.sampled_from([
    GOOD,
    RatingFact(overall="outstanding", quality_rank=4, inadequate=False),
    RatingFact(overall="requires_improvement", quality_rank=2, inadequate=False),
    RatingFact(overall="inadequate", quality_rank=1, inadequate=True),
]))


def score_of(evidence: list[EvidenceItem], rating: RatingFact | None = None, overdue: int = 0) -> Decimal:
    actions = [OverdueAction(action_id=f"a{n}", due_on=TODAY - timedelta(days=1)) for n in range(overdue)]
    return assess(evidence=evidence, rating=rating, overdue_actions=actions, today=TODAY, policy=POLICY).score


def concern(severity: Severity, *, age: int = 0, kind: EvidenceKind = EvidenceKind.COMPLAINT) -> EvidenceItem:
    return EvidenceItem(kind=kind, severity=severity, occurred_on=TODAY - timedelta(days=age), source_id="x")


def test_four_high_severity_concerns_today_turn_a_provider_red() -> None:
    result = assess(evidence=[concern(Severity.HIGH)] * 4, rating=GOOD, overdue_actions=[], today=TODAY,
                    policy=POLICY)
    assert result.score == Decimal("28.00")
    assert result.rag is Rag.RED


def test_three_high_severity_concerns_are_amber_not_red() -> None:
    assert rag_for(score_of([concern(Severity.HIGH)] * 3), policy=POLICY) is Rag.AMBER


def test_no_evidence_and_a_good_rating_is_green_with_nothing_listed() -> None:
    result = assess(evidence=[], rating=GOOD, overdue_actions=[], today=TODAY, policy=POLICY)
    assert (result.score, result.rag, result.contributions) == (Decimal("0.00"), Rag.GREEN, ())


def test_an_inadequate_rating_alone_is_red_when_the_policy_says_so() -> None:
    inadequate = RatingFact(overall="inadequate", quality_rank=1, inadequate=True)
    assert assess(evidence=[], rating=inadequate, overdue_actions=[], today=TODAY, policy=POLICY).rag is Rag.RED
    lenient = RiskPolicy(**{**POLICY.__dict__, "inadequate_is_red": False})
    assert assess(evidence=[], rating=inadequate, overdue_actions=[], today=TODAY, policy=lenient).rag is Rag.GREEN


def test_requires_improvement_adds_its_points_and_is_listed_as_evidence() -> None:
    rating = RatingFact(overall="requires_improvement", quality_rank=2, inadequate=False)
    result = assess(evidence=[concern(Severity.MEDIUM)], rating=rating, overdue_actions=[], today=TODAY,
                    policy=POLICY)
    assert result.score == Decimal("11.00")
    assert [line.kind for line in result.contributions] == [EvidenceKind.REGULATOR_RATING, EvidenceKind.COMPLAINT]


def test_overdue_actions_raise_the_risk_by_their_points_each() -> None:
    assert score_of([], GOOD, overdue=2) - score_of([], GOOD) == Decimal(10)


def test_evidence_halves_after_one_half_life_and_is_nil_past_the_window() -> None:
    assert item_points(concern(Severity.HIGH, age=90), today=TODAY, policy=POLICY) == Decimal("3.50")
    assert item_points(concern(Severity.HIGH, age=366), today=TODAY, policy=POLICY) == Decimal(0)


def test_safeguarding_weighs_more_than_a_complaint_and_a_decline_very_little() -> None:
    safeguarding = item_points(concern(Severity.HIGH, kind=EvidenceKind.SAFEGUARDING), today=TODAY, policy=POLICY)
    declined = item_points(concern(Severity.HIGH, kind=EvidenceKind.OFFER_DECLINED), today=TODAY, policy=POLICY)
    assert safeguarding == Decimal("10.50")
    assert declined == Decimal("0.70")


def test_turning_red_is_an_escalation_once_and_staying_red_is_not() -> None:
    assert is_escalation(previous=Rag.AMBER, current=Rag.RED)
    assert is_escalation(previous=None, current=Rag.RED)
    assert not is_escalation(previous=Rag.RED, current=Rag.RED)
    assert not is_escalation(previous=Rag.RED, current=Rag.AMBER)


@given(st.lists(items, max_size=12), items, ratings, st.integers(0, 3))
def test_more_evidence_never_lowers_the_score(evidence: list[EvidenceItem], extra: EvidenceItem,
                                             rating: RatingFact | None, overdue: int) -> None:
    assert score_of([*evidence, extra], rating, overdue) >= score_of(evidence, rating, overdue)


@given(st.lists(items, max_size=12), items, st.integers(0, 2))
def test_severer_evidence_never_lowers_the_score(evidence: list[EvidenceItem], item: EvidenceItem,
                                                 steps: int) -> None:
    position = min(SEVERITY_ORDER.index(item.severity) + steps, 2)
    severer = EvidenceItem(kind=item.kind, severity=SEVERITY_ORDER[position], occurred_on=item.occurred_on,
                           source_id=item.source_id)
    assert score_of([*evidence, severer]) >= score_of([*evidence, item])


@given(st.lists(items, max_size=12), items, st.integers(0, 400))
def test_more_recent_evidence_never_weighs_less(evidence: list[EvidenceItem], item: EvidenceItem,
                                                days_sooner: int) -> None:
    recent = EvidenceItem(kind=item.kind, severity=item.severity,
                          occurred_on=item.occurred_on + timedelta(days=days_sooner), source_id=item.source_id)
    assert score_of([*evidence, recent]) >= score_of([*evidence, item])


@given(st.integers(0, 364), st.integers(1, 365))
def test_older_evidence_weighs_strictly_less_within_the_window(age: int, more: int) -> None:
    older = min(age + more, POLICY.window_days)
    assert likelihood(age_days=older, policy=POLICY) < likelihood(age_days=age, policy=POLICY)


@given(st.lists(items, max_size=12), ratings, st.integers(0, 3))
def test_the_score_is_exactly_the_sum_of_the_evidence_listed(evidence: list[EvidenceItem],
                                                            rating: RatingFact | None, overdue: int) -> None:
    actions = [OverdueAction(action_id=f"a{n}", due_on=TODAY) for n in range(overdue)]
    result = assess(evidence=evidence, rating=rating, overdue_actions=actions, today=TODAY, policy=POLICY)
    assert result.score == sum((line.points for line in result.contributions), Decimal(0))
    assert all(line.points > 0 for line in result.contributions)


@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_rag_follows_the_thresholds(score: Decimal) -> None:
    expected = Rag.RED if score >= POLICY.red else Rag.AMBER if score >= POLICY.amber else Rag.GREEN
    assert rag_for(score, policy=POLICY) is expected
