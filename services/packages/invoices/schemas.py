import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, model_validator

from services.packages.invoices.domain import Funder, InvoiceKind
from services.packages.visits.domain import PaymentRule
from shared.contracts.packages import ChargeUnit
from shared.money import Money, Quantity

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
    """A quantity at a published price (API.md, "Invoice"): amount is quantity x unit_price rounded once."""

    position: int = Field(description="The line's number on its document, from 1")
    package_id: uuid.UUID | None = Field(description="Null on a block contract's top-up line")
    description: str = Field(examples=["Weekday contact hours, delivered within tolerance (planned minutes), "
                                       "2026-11-02 to 2026-11-29"])
    quantity: Quantity = Field(examples=["12.75"])
    unit: ChargeUnit
    unit_price: Money = Field(description="A published price (rate card, agreed rate) or the hourly rate")
    amount: Money
    funder: Funder
    rule: PaymentRule = Field(description="How the line was priced: planned_schedule, delivered_within_tolerance, "
                                          "actual_minutes, frustrated_visit, late_cancellation, block_top_up, "
                                          "adjustment")
    cost_centre: str | None = Field(examples=["ASC-HOMECARE"])
    ledger_code: str | None = Field(examples=["5201"])
    reverses_line_id: int | None = Field(
        default=None, description="On a credit: the line it takes back (see lines' `id`)")
    id: int = Field(description="The line's own id (what a credit names in reverses_line_id)")

    @computed_field(  # type: ignore[prop-decorator]
        description="Hours of care the line is for: its quantity on a contact-hours line, 0 on a visit line (that "
                    "care is on its contact-hours line)")
    @property
    def hours(self) -> Quantity:
        return self.quantity if self.unit is ChargeUnit.HOUR else Decimal(0)


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
    acknowledged_by: str | None = Field(default=None, description="The account (user or finance system client) "
                                                                  "that acknowledged it; its name is at GET /users")
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
    """A quantity of one of the invoice's lines credited back at that line's price."""

    model_config = ConfigDict(extra="forbid")

    line: int = Field(ge=1, description="The line's position on the invoice", examples=[3])
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=4, examples=["2.00"],
                              description="How much of the line's quantity (hours or visits) is credited")


class RemittanceOut(BaseModel):
    """What a provider is paid for a period, line by line: its invoices, supplementary invoices and credit
    notes for periods overlapping it, in issue order."""

    provider_id: uuid.UUID
    period_start: date
    period_end: date
    documents: list[InvoiceOut]
    total: Money = Field(description="The sum of the documents' totals")


class CreditNoteIn(BaseModel):
    """A correction of an issued invoice: what is credited back, per package and funder line."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["Two visits invoiced while in hospital"])
    lines: list[CreditLineIn] = Field(min_length=1, max_length=1000)
