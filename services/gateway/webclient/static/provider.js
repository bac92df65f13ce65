// Screens for a provider's own staff (the `provider` role): the smallest providers have no software to
// integrate, so they answer offers, report visits by uploading their rota system's CSV, read their packages,
// invoices and remittances, and declare capacity here. The API scopes everything to their own provider.

import { ApiError, api, apiAll, h, rerender, session, show } from "./core.js";
import { visitsFromRota } from "./csv.js";
import { formatDate, formatDateTime, formatDuration, formatHours, labelOf } from "./format.js";
import { scheduleTable } from "./packages.js";
import { pathInWords, plainMessage } from "./problems.js";
import { capacityForm } from "./providers.js";
import {
  bindForm, button, confirmWithReason, dataTable, dateField, fileField, flash, form, h2, heading, hint, link,
  localProblem, para, summaryList, tag, warningText,
} from "./ui.js";
import { DECLINE_REASONS } from "./vocabulary.js";

// "in 5 h 20 min" or "passed": how long is left to answer.
function timeLeft(deadline, now = Date.now()) {
  const minutes = Math.floor((new Date(deadline).getTime() - now) / 60000);
  return minutes <= 0 ? "the deadline has passed" : `${formatDuration(minutes)} left`;
}

export async function offersView() {
  const offers = await apiAll("/offers", {}, 2000);
  const open = offers.filter((o) => o.status === "open");
  show(heading("Offers of care"),
    para(open.length === 1 ? "1 offer is waiting for your answer." : open.length
      ? `${open.length} offers are waiting for your answer.` : "No offer is waiting for your answer."),
    dataTable({ id: "open-offers", caption: "Waiting for your answer", rows: open, csvName: "open-offers",
      sort: { key: "deadline" }, empty: "No open offer.", columns: [
        { key: "deadline", label: "Answer by", cell: (o) => link(`#/offers/${o.id}`,
          `${formatDateTime(o.deadline)} (${timeLeft(o.deadline)})`), csv: (o) => o.deadline },
        { key: "urgency", label: "Urgency", cell: (o) => tag(o.urgency), csv: (o) => o.urgency },
        { key: "area", label: "Area" },
        { key: "weekly_hours", label: "Care a week", value: (o) => Number(o.weekly_hours),
          cell: (o) => formatHours(o.weekly_hours), numeric: true },
        { key: "needs", label: "Needs", value: (o) => o.needs.map(labelOf).join(", ") || "None" },
        { key: "start_on", label: "Starts", cell: (o) => formatDate(o.start_on) },
      ] }),
    dataTable({ id: "answered-offers", caption: "Answered and closed", csvName: "offers",
      rows: offers.filter((o) => o.status !== "open"), sort: { key: "created_at", descending: true }, pageSize: 10,
      columns: [
        { key: "created_at", label: "Offered", cell: (o) => link(`#/offers/${o.id}`, formatDateTime(o.created_at)),
          csv: (o) => o.created_at },
        { key: "status", label: "Status", cell: (o) => tag(o.status), csv: (o) => o.status },
        { key: "area", label: "Area" },
        { key: "weekly_hours", label: "Care a week", value: (o) => Number(o.weekly_hours),
          cell: (o) => formatHours(o.weekly_hours), numeric: true },
        { key: "decline_reason", label: "Why declined", value: (o) => (o.decline_reason ? labelOf(o.decline_reason) : "") },
      ] }));
}

function acceptForm(offer) {
  const accept = form({ id: "accept-offer" }, h2("Accept"),
    dateField({ id: "start_on", label: "Start date", value: offer.start_on,
      hint: `The council asked for ${formatDate(offer.start_on)}; propose another date if you need one.` }),
    button("Accept the offer"));
  return bindForm(accept, async (data) => {
    const startOn = data.get("start_on") || null;
    confirmWithReason(accept, { title: "Accept this offer", needsReason: false, refusalsOn: accept,
      facts: [["Care a week", formatHours(offer.weekly_hours)], ["Start", formatDate(startOn || offer.start_on)],
        ["Area", offer.area]],
      warning: "Accepting commits you to deliver this care from the start date. The first valid acceptance is placed.",
      confirmText: "Accept and take on the care", confirm: async () => {
        await api("POST", `/offers/${offer.id}/accept`, { json: { start_on: startOn } });
        flash("You accepted the offer. The package will appear in your packages in a moment.");
        await rerender();
      } });
  });
}

function declineButton(offer) {
  const decline = h("button", { type: "button", class: "govuk-button govuk-button--secondary", id: "decline-offer" },
    "Decline the offer");
  decline.addEventListener("click", () => confirmWithReason(decline, { title: "Decline this offer",
    reasons: DECLINE_REASONS, reasonLabel: "Why you decline", reasonHint: "The council reads decline reasons to see "
      + "where care is short.", needsReason: false, confirmText: "Decline the offer",
    confirm: async ({ reason, detail }) => {
      await api("POST", `/offers/${offer.id}/decline`, { json: { reason, detail } });
      flash("You declined the offer.");
      await rerender();
    } }));
  return decline;
}

export async function offerView(match) {
  const offer = await api("GET", `/offers/${match[1]}`);
  const open = offer.status === "open";
  show(heading("Offer of care"), para(tag(offer.status)),
    summaryList([
      ["Answer by", open ? `${formatDateTime(offer.deadline)} (${timeLeft(offer.deadline)})` : formatDateTime(offer.deadline)],
      ["Urgency", tag(offer.urgency)], ["Area", offer.area], ["Client group", labelOf(offer.client_group)],
      ["Needs", offer.needs.map(labelOf).join(", ") || "None"], ["Care a week", formatHours(offer.weekly_hours)],
      ["Start", formatDate(offer.start_on)], ["Tier", labelOf(offer.tier)],
      ["Declined because", offer.decline_reason ? labelOf(offer.decline_reason) : null],
    ], { id: "offer-facts" }),
    scheduleTable("offer-schedule", offer.visits),
    open ? [acceptForm(offer), h2("Decline"), declineButton(offer)] : "",
    para(link("#/offers", "All offers")));
}

