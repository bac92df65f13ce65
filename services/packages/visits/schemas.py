import uuid
from datetime import date, time
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_VISIT_MINUTES = 12 * 60


class VisitIn(BaseModel):
    """One delivered (or missed) visit as the provider's rostering system recorded it."""

    model_config = ConfigDict(extra="forbid")

    visit_id: str = Field(min_length=1, max_length=100, description="The provider's own id for the visit",
                          examples=["ROTA-2026-000123"])
    package_id: uuid.UUID
    date: date
    planned_start: time = Field(examples=["08:00"])
    actual_start: time | None = Field(default=None, examples=["08:10"])
    planned_minutes: int = Field(ge=5, le=MAX_VISIT_MINUTES, examples=[45])
    actual_minutes: int | None = Field(default=None, ge=1, le=MAX_VISIT_MINUTES, examples=[40])
    carers: int = Field(ge=1, le=2, examples=[1])
    missed: bool = False

    @model_validator(mode="after")
    def delivered_or_missed(self) -> Self:
        if self.missed and (self.actual_minutes is not None or self.actual_start is not None):
            raise ValueError("a missed visit has no actual start or minutes")
        if not self.missed and (self.actual_minutes is None or self.actual_start is None):
            raise ValueError("a delivered visit needs actual_start and actual_minutes")
        return self


class VisitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visits: list[VisitIn] = Field(min_length=1, max_length=1000)


class RowStatus(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class RowResult(BaseModel):
    visit_id: str
    status: RowStatus
    reason: str | None = None
    id: uuid.UUID | None = Field(default=None, description="Our id of the recorded visit")


class VisitsReport(BaseModel):
    """Per-row outcome: recorded now, already recorded (same provider visit id), or rejected and why."""

    recorded: int
    duplicates: int
    rejected: int
    results: list[RowResult]
