"""A provider's visits over a payment period as risk evidence (DOMAIN.md, "how delivered visits are paid":
councils expect at least 85% of planned visits to be logged through call monitoring; punctuality is
monitored per provider; docs/risk-matrix.md). Pure.

A figure under its target is one evidence item dated the period's last day: call logging under target is
medium (visits nobody logged cannot be verified), `SERIOUS_SHORTFALL_POINTS` or more under is high;
punctuality under target is low (each late visit is evidence already), as far under is medium. Both items
of a period share one source id, so a restated report replaces them rather than adding to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.quality.risk.domain import EvidenceItem, EvidenceKind, Severity
from shared.contracts.packages import VisitPerformanceReported

SOURCE_TYPE = "visit_performance"
SERIOUS_SHORTFALL_POINTS = Decimal(20)
"""A figure this many percentage points or more under its target falls in the severer band."""


@dataclass(frozen=True)
class Targets:
    """The council's expectations (settings `QUALITY_CALL_LOGGING_TARGET_PERCENT`, `..._PUNCTUALITY_...`)."""

    call_logging_percent: Decimal
    punctuality_percent: Decimal


def falls_short(percent: Decimal, *, target: Decimal) -> bool:
    return percent < target


def _shortfall_severity(percent: Decimal, target: Decimal, *, under: Severity, far_under: Severity) -> Severity | None:
    if not falls_short(percent, target=target):
        return None
    return far_under if target - percent >= SERIOUS_SHORTFALL_POINTS else under


def call_logging_severity(compliance_percent: Decimal, *, target: Decimal) -> Severity | None:
    return _shortfall_severity(compliance_percent, target, under=Severity.MEDIUM, far_under=Severity.HIGH)


def punctuality_severity(punctuality_percent: Decimal, *, target: Decimal) -> Severity | None:
    return _shortfall_severity(punctuality_percent, target, under=Severity.LOW, far_under=Severity.MEDIUM)


def period_source_id(report: VisitPerformanceReported) -> str:
    return f"{report.provider_id}:{report.period_start.isoformat()}:{report.period_end.isoformat()}"


def percent_text(value: Decimal) -> str:
    """72.00 as "72", 72.50 as "72.5": as an officer would write it."""
    return f"{value.normalize():f}"


def _items(report: VisitPerformanceReported, kind: EvidenceKind, severity: Severity | None, *, figure: str,
           percent: Decimal, base: str, target: Decimal) -> list[EvidenceItem]:
    if severity is None:
        return []
    detail = (f"{figure} {percent_text(percent)}% of {base} (target {percent_text(target)}%), "
              f"{report.period_start.isoformat()} to {report.period_end.isoformat()}")
    return [EvidenceItem(kind=kind, severity=severity, occurred_on=report.period_end,
                         source_id=period_source_id(report), detail=detail)]


def performance_evidence(report: VisitPerformanceReported, targets: Targets) -> list[EvidenceItem]:
    """The period's figures under their targets; punctuality only when some delivered visit was timed."""
    compliance, target = report.compliance_percent, targets.call_logging_percent
    items = _items(report, EvidenceKind.CALL_LOGGING, call_logging_severity(compliance, target=target),
                   figure="Call logging", percent=compliance, base=f"{report.planned_visits} planned visits",
                   target=target)
    if (punctuality := report.punctuality_percent) is not None:
        target = targets.punctuality_percent
        items += _items(report, EvidenceKind.PUNCTUALITY, punctuality_severity(punctuality, target=target),
                        figure="Punctuality", percent=punctuality, base=f"{report.timed_visits} timed visits",
                        target=target)
    return items