// --- visits from the rota system's CSV ---------------------------------------------------------------------

const BATCH = 1000;

// The rows of a batch the API refused as a whole (422 naming `visits.<n>.<field>`), with why, in words.
function refusedRows(error, size) {
  const refused = new Map();
  for (const each of (error.problem && error.problem.errors) || []) {
    const [list, index, ...field] = String(each.field).split(".");
    if (list !== "visits" || !(Number(index) < size)) return null;
    const words = plainMessage(pathInWords(field.join(".") || "visit"), each.message);
    refused.set(Number(index), [refused.get(Number(index)), words].filter(Boolean).join("; "));
  }
  return refused.size ? refused : null;
}

// Sends the read rows in batches the API takes; rows a batch was refused for are taken out with their reason
// and the rest sent again. Answers every row's outcome in the file's row order.
async function sendVisits(read) {
  const outcomes = read.problems.map((p) => ({ row: p.row, visit_id: p.visit_id, status: "rejected",
    reason: p.message.replace(/^Row \d+: /, "") }));
  for (let start = 0; start < read.visits.length; start += BATCH) {
    let batch = read.visits.slice(start, start + BATCH).map((visit, index) => ({ visit, row: read.rows[start + index] }));
    while (batch.length) {
      try {
        const report = await api("POST", "/visits", { json: { visits: batch.map((each) => each.visit) } });
        report.results.forEach((result, index) => outcomes.push({ row: batch[index].row, visit_id: result.visit_id,
          status: result.status, reason: result.reason || (result.unplanned
            ? "Unplanned: paid once the council approves it" : "") }));
        batch = [];
      } catch (error) {
        const refused = error instanceof ApiError ? refusedRows(error, batch.length) : null;
        if (!refused) throw error;
        batch.forEach((each, index) => refused.has(index) && outcomes.push({ row: each.row,
          visit_id: each.visit.visit_id, status: "rejected", reason: refused.get(index) }));
        batch = batch.filter((_, index) => !refused.has(index));
      }
    }
  }
  return outcomes.sort((a, b) => a.row - b.row).map((outcome) => ({ ...outcome, id: String(outcome.row) }));
}

function uploadReport(fileName, outcomes) {
  const count = (status) => outcomes.filter((o) => o.status === status).length;
  return [h2(`What happened to ${fileName}`, { id: "upload-report-title" }),
    summaryList([["Recorded", String(count("recorded"))], ["Corrected", String(count("corrected"))],
      ["Sent before (unchanged)", String(count("duplicate"))], ["Rejected", String(count("rejected"))]],
    { id: "upload-summary" }),
    count("rejected") ? warningText("Rejected rows were not recorded: correct them in your rota system and upload "
      + "them again.") : "",
    dataTable({ id: "upload-rows", caption: "Each row of the file", rows: outcomes, csvName: "visits-upload-report",
      filters: [{ key: "status", label: "Outcome", options: ["recorded", "corrected", "duplicate", "rejected"]
        .map((s) => [s, labelOf(s)]), test: (o, status) => o.status === status }],
      columns: [
        { key: "row", label: "Row", numeric: true },
        { key: "visit_id", label: "Visit id" },
        { key: "status", label: "Outcome", cell: (o) => tag(o.status), csv: (o) => o.status },
        { key: "reason", label: "Why" },
      ] })];
}

export async function visitsUploadView() {
  const report = h("div", { id: "upload-report" });
  const upload = form({ id: "visits-upload" },
    heading("Report visits"),
    para("Upload the CSV your rota or call monitoring system exports. Each row is a planned visit: its visit id, the "
      + "client reference (or package id), the date, the planned start and minutes, the outcome (delivered, missed, "
      + "cancelled or frustrated) and, when delivered, the actual start and minutes."),
    para(link("/app/visits-template.csv", "Download a template CSV", { download: "visits-template.csv" })),
    fileField({ id: "rota-file", name: "file", label: "The CSV file", accept: ".csv,text/csv" }),
    button("Upload visits"));
  bindForm(upload, async (data) => {
    const file = data.get("file");
    if (!file || !file.name) throw localProblem([{ field: "file", text: "Choose the CSV file to upload" }]);
    const packages = await apiAll("/packages");
    const read = visitsFromRota(await file.text(), packages);
    if (!read.visits.length && read.problems.length && read.problems[0].row === 0) {
      throw localProblem([{ field: "file", text: read.problems[0].message }]);
    }
    report.replaceChildren(...uploadReport(file.name, await sendVisits(read)));
    report.querySelector("h2").setAttribute("tabindex", "-1");
    report.querySelector("h2").focus();
  });
  show(upload, report);
}

// --- capacity ------------------------------------------------------------------------------------------------

export async function capacityView() {
  const provider = await api("GET", `/providers/${session.providerId}`);
  const areas = new Map();
  show(heading("Capacity"),
    para("The hours a week you can take on in each area you serve. The council offers work against it, and a "
      + "person on the waiting list is tried again when you declare more."),
    provider.capacity.length ? summaryList(provider.capacity.map((c) => [c.area, formatHours(c.weekly_hours)]),
      { id: "capacity-now" }) : para("No capacity declared yet."),
    capacityForm(provider, areas, provider.contracts.map((c) => [c.area, c.area])),
    hint(`Declared for ${provider.name}.`));
}
