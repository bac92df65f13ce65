"""What each piece of intelligence counts as in the risk matrix (DOMAIN.md, "Quality monitoring"). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.quality.risk.domain import EvidenceKind, Severity
from shared.contracts.packages import VisitFacts, VisitOutcome


class ConcernKind(StrEnum):
    COMPLAINT = "complaint"
    SAFEGUARDING = "safeguarding"
    MISSED_VISIT = "missed_visit"
    LATE_VISIT = "late_visit"
    OTHER = "other"


class MonitoringArea(StrEnum):
    """The areas a contract monitoring visit checks."""

    STAFF_VETTING = "staff_vetting"
    TRAINING = "training"
    CARE_PLANS = "care_plans"
    COMPLAINTS_HANDLING = "complaints_handling"
    MEDICATION = "medication"


class FindingOutcome(StrEnum):
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"


class FeedbackAspect(StrEnum):
    OVERALL = "overall"
    PUNCTUALITY = "punctuality"
    CONTINUITY = "continuity"
    DIGNITY = "dignity"
    COMMUNICATION = "communication"


COUNCIL_ZONE = ZoneInfo("Europe/London")


def after_today(day: date | None, *, now: datetime) -> bool:
    """A record says when something happened, was seen or was said: never after today where the council is
    (a concern dated tomorrow would weigh in the risk matrix before it happened)."""
    return day is not None and day > now.astimezone(COUNCIL_ZONE).date()


def concern_evidence_kind(kind: ConcernKind) -> EvidenceKind:
    return EvidenceKind(kind.value)


FINDING_SEVERITY: dict[FindingOutcome, Severity | None] = {
    FindingOutcome.GOOD: None,
    FindingOutcome.REQUIRES_IMPROVEMENT: Severity.MEDIUM,
    FindingOutcome.INADEQUATE: Severity.HIGH,
}


def finding_severity(outcome: FindingOutcome) -> Severity | None:
    """A monitoring finding is evidence only when the area fell short; an inadequate area is high."""
    return FINDING_SEVERITY[outcome]


def feedback_severity(scores: Mapping[FeedbackAspect, int]) -> Severity | None:
    """Scores run 1 (very poor) to 5 (excellent); the lowest decides: 1 medium, 2 low, 3 and above none."""
    lowest = min(scores.values())
    if lowest <= 1:
        return Severity.MEDIUM
    if lowest == 2:
        return Severity.LOW
    return None


def outcome_of(visit: VisitFacts) -> VisitOutcome:
    """Reports published before outcomes were added say only `missed` (their outcome reads as delivered)."""
    return VisitOutcome.MISSED if visit.missed else visit.outcome


def visit_evidence(*, outcome: VisitOutcome, late_by_minutes: int, late_threshold: int) -> EvidenceKind | None:
    """A visit report is evidence when the visit was missed, or delivered late by `late_threshold` or more.
    A frustrated visit (the carer came) or one the client cancelled is no failing of the provider's."""
    if outcome is VisitOutcome.MISSED:
        return EvidenceKind.MISSED_VISIT
    if outcome is VisitOutcome.DELIVERED and late_by_minutes >= late_threshold:
        return EvidenceKind.LATE_VISIT
    return None


VISIT_SEVERITY: dict[EvidenceKind, Severity] = {
    EvidenceKind.MISSED_VISIT: Severity.MEDIUM,
    EvidenceKind.LATE_VISIT: Severity.LOW,
}
"""A missed visit leaves someone without care (medium); a late one is a lesser failing (low)."""
