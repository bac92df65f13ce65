// The finance team's screens: invoice runs (a period started with a confirmation, and what it issued,
// adjusted and could not price), invoices and credit notes narrowed by provider, period, status and kind, a
// document's lines with their rule and ledger codes, its CSV and its acknowledgement, credit notes with a
// reason, and a period reconciled (planned, delivered, missed, paid). Providers read their own invoices and
// remittances through the same screens; the server scopes what each sees.

import { api, apiAll, download, h, rerender, session, show } from "./core.js";
import { formatDate, formatDateTime, formatMoney, formatNumber, labelOf, lastFourWeeks, todayInLondon } from "./format.js";
import { loadPeople, personName, providerMap } from "./names.js";
import {
  bindForm, button, buttonGroup, confirmWithReason, dataTable, dateField, flash, form, h2, heading, hint, link,
  localProblem, para, selectField, simpleTable, summaryList, tag, textField,
} from "./ui.js";

const KINDS = [["invoice", "Invoice"], ["supplementary_invoice", "Supplementary invoice"], ["credit_note", "Credit note"]];
const periodText = (document) => `${formatDate(document.period_start)} to ${formatDate(document.period_end)}`;

function periodFields(start, end) {
  return h("div", { class: "app-inline-form" },
    dateField({ id: "period_start", label: "From", value: start }),
    dateField({ id: "period_end", label: "To (inclusive)", value: end }));
}

// --- invoice runs -------------------------------------------------------------------------------------------

function runResult(run, providers, unpriced) {
  const name = (id) => providers.get(id)?.name || "a provider no longer registered";
  const adjustments = run.issued.filter((d) => d.adjustment);
  return h("div", { id: "run-result" },
    h2(`What the run of ${formatDate(run.period_start)} to ${formatDate(run.period_end)} did`),
    summaryList([["Documents issued", String(run.issued.length)], ["Of them adjustments", String(adjustments.length)],
      ["Providers invoiced already", String(run.already_issued)], ["Packages left unpriced", String(unpriced.length)]]),
    simpleTable({ id: "run-issued", caption: "Issued by this run", numeric: [3],
      head: ["Number", "Provider", "Kind", "Total"], empty: "Nothing changed since the period was invoiced: nothing issued.",
      rows: run.issued.map((d) => [link(`#/invoices/${d.id}`, d.number), name(d.provider_id),
        [tag(d.kind), d.adjustment ? " (adjustment)" : ""], formatMoney(d.total)]) }),
    unpriced.length ? simpleTable({ id: "run-unpriced", caption: "Packages left out: no rate card or agreed rate",
      head: ["Client", "Provider", "Area"], rows: unpriced.map((p) => [link(`#/packages/${p.id}`, p.client_ref),
        name(p.provider_id), p.area]) }) : "");
}

export async function invoiceRunsView() {
  const [invoices, providers] = await Promise.all([apiAll("/invoices"), providerMap()]);
  const periods = new Map();
  invoices.forEach((d) => {
    const key = `${d.period_start}/${d.period_end}`;
    const seen = periods.get(key) || { id: key, period_start: d.period_start, period_end: d.period_end, documents: 0,
      total: 0, acknowledged: 0 };
    seen.documents += 1;
    seen.total += Math.round(Number(d.total) * 100);
    seen.acknowledged += d.status === "acknowledged" ? 1 : 0;
    periods.set(key, seen);
  });
  const { start, end } = lastFourWeeks(todayInLondon());
  const result = h("div", { id: "run-area" });
  const runForm = form({ id: "invoice-run" }, h2("Run a period"),
    hint("Both dates inclusive: a four-weekly period is 28 days, at most 31, over before today. Running a period "
      + "again issues only adjustments for what changed since."),
    periodFields(start, end), button("Check the run"));
  bindForm(runForm, async (data) => {
    const period = { period_start: data.get("period_start") || null, period_end: data.get("period_end") || null };
    if (!period.period_start) throw localProblem([{ field: "period_start", text: "Enter the first day of the period" }]);
    if (!period.period_end) throw localProblem([{ field: "period_end", text: "Enter the last day of the period" }]);
    confirmWithReason(runForm, { title: `Run invoices for ${formatDate(period.period_start)} to `
      + `${formatDate(period.period_end)}`, needsReason: false, refusalsOn: runForm,
    facts: [["Period", `${formatDate(period.period_start)} to ${formatDate(period.period_end)}`]],
    warning: "Every provider with care in the period is invoiced. Issued documents never change: a mistake is "
      + "corrected by a credit note.", confirmText: "Issue the invoices",
    confirm: async () => {
      const run = await api("POST", "/invoice-runs", { json: period });
      const unpriced = await Promise.all(run.unpriced_packages.map((id) => api("GET", `/packages/${id}`)));
      flash(`The run for ${formatDate(run.period_start)} to ${formatDate(run.period_end)} issued `
        + `${run.issued.length} documents.`);
      await rerender();
      document.getElementById("run-area").replaceChildren(runResult(run, providers, unpriced));
    } });
  });
  show(heading("Invoice runs"), session.has("finance") || session.has("commissioner") ? runForm : "", result,
    dataTable({ id: "periods", caption: "Periods invoiced", rows: [...periods.values()], csvName: "periods-invoiced",
      sort: { key: "period_start", descending: true }, empty: "No period has been invoiced yet.", columns: [
        { key: "period_start", label: "Period", value: (p) => p.period_start, cell: (p) => link(`#/invoices?period_start=`
          + `${p.period_start}&period_end=${p.period_end}`, periodText(p)), csv: (p) => `${p.period_start} to ${p.period_end}` },
        { key: "documents", label: "Documents", numeric: true },
        { key: "acknowledged", label: "Acknowledged", numeric: true },
        { key: "total", label: "Total", numeric: true, cell: (p) => formatMoney((p.total / 100).toFixed(2)),
          csv: (p) => (p.total / 100).toFixed(2) },
      ] }));
}

