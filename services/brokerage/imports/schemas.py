from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from services.brokerage.referrals.schemas import EXAMPLE_VISITS, ReferralCreate
from shared.contracts.common import Tier


class PlacementIn(ReferralCreate):
    """A placement already made: a referral's fields (its `start_on` may be in the past), the council's
    key for it, and the provider it was placed with."""

    external_ref: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$",
                              examples=["PKG-000123"],
                              description="The council's key for the placement: importing it again corrects it, "
                                          "never duplicates it")
    provider_id: uuid.UUID
    tier: Tier | None = Field(default=None, description="Default: the provider's contract tier in the area, if any")


EXAMPLE_PLACEMENT = {
    "external_ref": "PKG-000123", "client_ref": "C-123", "area": "OAK", "client_group": "older_people",
    "needs": ["dementia"], "urgency": "routine", "start_on": "2025-03-03", "visits": EXAMPLE_VISITS,
    "short_visit_justification": None, "funding": {"health_share_percent": 0},
    "provider_id": "5f0c6a9e-1d1b-4a8e-9a43-0d2f1f8f2c11", "tier": None,
}


class RejectedPlacement(BaseModel):
    row: int = Field(description="The placement's position in the file, the first being 1 (CSV: the first row "
                                 "after the header)", examples=[3])
    external_ref: str | None = Field(examples=["PKG-000125"])
    reason: str = Field(examples=["area: the area ZZZ is not a known contract area"])


class PlacementWarning(BaseModel):
    row: int = Field(examples=[7])
    external_ref: str = Field(examples=["PKG-000129"])
    warning: str = Field(examples=["Acme Care: 130.00 h placed in OAK passes its cap of 120.00"])


class PlacementsReport(BaseModel):
    created: int = Field(default=0, description="New placements, each now a placed referral")
    updated: int = Field(default=0, description="Placements imported before whose details were corrected")
    unchanged: int = Field(default=0, description="Placements imported before, with the same details")
    rejected: list[RejectedPlacement] = Field(default_factory=list, description="Rows that changed nothing, and why")
    warnings: list[PlacementWarning] = Field(default_factory=list,
                                          description="Rows imported that take a provider past its hours cap")

    def add(self, other: PlacementsReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.warnings += other.warnings
