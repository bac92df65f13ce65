import uuid
from datetime import date

from pydantic import BaseModel, Field

from shared.money import Money


class ReconciliationRow(BaseModel):
    """One package over the period: planned, reported by outcome, and what the period's documents charge."""

    package_id: uuid.UUID
    client_ref: str = Field(examples=["C-123"])
    provider_id: uuid.UUID
    area: str = Field(examples=["OAK"])
    planned_visits: int = Field(description="Visits its schedules planned on its days in care in the period")
    delivered: int
    missed: int = Field(description="Reported missed: never paid, and evidence on the risk matrix")
    cancelled_by_client: int
    frustrated: int
    not_reported: int = Field(description="Planned visits no report covers (planned minus reported planned ones)")
    awaiting_approval: int = Field(description="Unplanned visits waiting for a broker's decision (unpaid until "
                                               "approved)")
    paid: Money = Field(description="What the documents of periods within the dates charge for the package: its "
                                    "lines on invoices and supplementary invoices less its credit notes",
                        examples=["236.25"])


class ReconciliationPage(BaseModel):
    period_start: date
    period_end: date
    items: list[ReconciliationRow]
    next_cursor: str | None = None
