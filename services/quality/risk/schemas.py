"""The risk matrix as API.md pins it: rows `{"provider_id", "score", "rag", "evidence"}`."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.quality.risk.domain import EvidenceKind, Severity
from shared.contracts.common import Rag
from shared.money import Money


class EvidenceLine(BaseModel):
    kind: EvidenceKind
    points: Money = Field(description="What this item adds to the score", examples=["7.00"])
    severity: Severity | None = None
    occurred_on: date | None = None
    source_id: str | None = Field(default=None, examples=["concern:5f0c..."])
    detail: str = Field(default="", description="The item in words where its kind alone does not say",
                        examples=["Call logging 72% of 100 planned visits (target 85%), 2026-10-05 to 2026-11-01"])


class VisitPerformanceLine(BaseModel):
    """The provider's latest period as its latest invoice run reported it, beside the targets it was judged
    against: "call logging 72% (target 85%)". Percentages with two places."""

    period_start: date
    period_end: date
    planned_visits: int
    logged_visits: int = Field(description="Logged through call monitoring, whatever the outcome")
    missed_visits: int
    compliance_percent: Money = Field(description="Logged of planned visits", examples=["72.00"])
    target_percent: Money = Field(description="The council's call logging target", examples=["85.00"])
    below_target: bool = Field(description="Call logging under its target (an evidence item while it counts)")
    punctual_visits: int
    timed_visits: int
    punctuality_percent: Money | None = Field(description="Punctual of timed delivered visits; null when none "
                                                          "was timed", examples=["93.50"])
    punctuality_target_percent: Money = Field(examples=["90.00"])


class RiskRow(BaseModel):
    provider_id: uuid.UUID
    provider_name: str
    score: Money = Field(description="Sum of the evidence lines' points", examples=["28.00"])
    rag: Rag
    evidence: list[EvidenceLine]
    assessed_at: datetime
    escalated: bool = Field(description="An escalation is open (not yet cleared by a review)")
    escalation_id: uuid.UUID | None = None
    visit_performance: VisitPerformanceLine | None = Field(
        default=None, description="The latest period's call logging and punctuality; null before any report")


class RiskPoint(BaseModel):
    """The provider's score and RAG from `at` until the next point."""

    at: datetime
    score: Money = Field(examples=["28.00"])
    rag: Rag


class ReviewDecision(BaseModel):
    provider_id: uuid.UUID
    decision: str = Field(min_length=1, max_length=2000, examples=["Plan a monitoring visit within 2 weeks"])


class ReviewIn(BaseModel):
    held_on: date = Field(examples=["2026-11-20"])
    notes: str = Field(default="", max_length=10000)
    decisions: list[ReviewDecision] = Field(default_factory=list)


class ReviewOut(BaseModel):
    id: uuid.UUID
    held_on: date
    reviewed_by: str
    recorded_at: datetime
    notes: str
    decisions: list[ReviewDecision]
    cleared: list[uuid.UUID] = Field(description="Providers whose escalation this review cleared (back to green)")

