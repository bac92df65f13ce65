from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

Rows = list[dict[str, Any]]


class PersonRecord(BaseModel):
    """Everything the services hold about a client reference, by service, then by kind of record; each
    service's `audit` lists who read or changed those records, and when."""

    client_ref: str = Field(examples=["C-123"])
    gathered_at: datetime
    services: dict[str, dict[str, Rows]] = Field(
        examples=[{"brokerage": {"referrals": [], "referral_history": [], "audit": []}}])


class ServiceErasure(BaseModel):
    service: str = Field(examples=["packages"])
    erasure_id: str
    at: datetime
    erased: dict[str, int] = Field(description="How many records of each kind were erased or unlinked",
                                   examples=[{"packages": 2, "suspension_reasons": 1}])


class ErasureReport(BaseModel):
    """Every erasure every service made, oldest first."""

    items: list[ServiceErasure]


class ErasureStarted(BaseModel):
    """Packages has erased its part; the other services erase theirs as the event reaches them."""

    erasure_id: str = Field(description="The erasure's id, as the erasure report names it")