// --- invoices ------------------------------------------------------------------------------------------------

export async function invoicesView(_match, params) {
  const filters = Object.fromEntries(["provider_id", "kind", "status", "period_start", "period_end"]
    .map((key) => [key, params.get(key) || ""]));
  const [invoices, providers] = await Promise.all([apiAll("/invoices", filters), providerMap()]);
  await loadPeople(invoices.map((d) => d.acknowledged_by));
  const name = (id) => providers.get(id)?.name || "a provider no longer registered";
  const narrow = bindForm(form({ id: "invoice-filters", class: "app-form app-table-tools" },
    session.isStaff ? selectField({ id: "filter-provider", name: "provider_id", label: "Provider", value: filters.provider_id,
      options: [["", "All providers"], ...[...providers.values()].map((p) => [p.id, p.name])] }) : "",
    selectField({ id: "filter-kind", name: "kind", label: "Kind", value: filters.kind, options: [["", "All kinds"], ...KINDS] }),
    selectField({ id: "filter-status", name: "status", label: "Status", value: filters.status,
      options: [["", "Issued or acknowledged"], ["issued", "Issued, not acknowledged"], ["acknowledged", "Acknowledged"]] }),
    dateField({ id: "filter-from", name: "period_start", label: "Periods from", value: filters.period_start }),
    dateField({ id: "filter-to", name: "period_end", label: "Periods to", value: filters.period_end }),
    button("Apply", { kind: "secondary" })), async (data) => {
    const query = new URLSearchParams([...data.entries()].filter(([, value]) => value));
    location.hash = `#/invoices${query.toString() ? `?${query}` : ""}`;
  });
  show(heading(session.isStaff ? "Invoices and credit notes" : "Your invoices"), narrow,
    dataTable({ id: "invoices", caption: "Documents", rows: invoices, csvName: "invoices",
      sort: { key: "sequence", descending: true }, columns: [
        { key: "number", label: "Number", value: (d) => d.sequence, cell: (d) => link(`#/invoices/${d.id}`, d.number),
          csv: (d) => d.number },
        ...(session.isStaff ? [{ key: "provider_id", label: "Provider", value: (d) => name(d.provider_id) }] : []),
        { key: "kind", label: "Kind", cell: (d) => tag(d.kind), csv: (d) => d.kind },
        { key: "period_start", label: "Period", cell: periodText, csv: (d) => `${d.period_start} to ${d.period_end}` },
        { key: "total", label: "Total", value: (d) => Number(d.total), cell: (d) => formatMoney(d.total),
          csv: (d) => d.total, numeric: true },
        { key: "status", label: "Status", cell: (d) => tag(d.status), csv: (d) => d.status },
        { key: "issued_at", label: "Issued", cell: (d) => formatDate(d.issued_at) },
        { key: "acknowledged_by", label: "Acknowledged by", value: (d) => (d.acknowledged_at
          ? personName(d.acknowledged_by) || "the ledger" : "") },
      ] }));
}

