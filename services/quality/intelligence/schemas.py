"""Concerns, monitoring visits and feedback (API.md, "Quality"; Concern's field names are pinned)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from services.quality.intelligence.domain import ConcernKind, FeedbackAspect, FindingOutcome, MonitoringArea
from services.quality.risk.domain import Severity


class ConcernIn(BaseModel):
    provider_id: uuid.UUID
    kind: ConcernKind
    severity: Severity
    summary: str = Field(min_length=1, max_length=5000, examples=["Carer did not arrive for the morning visit"])
    package_id: uuid.UUID | None = None
    occurred_on: date | None = Field(default=None, description="When it happened; today when left out")


class ConcernOut(ConcernIn):
    id: uuid.UUID
    occurred_on: date
    recorded_by: str
    created_at: datetime


class Finding(BaseModel):
    area: MonitoringArea
    outcome: FindingOutcome
    notes: str = Field(default="", max_length=5000)


class MonitoringVisitIn(BaseModel):
    provider_id: uuid.UUID
    visited_on: date
    summary: str = Field(default="", max_length=10000)
    findings: list[Finding] = Field(min_length=1, description="One finding per area checked")

    @field_validator("findings")
    @classmethod
    def _one_per_area(cls, findings: list[Finding]) -> list[Finding]:
        if len({finding.area for finding in findings}) != len(findings):
            raise ValueError("each area may be checked once per visit")
        return findings


class MonitoringVisitOut(MonitoringVisitIn):
    id: uuid.UUID
    recorded_by: str
    created_at: datetime


class FeedbackIn(BaseModel):
    provider_id: uuid.UUID
    package_id: uuid.UUID | None = None
    received_on: date | None = Field(default=None, description="Today when left out")
    scores: dict[FeedbackAspect, int] = Field(min_length=1, examples=[{"overall": 4, "punctuality": 3}],
                                              description="1 (very poor) to 5 (excellent) per aspect")
    comments: str = Field(default="", max_length=5000)

    @field_validator("scores")
    @classmethod
    def _one_to_five(cls, scores: dict[FeedbackAspect, int]) -> dict[FeedbackAspect, int]:
        if any(not 1 <= score <= 5 for score in scores.values()):
            raise ValueError("every score is from 1 to 5")
        return scores


class FeedbackOut(FeedbackIn):
    id: uuid.UUID
    received_on: date
    recorded_by: str
    created_at: datetime
