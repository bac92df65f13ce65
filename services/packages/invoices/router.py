import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status

from services.packages.deps import Finance, InvoiceReader, InvoiceRunner, SettingsDep
from services.packages.invoices import service
from services.packages.invoices.domain import InvoiceKind, Period
from services.packages.invoices.exceptions import (
    CreditNotAllowed,
    InvalidPeriod,
    InvalidRemittance,
    InvoiceNotFound,
)
from services.packages.invoices.export import CSV_TYPE, invoice_csv, invoices_csv, wants_csv
from services.packages.invoices.schemas import (
    CreditNoteIn,
    InvoiceOut,
    InvoiceRunIn,
    InvoiceRunOut,
    InvoiceStatus,
    InvoiceSummary,
    RemittanceOut,
)
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1", tags=["invoices"], responses=problem_responses(Unauthorized, Forbidden))
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {CSV_TYPE: {"schema": {"type": "string"}}}}}
Accept = Annotated[str | None, Header()]


@router.post("/invoice-runs", status_code=status.HTTP_201_CREATED, response_model=InvoiceRunOut,
             responses=problem_responses(InvalidPeriod))
async def run_invoices(data: InvoiceRunIn, session: SessionDep, actor: InvoiceRunner,
                       settings: SettingsDep, clock: ClockDep) -> InvoiceRunOut:
    """Issues one invoice per provider for the period; running it again issues only what is missing."""
    return await service.run_invoices(session, actor=actor, period=Period(data.period_start, data.period_end),
                                      now=clock.now(), policy=settings.run_policy)


@router.get("/invoices", response_model=Page[InvoiceSummary], responses=CSV_RESPONSE)
async def list_invoices(
    session: SessionDep, actor: InvoiceReader, page: PageDep, accept: Accept = None,
    status: Annotated[InvoiceStatus | None, Query(description="Leave out to get every document whatever its "
                                                              "acknowledgement")] = None,
    provider_id: Annotated[uuid.UUID | None, Query()] = None,
    after_sequence: Annotated[int | None, Query(ge=0, description="Only documents issued after the one with this "
                                                                  "sequence: a ledger asks for what follows the last "
                                                                  "it posted")] = None,
    kind: Annotated[InvoiceKind | None, Query(description="Only invoices, supplementary invoices or credit "
                                                          "notes")] = None,
    period_start: Annotated[date | None, Query(description="Only documents of periods starting on or after")] = None,
    period_end: Annotated[date | None, Query(description="Only documents of periods ending on or before")] = None,
) -> Page[InvoiceSummary] | Response:
    """Issued invoices, supplementary invoices and credit notes in issue order (`sequence`, without gaps)
    for finance systems to pull: page with `cursor`, or resume at any time with `after_sequence` (the last
    sequence the ledger posted). CSV with `Accept: text/csv` (the next cursor then comes in the
    `X-Next-Cursor` header)."""
    chosen = service.InvoiceFilter(status=status, provider_id=provider_id, kind=kind, period_start=period_start,
                                   period_end=period_end)
    rows = await service.list_invoices(session, actor=actor, page=page, chosen=chosen, after_sequence=after_sequence)
    items = [InvoiceSummary.model_validate(row, from_attributes=True) for row in rows[: page.limit]]
    cursor = next_cursor(rows, page.limit, lambda row: (row.sequence,))
    if wants_csv(accept):
        return Response(invoices_csv(items), media_type=CSV_TYPE, headers={"X-Next-Cursor": cursor or ""})
    return Page(items=items, next_cursor=cursor)


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut,
            responses={**problem_responses(InvoiceNotFound), **CSV_RESPONSE})
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep, actor: InvoiceReader,
                      accept: Accept = None) -> InvoiceOut | Response:
    invoice = await service.get_invoice(session, actor=actor, invoice_id=invoice_id)
    if wants_csv(accept):
        return Response(invoice_csv(invoice), media_type=CSV_TYPE)
    return invoice


@router.get("/remittances", response_model=RemittanceOut, responses=problem_responses(InvalidRemittance))
async def remittance_advice(
    session: SessionDep, actor: InvoiceReader, period_start: Annotated[date, Query()],
    period_end: Annotated[date, Query()], provider_id: Annotated[uuid.UUID | None, Query()] = None,
) -> RemittanceOut:
    """A provider's remittance: its documents for periods overlapping the dates, line by line with quantity,
    price and rule. A provider sees its own; staff name the provider."""
    if period_end < period_start:
        raise InvalidRemittance("period_end is before period_start.")
    return await service.remittance(session, actor=actor, provider_id=provider_id,
                                    period=Period(period_start, period_end))


@router.post("/invoices/{invoice_id}/credit-notes", status_code=status.HTTP_201_CREATED, response_model=InvoiceOut,
             responses=problem_responses(InvoiceNotFound, CreditNotAllowed))
async def credit_invoice(invoice_id: uuid.UUID, data: CreditNoteIn, session: SessionDep,
                         actor: InvoiceRunner, settings: SettingsDep, clock: ClockDep) -> InvoiceOut:
    """Issued invoices never change: a correction is a credit note against the invoice's lines, each a
    quantity of a line at that line's price. Invoice runs never bill it back."""
    return await service.issue_credit_note(session, actor=actor, invoice_id=invoice_id, data=data,
                                           codes=settings.run_policy.ledger_codes, now=clock.now())


@router.post("/invoices/{invoice_id}/acknowledge", response_model=InvoiceSummary,
             responses=problem_responses(InvoiceNotFound))
async def acknowledge(invoice_id: uuid.UUID, session: SessionDep, actor: Finance, clock: ClockDep) -> InvoiceSummary:
    return await service.acknowledge(session, actor=actor, invoice_id=invoice_id, now=clock.now())