function creditNoteForm(invoice, trigger) {
  const lines = invoice.lines.filter((line) => Number(line.quantity) > 0);
  const panel = bindForm(form({ id: "credit-note", class: "app-form app-card" },
    h2(`Credit note against ${invoice.number}`),
    hint("Credit a quantity of any line at that line's price; never more than the line held."),
    textField({ id: "credit-reason", name: "reason", label: "Reason for the credit note" }),
    simpleTable({ id: "credit-lines", caption: "Quantities to credit", numeric: [2, 3],
      head: ["Line", "Description", "Billed", "Credit"], rows: lines.map((line) => [String(line.position),
        line.description, `${formatNumber(line.quantity)} ${line.unit}s at ${formatMoney(line.unit_price)}`,
        textField({ id: `credit-${line.position}`, name: `line-${line.position}`, label: `Quantity of line ${line.position}`,
          width: 4, inputmode: "decimal" })]) }),
    buttonGroup(button("Check the credit note"), button("Cancel", { kind: "secondary", type: "button",
      onclick: () => { panel.replaceWith(trigger); trigger.focus(); } }))), async (data) => {
    const reason = String(data.get("reason") || "").trim();
    const credits = lines.filter((line) => String(data.get(`line-${line.position}`) || "").trim())
      .map((line) => ({ line: line.position, quantity: String(data.get(`line-${line.position}`)).trim() }));
    const problems = [...(reason ? [] : [{ field: "reason", text: "Enter why the invoice is credited" }]),
      ...(credits.length ? [] : [{ field: `line-${lines[0]?.position}`, text: "Enter a quantity to credit on at least one line" }])];
    if (problems.length) throw localProblem(problems);
    // The API names a refused quantity by its place among the lines sent (lines.0.quantity).
    panel.querySelectorAll("[name^='line-']").forEach((control) => { control.dataset.paths = ""; });
    credits.forEach((c, index) => { panel.querySelector(`[name='line-${c.line}']`).dataset.paths = `lines.${index}.quantity`; });
    const byPosition = new Map(lines.map((line) => [line.position, line]));
    const total = credits.reduce((sum, c) => sum + Number(c.quantity) * Number(byPosition.get(c.line).unit_price), 0);
    confirmWithReason(panel, { title: `Issue a credit note against ${invoice.number}`, needsReason: false,
      refusalsOn: panel, facts: [["Reason", reason], ...credits.map((c) => [`Line ${c.line}`,
        `${c.quantity} ${byPosition.get(c.line).unit}s at ${formatMoney(byPosition.get(c.line).unit_price)}`]),
      ["About", formatMoney((-total).toFixed(2))]],
      warning: "A credit note is issued at once with its own number, and the ledger pulls it like an invoice.",
      confirmText: "Issue the credit note", confirm: async () => {
        const note = await api("POST", `/invoices/${invoice.id}/credit-notes`, { json: { reason, lines: credits.map(
          (c) => ({ line: c.line, quantity: c.quantity })) } });
        flash(`Credit note ${note.number} issued for ${formatMoney(note.total)}.`);
        location.hash = `#/invoices/${note.id}`;
      } });
  });
  return panel;
}

function documentActions(invoice) {
  const actions = h("div", { class: "govuk-button-group", id: "invoice-actions" },
    button("Download CSV", { kind: "secondary", type: "button", id: "invoice-csv", onclick: async () => {
      download(`${invoice.number}.csv`, await api("GET", `/invoices/${invoice.id}`, { accept: "text/csv" }));
    } }));
  if (session.has("finance") && invoice.status === "issued") {
    const acknowledge = button("Acknowledge", { type: "button", id: "acknowledge" });
    acknowledge.addEventListener("click", () => confirmWithReason(acknowledge, {
      title: `Acknowledge ${invoice.number}`, needsReason: false,
      facts: [["Total", formatMoney(invoice.total)], ["Period", periodText(invoice)]],
      warning: "Acknowledging records that the ledger posted this document; it cannot be undone.",
      confirmText: "Acknowledge it", confirm: async () => {
        await api("POST", `/invoices/${invoice.id}/acknowledge`);
        flash(`${invoice.number} is acknowledged.`);
        await rerender();
      } }));
    actions.append(acknowledge);
  }
  if ((session.has("finance") || session.has("commissioner")) && invoice.kind !== "credit_note") {
    const credit = button("Issue a credit note", { kind: "warning", type: "button", id: "credit" });
    credit.addEventListener("click", () => {
      const panel = creditNoteForm(invoice, credit);
      credit.replaceWith(panel);
      panel.querySelector("h2").setAttribute("tabindex", "-1");
      panel.querySelector("h2").focus();
    });
    actions.append(credit);
  }
  return actions;
}

