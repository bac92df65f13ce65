import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.packages.invoices.domain import Funder, InvoiceKind
from shared.money import Hours, Money

MAX_PERIOD_DAYS = 31


def _in_utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC, and the API shows the zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_in_utc)]


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    ACKNOWLEDGED = "acknowledged"


class InvoiceRunIn(BaseModel):
    """A payment period, both dates inclusive (four-weekly: start + 27 days; or a calendar month)."""

    model_config = ConfigDict(extra="forbid")

    period_start: date = Field(examples=["2026-11-02"])
    period_end: date = Field(examples=["2026-11-29"])

    @model_validator(mode="after")
    def a_payment_period(self) -> Self:
        days = (self.period_end - self.period_start).days + 1
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise ValueError(f"the period runs 1 to {MAX_PERIOD_DAYS} days, from period_start to period_end")
        return self


class InvoiceLineOut(BaseModel):
    package_id: uuid.UUID | None = Field(description="Null on a block contract's top-up line")
    description: str
    hours: Hours
    amount: Money
    funder: Funder


class InvoiceSummary(BaseModel):
    id: uuid.UUID
    number: str = Field(examples=["INV-000001"])
    sequence: int = Field(description="The order invoices were issued in, without gaps")
    provider_id: uuid.UUID
    period_start: date
    period_end: date
    status: InvoiceStatus
    total: Money
    issued_at: UtcDateTime
    acknowledged_at: UtcDateTime | None
    kind: InvoiceKind = Field(description="A supplementary invoice bills what a period's invoice lacked (visits "
                              "reported late, backdated changes); a credit note corrects an issued invoice, and "
                              "its amounts are negative")
    credits_invoice_id: uuid.UUID | None = Field(description="The invoice a credit note corrects")
    supplements_invoice_id: uuid.UUID | None = Field(
        default=None, description="The period's invoice a supplementary invoice adds to")
    adjustment: bool = Field(default=False, description="Issued by an invoice run because the period's figures "
                                                        "changed after it was invoiced")
    reason: str | None = Field(description="Why a credit note was issued")


class InvoiceOut(InvoiceSummary):
    lines: list[InvoiceLineOut]


class InvoiceRunOut(BaseModel):
    period_start: date
    period_end: date
    issued: list[InvoiceSummary] = Field(
        description="What this run issued: invoices, and for providers invoiced already any adjustments "
                    "(supplementary invoices and credit notes) where the period's figures changed")
    already_issued: int = Field(description="Providers already invoiced for the period (their invoices never "
                                            "change; only adjustments are issued)")
    unpriced_packages: list[uuid.UUID] = Field(description="Packages left out: no rate card or agreed rate")


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    package_id: uuid.UUID
    funder: Funder
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="The amount credited (positive)",
                            examples=["15.75"])
    hours: Decimal = Field(default=Decimal(0), ge=0, max_digits=8, decimal_places=2)


class CreditNoteIn(BaseModel):
    """A correction of an issued invoice: what is credited back, per package and funder line."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["Two visits invoiced while in hospital"])
    lines: list[CreditLineIn] = Field(min_length=1, max_length=1000)
