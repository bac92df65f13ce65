"""The risk matrix's scoring model (DOMAIN.md, "Quality monitoring"; docs/risk-matrix.md). Pure: no I/O.

Every piece of evidence about a provider is one risk: its **impact** is the points of its severity
(low 1, medium 3, high 7) times the weight of its kind (a safeguarding concern weighs more than a
late visit, a declined offer very little); its **likelihood** that the problem is still present
falls with age, halving every `half_life_days`, and is nil past `window_days`. An item's points are
impact x likelihood, rounded to the hundredth, and the score is the sum of every item's points, so
the evidence listed beside a score adds up to it exactly.

Two more sources add points: the regulator's latest rating (Requires improvement adds
`requires_improvement_points`; Inadequate adds the red threshold itself when `inadequate_is_red`,
since "an Inadequate rating leads to an embargo") and every overdue action of an action plan
(`overdue_action_points` each: a plan not carried out is a risk in itself).

RAG: red at or above `red`, amber at or above `amber`, else green. Adding evidence, making it
severer or more recent never lowers the score; nothing but time, a better rating, finished actions
or a source restating its evidence (a corrected visit, a restated period) lowers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from shared.contracts.common import Rag

HUNDREDTH = Decimal("0.01")


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class EvidenceKind(StrEnum):
    """What an evidence item is; the first five are also the kinds of concern an officer records."""

    COMPLAINT = "complaint"
    SAFEGUARDING = "safeguarding"
    MISSED_VISIT = "missed_visit"
    LATE_VISIT = "late_visit"
    OTHER = "other"
    MONITORING_FINDING = "monitoring_finding"
    FEEDBACK = "feedback"
    OFFER_DECLINED = "offer_declined"
    OFFER_EXPIRED = "offer_expired"
    CALL_LOGGING = "call_logging"
    PUNCTUALITY = "punctuality"
    REGULATOR_RATING = "regulator_rating"
    OVERDUE_ACTION = "overdue_action"


SEVERITY_IMPACT: dict[Severity, Decimal] = {
    Severity.LOW: Decimal(1),
    Severity.MEDIUM: Decimal(3),
    Severity.HIGH: Decimal(7),
}

KIND_WEIGHT: dict[EvidenceKind, Decimal] = {
    EvidenceKind.SAFEGUARDING: Decimal("1.5"),
    EvidenceKind.COMPLAINT: Decimal(1),
    EvidenceKind.MISSED_VISIT: Decimal(1),
    EvidenceKind.MONITORING_FINDING: Decimal(1),
    EvidenceKind.OTHER: Decimal(1),
    EvidenceKind.CALL_LOGGING: Decimal(1),
    EvidenceKind.LATE_VISIT: Decimal("0.5"),
    EvidenceKind.FEEDBACK: Decimal("0.5"),
    EvidenceKind.PUNCTUALITY: Decimal("0.5"),
    EvidenceKind.OFFER_EXPIRED: Decimal("0.25"),
    EvidenceKind.OFFER_DECLINED: Decimal("0.1"),
}
"""Declines are market intelligence more than failings, so they weigh little; an unanswered offer a
little more (the provider did not engage). A period's call logging under target weighs like a missed
visit: care nobody logged cannot be verified. A period's poor punctuality weighs like a late visit (the
late visits themselves are evidence already; the period's figure adds the pattern)."""


@dataclass(frozen=True)
class RiskPolicy:
    half_life_days: Decimal
    window_days: int
    amber: Decimal
    red: Decimal
    inadequate_is_red: bool
    requires_improvement_points: Decimal
    overdue_action_points: Decimal


@dataclass(frozen=True)
class EvidenceItem:
    kind: EvidenceKind
    severity: Severity
    occurred_on: date
    source_id: str
    detail: str = ""
    """What the item is, in words, where its kind alone does not say (a period's figure and target)."""


@dataclass(frozen=True)
class RatingFact:
    """The latest regulator rating, on the registry's common scale (4 outstanding .. 1 inadequate)."""

    overall: str
    quality_rank: int
    inadequate: bool


@dataclass(frozen=True)
class OverdueAction:
    action_id: str
    due_on: date


@dataclass(frozen=True)
class Contribution:
    """One line of the evidence behind a score."""

    kind: EvidenceKind
    points: Decimal
    severity: Severity | None = None
    occurred_on: date | None = None
    source_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Assessment:
    score: Decimal
    rag: Rag
    contributions: tuple[Contribution, ...]


def likelihood(*, age_days: int, policy: RiskPolicy) -> Decimal:
    """Halves every `half_life_days`; evidence dated in the future counts as today's; nil past the window."""
    age = max(age_days, 0)
    if age > policy.window_days:
        return Decimal(0)
    return Decimal("0.5") ** (Decimal(age) / policy.half_life_days)


def item_points(item: EvidenceItem, *, today: date, policy: RiskPolicy) -> Decimal:
    impact = SEVERITY_IMPACT[item.severity] * KIND_WEIGHT[item.kind]
    weight = likelihood(age_days=(today - item.occurred_on).days, policy=policy)
    return (impact * weight).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def rating_points(rating: RatingFact | None, *, policy: RiskPolicy) -> Decimal:
    if rating is None:
        return Decimal(0)
    if rating.inadequate:
        return policy.red if policy.inadequate_is_red else policy.requires_improvement_points
    return policy.requires_improvement_points if rating.quality_rank <= 2 else Decimal(0)


def rag_for(score: Decimal, *, policy: RiskPolicy) -> Rag:
    if score >= policy.red:
        return Rag.RED
    if score >= policy.amber:
        return Rag.AMBER
    return Rag.GREEN


def _evidence_lines(evidence: Iterable[EvidenceItem], today: date, policy: RiskPolicy) -> list[Contribution]:
    return [
        Contribution(kind=item.kind, points=item_points(item, today=today, policy=policy), severity=item.severity,
                     occurred_on=item.occurred_on, source_id=item.source_id, detail=item.detail)
        for item in evidence
    ]


def _rating_line(rating: RatingFact | None, policy: RiskPolicy) -> list[Contribution]:
    points = rating_points(rating, policy=policy)
    if rating is None or not points:
        return []
    return [Contribution(kind=EvidenceKind.REGULATOR_RATING, points=points, detail=rating.overall)]


def _overdue_lines(overdue: Iterable[OverdueAction], policy: RiskPolicy) -> list[Contribution]:
    return [
        Contribution(kind=EvidenceKind.OVERDUE_ACTION, points=policy.overdue_action_points,
                     occurred_on=action.due_on, source_id=action.action_id)
        for action in overdue
    ]


def assess(
    *,
    evidence: Sequence[EvidenceItem],
    rating: RatingFact | None,
    overdue_actions: Sequence[OverdueAction],
    today: date,
    policy: RiskPolicy,
) -> Assessment:
    """The provider's score, RAG and the evidence behind it, strongest first (lines with no weight left out)."""
    lines = [
        *_rating_line(rating, policy),
        *_overdue_lines(overdue_actions, policy),
        *_evidence_lines(evidence, today, policy),
    ]
    counted = sorted((line for line in lines if line.points > 0), key=lambda line: line.points, reverse=True)
    score = sum((line.points for line in counted), Decimal("0.00"))
    return Assessment(score=score, rag=rag_for(score, policy=policy), contributions=tuple(counted))


def is_escalation(*, previous: Rag | None, current: Rag) -> bool:
    """Turning red (from anything else) is what the escalation policy acts on, once per spell of red."""
    return current is Rag.RED and previous is not Rag.RED