export async function invoiceView(match) {
  const [invoice, providers] = await Promise.all([api("GET", `/invoices/${match[1]}`), providerMap()]);
  const packages = new Map((await apiAll("/packages", session.isStaff ? { provider_id: invoice.provider_id } : {}))
    .map((p) => [p.id, p]));
  await loadPeople([invoice.acknowledged_by]);
  const related = invoice.credits_invoice_id || invoice.supplements_invoice_id;
  show(heading(`${labelOf(invoice.kind)} ${invoice.number}`), para(tag(invoice.status)),
    summaryList([
      ["Provider", providers.get(invoice.provider_id)?.name || "a provider no longer registered"],
      ["Period", periodText(invoice)], ["Total", formatMoney(invoice.total)],
      ["Issued", formatDateTime(invoice.issued_at)],
      ["Acknowledged", invoice.acknowledged_at ? `${formatDateTime(invoice.acknowledged_at)} by `
        + `${personName(invoice.acknowledged_by) || "the ledger"}` : "Not yet"],
      ["Reason", invoice.reason || null],
      ["Corrects", related ? link(`#/invoices/${related}`, "The period's invoice") : null],
      ["Adjustment", invoice.adjustment ? "Issued by a run because the period's figures changed" : null],
    ], { id: "invoice-facts" }),
    documentActions(invoice),
    simpleTable({ id: "invoice-lines", caption: "Lines", numeric: [0, 4, 5, 6],
      head: ["Line", "Client", "Description", "Funder", "Quantity", "Unit price", "Amount", "Rule", "Cost centre",
        "Ledger code"],
      rows: [...invoice.lines.map((line) => [String(line.position), line.package_id ? link(`#/packages/${line.package_id}`,
        packages.get(line.package_id)?.client_ref || "package") : "Block top-up", line.description, labelOf(line.funder),
      `${formatNumber(line.quantity)} ${line.unit}s`, formatMoney(line.unit_price), formatMoney(line.amount),
      labelOf(line.rule), line.cost_centre || "", line.ledger_code || ""]),
      h("tr", { class: "govuk-table__row govuk-table__row--total" }, h("th", { class: "govuk-table__header",
        scope: "row", colspan: "6" }, "Total"), h("td", { class: "govuk-table__cell govuk-table__cell--numeric" },
        formatMoney(invoice.total)), h("td", { class: "govuk-table__cell", colspan: "3" }))] }));
}

// --- remittances (providers, and staff for a provider) -----------------------------------------------------

export async function remittanceView(_match, params) {
  const { start, end } = lastFourWeeks(todayInLondon());
  const chosen = { period_start: params.get("period_start") || start, period_end: params.get("period_end") || end,
    provider_id: params.get("provider_id") || "" };
  const providers = await providerMap();
  const asked = params.get("period_start") && (chosen.provider_id || !session.isStaff);
  const remittance = asked ? await api("GET", "/remittances", { params: chosen }) : null;
  const lines = remittance ? remittance.documents.flatMap((d) => d.lines.map((line) => ({ ...line, document: d,
    id: `${d.id}-${line.position}` }))) : [];
  show(heading("Remittance"),
    bindForm(form({ id: "remittance-form", class: "app-form" },
      session.isStaff ? selectField({ id: "remittance-provider", name: "provider_id", label: "Provider",
        value: chosen.provider_id, options: [["", "Choose a provider"], ...[...providers.values()].map((p) => [p.id, p.name])] })
        : "",
      periodFields(chosen.period_start, chosen.period_end), button("Show the remittance", { kind: "secondary" })),
    async (data) => {
      if (session.isStaff && !data.get("provider_id")) {
        throw localProblem([{ field: "provider_id", text: "Choose the provider whose remittance to show" }]);
      }
      location.hash = `#/remittances?${new URLSearchParams([...data.entries()].filter(([, v]) => v))}`;
    }),
    remittance ? [summaryList([["Documents", String(remittance.documents.length)],
      ["Total", formatMoney(remittance.total)]], { id: "remittance-total" }),
    dataTable({ id: "remittance-lines", caption: "What is paid, line by line", rows: lines, csvName: "remittance",
      columns: [
        { key: "number", label: "Document", value: (l) => l.document.number,
          cell: (l) => link(`#/invoices/${l.document.id}`, l.document.number) },
        { key: "description", label: "Description" },
        { key: "quantity", label: "Quantity", value: (l) => Number(l.quantity),
          cell: (l) => `${formatNumber(l.quantity)} ${l.unit}s`, csv: (l) => l.quantity, numeric: true },
        { key: "unit_price", label: "Unit price", value: (l) => Number(l.unit_price), cell: (l) => formatMoney(l.unit_price),
          csv: (l) => l.unit_price, numeric: true },
        { key: "amount", label: "Amount", value: (l) => Number(l.amount), cell: (l) => formatMoney(l.amount),
          csv: (l) => l.amount, numeric: true },
        { key: "rule", label: "Rule", value: (l) => labelOf(l.rule) },
      ] })] : "");
}

