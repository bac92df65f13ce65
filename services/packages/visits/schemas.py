import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.packages.visits.domain import Approval, PaymentRule
from shared.contracts.common import WallClock
from shared.contracts.packages import VisitOutcome

MAX_VISIT_MINUTES = 12 * 60
REPORTED_FIELDS = ("package_id", "date", "planned_start", "planned_minutes", "actual_start", "actual_minutes",
                   "carers", "outcome", "notice_hours")
"""What a report says of a visit: a correction is a report of the same visit id that says something else."""


class VisitIn(BaseModel):
    """One visit as the provider's call monitoring recorded it (API.md, "Visit")."""

    model_config = ConfigDict(extra="forbid")

    visit_id: str = Field(min_length=1, max_length=100, description="The provider's own id for the visit",
                          examples=["ROTA-2026-000123"])
    package_id: uuid.UUID
    date: date
    planned_start: WallClock
    actual_start: WallClock | None = Field(default=None, examples=["08:10"])
    planned_minutes: int = Field(ge=5, le=MAX_VISIT_MINUTES, examples=[45])
    actual_minutes: int | None = Field(default=None, ge=1, le=MAX_VISIT_MINUTES, examples=[40])
    carers: int = Field(ge=1, le=2, examples=[1])
    outcome: VisitOutcome = Field(
        default=VisitOutcome.DELIVERED,
        description="delivered; missed (nobody came: never paid); cancelled_by_client (paid when less notice "
                    "was given than the council's rule); frustrated (the carer came but could not deliver: paid)")
    notice_hours: Decimal | None = Field(default=None, ge=0, le=10_000, max_digits=8, decimal_places=2,
                                         description="How much notice the person gave of a cancellation")
    correction_reason: str | None = Field(
        default=None, min_length=1, max_length=500,
        description="Sent with a visit id already reported, to correct it: the earlier version is kept, and the "
                    "next invoice run settles any difference", examples=["carer logged out late"])
    missed: bool | None = Field(default=None, deprecated=True, description="Use outcome: missed")

    @model_validator(mode="before")
    @classmethod
    def _missed_means_the_outcome(cls, data: Any) -> Any:
        """The first version of the API said `missed: true` or `false`; it still means the outcome."""
        if not isinstance(data, dict) or not isinstance(data.get("missed"), bool):
            return data
        missed, rest = data["missed"], {name: value for name, value in data.items() if name != "missed"}
        outcome = rest.setdefault("outcome", VisitOutcome.MISSED if missed else VisitOutcome.DELIVERED)
        if missed != (outcome == VisitOutcome.MISSED):
            raise ValueError("missed contradicts outcome; send outcome only")
        return rest

    @model_validator(mode="after")
    def _consistent_with_its_outcome(self) -> Self:
        if self.outcome is VisitOutcome.DELIVERED and (self.actual_minutes is None or self.actual_start is None):
            raise ValueError("a delivered visit needs actual_start and actual_minutes")
        if self.outcome in (VisitOutcome.MISSED, VisitOutcome.CANCELLED_BY_CLIENT) and (
                self.actual_minutes is not None or self.actual_start is not None):
            raise ValueError(f"a visit {self.outcome.replace('_', ' ')} has no actual start or minutes")
        if (self.outcome is VisitOutcome.CANCELLED_BY_CLIENT) != (self.notice_hours is not None):
            raise ValueError("notice_hours is given for a visit cancelled by the client, and only then")
        return self

    def reported(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in REPORTED_FIELDS}


class VisitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visits: list[VisitIn] = Field(min_length=1, max_length=1000)


class RowStatus(StrEnum):
    RECORDED = "recorded"
    CORRECTED = "corrected"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class RowResult(BaseModel):
    visit_id: str
    status: RowStatus
    reason: str | None = None
    id: uuid.UUID | None = Field(default=None, description="Our id of the visit")
    version: int | None = Field(default=None, description="The visit's version after this report")
    unplanned: bool = Field(default=False, description="On a day the package's schedule does not have: paid once "
                                                       "a broker approves it")


class VisitsReport(BaseModel):
    """Per-row outcome: recorded now, corrected (a new version), already recorded as it is (the same visit
    id with the same details), or rejected and why."""

    recorded: int
    corrected: int
    duplicates: int
    rejected: int
    results: list[RowResult]


class VisitOut(BaseModel):
    """A visit as recorded, and what it is paid under the council's policy."""

    model_config = ConfigDict(populate_by_name=True)

    id: uuid.UUID
    visit_id: str = Field(validation_alias="provider_visit_id")
    provider_id: uuid.UUID
    package_id: uuid.UUID
    date: date
    planned_start: WallClock
    planned_minutes: int
    actual_start: WallClock | None
    actual_minutes: int | None
    carers: int
    outcome: VisitOutcome
    notice_hours: Decimal | None
    late_by_minutes: int
    paid_minutes: int = Field(description="Minutes of care paid per carer (0 while unapproved, voided or unpaid), "
                                          "with an approved extension's")
    overrun_minutes: int = Field(description="Minutes past the planned ones (rounded up to the increment): paid "
                                             "only by an approved extension or, where the council allows banking, "
                                             "from minutes the package's other visits that week left unused")
    extension_approved: bool
    rule: PaymentRule | None = Field(description="Why it is paid so; null when it is paid nothing")
    approval: Approval | None = Field(description="Null for a planned visit; for an unplanned one (on a day its "
                                                  "package's schedule does not have), the broker's decision")
    version: int
    voided: bool
    void_reason: str | None
    recorded_at: datetime
    corrected_at: datetime | None


class RevisionOut(BaseModel):
    version: int
    reported: dict[str, Any]
    replaced_at: datetime
    correction_reason: str


class VisitDetail(VisitOut):
    revisions: list[RevisionOut] = Field(description="Earlier versions, oldest first")


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["reported against the wrong package"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500, examples=["extra visit agreed by phone after a fall"])
