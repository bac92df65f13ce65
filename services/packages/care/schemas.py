import uuid
from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import short_visits
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import PackageStatus, PriceLine
from shared.money import Hours, Money


class ProviderPackageOut(BaseModel):
    """A package as its provider sees it: what it needs to deliver, report and be paid for the care, and
    no more personal data (the council's client reference, no name; not the funding split, which would
    reveal the person's financial assessment). The costs are null while no rate applies to its area."""

    id: uuid.UUID
    referral_id: uuid.UUID | None = Field(description="The referral (and so the accepted offer) it came from")
    client_ref: str
    provider_id: uuid.UUID
    area: str
    tier: str | None
    status: PackageStatus
    start_on: date
    end_on: date | None
    suspended_from: date | None
    visits: list[ScheduledVisit]
    terms_from: date = Field(description="When the current schedule and funding took effect")
    weekly_hours: Hours
    weekly_cost: Money | None = Field(description="The sum of price_lines")
    hourly_rate: Money | None
    price_lines: list[PriceLine] | None = Field(
        description="A usual week's care as quantities at published prices (null while no rate applies)")


class PackageOut(ProviderPackageOut):
    """A commissioned package as staff see it: with its split by funder (the costs are null while no rate
    card or agreed rate applies to its area)."""

    health_share_percent: int
    council_share: Money | None
    health_share: Money | None
    client_contribution: Money | None


PackageView = PackageOut | ProviderPackageOut
"""What a read answers: staff get `PackageOut`, a provider client `ProviderPackageOut`."""


class ChangeIn(BaseModel):
    """A new schedule and/or funding split from a date; the package is re-costed from then."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date
    visits: list[ScheduledVisit] | None = Field(default=None, min_length=1, max_length=200)
    health_share_percent: int | None = Field(default=None, ge=0, le=100)
    short_visit_justification: short_visits.ShortVisitJustification | None = None

    @model_validator(mode="after")
    def something_changes(self) -> Self:
        if self.visits is None and self.health_share_percent is None:
            raise ValueError("give visits, health_share_percent or both")
        return self


class SuspendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_on: date = Field(description="The first day without care")
    reason: str = Field(default="", max_length=500, examples=["hospital admission"])


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date = Field(description="The first day of care again")


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date = Field(description="The last day of care")
    reason: str = Field(default="", max_length=500)