// --- reconciliation -----------------------------------------------------------------------------------------

const COUNTS = [["planned_visits", "Planned"], ["delivered", "Delivered"], ["missed", "Missed"],
  ["cancelled_by_client", "Cancelled by the person"], ["frustrated", "Frustrated"], ["not_reported", "Not reported"],
  ["awaiting_approval", "Awaiting approval"]];

function byProvider(rows) {
  const totals = new Map();
  rows.forEach((row) => {
    const sum = totals.get(row.provider_id) || { id: row.provider_id, packages: 0, paid: 0,
      ...Object.fromEntries(COUNTS.map(([key]) => [key, 0])) };
    sum.packages += 1;
    COUNTS.forEach(([key]) => { sum[key] += row[key]; });
    sum.paid += Math.round(Number(row.paid) * 100);
    totals.set(row.provider_id, sum);
  });
  return [...totals.values()];
}

const countColumns = () => COUNTS.map(([key, label]) => ({ key, label, numeric: true }));

export async function reconciliationView(_match, params) {
  const { start, end } = lastFourWeeks(todayInLondon());
  const chosen = { period_start: params.get("period_start") || start, period_end: params.get("period_end") || end,
    provider_id: params.get("provider_id") || "" };
  const providers = await providerMap();
  const name = (id) => providers.get(id)?.name || "a provider no longer registered";
  const rows = params.get("period_start") ? await apiAll("/reconciliation", chosen, 20000) : null;
  show(heading("Reconciliation"),
    para("For a period: the visits each package's schedule planned, what its provider reported, and what the "
      + "period's invoices pay. Use the dates of the runs so each document is counted whole."),
    bindForm(form({ id: "reconciliation-form", class: "app-form" },
      periodFields(chosen.period_start, chosen.period_end),
      session.isStaff ? selectField({ id: "reconcile-provider", name: "provider_id", label: "Provider",
        value: chosen.provider_id, options: [["", "All providers"], ...[...providers.values()].map((p) => [p.id, p.name])] })
        : "",
      button("Reconcile", { kind: "secondary" })), async (data) => {
      location.hash = `#/reconciliation?${new URLSearchParams([...data.entries()].filter(([, v]) => v))}`;
    }),
    rows ? [
      session.isStaff ? dataTable({ id: "reconciliation-providers", caption: "By provider", rows: byProvider(rows),
        csvName: "reconciliation-providers", columns: [
          { key: "id", label: "Provider", value: (p) => name(p.id), cell: (p) => link(`#/reconciliation?period_start=`
            + `${chosen.period_start}&period_end=${chosen.period_end}&provider_id=${p.id}`, name(p.id)) },
          { key: "packages", label: "Packages", numeric: true }, ...countColumns(),
          { key: "paid", label: "Paid", numeric: true, cell: (p) => formatMoney((p.paid / 100).toFixed(2)),
            csv: (p) => (p.paid / 100).toFixed(2) }] }) : "",
      dataTable({ id: "reconciliation-packages", caption: "By package", rows: rows.map((r) => ({ ...r, id: r.package_id })),
        csvName: "reconciliation-packages", columns: [
          { key: "client_ref", label: "Client", cell: (r) => link(`#/packages/${r.package_id}`, r.client_ref) },
          ...(session.isStaff ? [{ key: "provider_id", label: "Provider", value: (r) => name(r.provider_id) }] : []),
          ...countColumns(),
          { key: "paid", label: "Paid", value: (r) => Number(r.paid), cell: (r) => formatMoney(r.paid), csv: (r) => r.paid,
            numeric: true }] })] : "");
}
