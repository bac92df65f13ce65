"""Invoices (immutable once issued), their lines, and the gapless counter that numbers them."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from services.packages.database import Base
from shared.db import UtcDateTime, partial_index

AMOUNT = Numeric(14, 2)


class InvoiceCounter(Base):
    """One row per numbering series: `documents` (the pull order of invoices and credit notes), `invoices`
    and `credit_notes` (their numbers). Issuing locks `documents` first and holds it until commit:
    numbers have no gaps, and documents become visible in `sequence` order, so a finance pull by
    sequence never skips one."""

    __tablename__ = "invoice_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An invoice, a supplementary invoice or a credit note (`kind`), immutable once issued. A run that
    finds a period's figures changed since it was invoiced (late visits, backdated changes) issues the
    difference as an `adjustment`: a supplementary invoice for what is owed, a credit note for what was
    overpaid."""

    __tablename__ = "invoices"
    __table_args__ = (
        partial_index("uq_invoices_provider_period", "provider_id", "period_start", "period_end", unique=True,
                      where="kind = 'invoice'"),
        Index("ix_invoices_period", "period_start", "period_end"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """Who recorded that the ledger posted it (the account's id: a finance system's client or a person)."""
    kind: Mapped[str] = mapped_column(String(30), default="invoice", server_default="invoice")
    credits_invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    supplements_invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    adjustment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class InvoiceLine(Base):
    """A quantity at a published price: `amount` is quantity x unit_price rounded once; `rule` names how it
    was priced. A reversal (rule `adjustment`) names the line it takes back in `reverses_line_id`."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    package_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    funder: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[Decimal] = mapped_column(AMOUNT)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    rule: Mapped[str] = mapped_column(String(30))
    price_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    area: Mapped[str | None] = mapped_column(String(20), nullable=True)
    client_group: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cost_centre: Mapped[str | None] = mapped_column(String(50), nullable=True)
    ledger_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    block_area: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """The area of a block contract's top-up line (null on package lines)."""
    reverses_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"), nullable=True)
