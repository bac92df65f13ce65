"""CSV for finance systems (`Accept: text/csv`): one row per line of an invoice, or per invoice of a page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from services.packages.invoices.schemas import InvoiceOut, InvoiceSummary

CSV_TYPE = "text/csv"
SUMMARY_COLUMNS = ("number", "id", "provider_id", "period_start", "period_end", "status", "total", "issued_at", "kind",
                   "credits_invoice_id", "supplements_invoice_id")
LINE_COLUMNS = ("position", "package_id", "funder", "description", "hours", "quantity", "unit", "unit_price", "amount",
                "rule", "cost_centre", "ledger_code", "reverses_line_id")


def wants_csv(accept: str | None) -> bool:
    return accept is not None and CSV_TYPE in accept.lower()


def _render(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue()


def _summary_values(invoice: InvoiceSummary) -> list[object]:
    data = invoice.model_dump(mode="json")
    return [data[column] for column in SUMMARY_COLUMNS]


def invoice_csv(invoice: InvoiceOut) -> str:
    head = _summary_values(invoice)
    rows = [[*head, *[line.model_dump(mode="json")[column] for column in LINE_COLUMNS]] for line in invoice.lines]
    return _render((*SUMMARY_COLUMNS, *LINE_COLUMNS), rows)


def invoices_csv(invoices: Iterable[InvoiceSummary]) -> str:
    return _render(SUMMARY_COLUMNS, [_summary_values(invoice) for invoice in invoices])
