// The quality officer's overview: the provider risk matrix (red first, with the evidence behind each score and
// call logging and punctuality beside their targets), the fortnightly review with its record, and the quality
// part of each provider's page. Concerns, monitoring visits, feedback and action plans are in intelligence.js.

import { ApiError, api, apiAll, h, rerender, session, show } from "./core.js";
import { formatDate, formatDateTime, formatPercent, labelOf, todayInLondon } from "./format.js";
import { loadPeople, personName, providerMap } from "./names.js";
import {
  bindForm, button, chart, dataTable, dateField, detailsBox, flash, form, h2, heading, hint, link, para,
  simpleTable, summaryList, tag, textArea,
} from "./ui.js";

const RAG_ORDER = { red: 0, amber: 1, green: 2 };

export const ragTag = (rag) => tag(rag, labelOf(rag));

function evidenceText(line) {
  return `${labelOf(line.kind)}${line.severity ? ` (${line.severity})` : ""}`
    + `${line.occurred_on ? `, ${formatDate(line.occurred_on)}` : ""}: +${line.points}${line.detail ? `. ${line.detail}` : ""}`;
}

function performanceText(report) {
  if (!report) return "Not reported yet";
  return `Call logging ${formatPercent(report.compliance_percent)} (target ${formatPercent(report.target_percent)})`
    + (report.punctuality_percent !== null ? `, punctuality ${formatPercent(report.punctuality_percent)} `
      + `(target ${formatPercent(report.punctuality_target_percent)})` : "");
}

export async function riskMatrixView(_match, params) {
  const rows = await apiAll("/risk-matrix");
  const counts = Object.keys(RAG_ORDER).map((rag) => `${rows.filter((r) => r.rag === rag).length} ${rag}`);
  show(heading("Provider risk matrix"),
    h("p", { class: "govuk-body", id: "rag-counts" }, counts.join(", ")),
    dataTable({ id: "risk-matrix", caption: "Providers by risk", rows: rows.map((r) => ({ ...r, id: r.provider_id })),
      csvName: "risk-matrix", sort: { key: "rag" }, chosen: { rag: params.get("rag") || "" },
      filters: [{ key: "rag", label: "RAG", options: Object.keys(RAG_ORDER).map((rag) => [rag, labelOf(rag)]),
        test: (r, rag) => r.rag === rag }],
      columns: [
        { key: "provider_name", label: "Provider", cell: (r) => link(`#/providers/${r.provider_id}`, r.provider_name) },
        { key: "rag", label: "RAG", value: (r) => RAG_ORDER[r.rag] * 100000 - Number(r.score), cell: (r) => ragTag(r.rag),
          csv: (r) => r.rag },
        { key: "score", label: "Score", value: (r) => Number(r.score), numeric: true },
        { key: "evidence", label: "Evidence", value: (r) => r.evidence.length, cell: (r) => (r.evidence.length
          ? detailsBox(`${r.evidence.length} ${r.evidence.length === 1 ? "item" : "items"}`, h("ul", {
            class: "govuk-list govuk-list--bullet" }, r.evidence.map((e) => h("li", {}, evidenceText(e))))) : "None"),
          csv: (r) => r.evidence.map(evidenceText).join("; ") },
        { key: "performance", label: "Visits", value: (r) => performanceText(r.visit_performance) },
        { key: "escalated", label: "Escalation", value: (r) => (r.escalated ? "Escalated" : ""),
          cell: (r) => (r.escalated ? tag("red", "Escalated") : "") },
        { key: "assessed_at", label: "Assessed", cell: (r) => formatDateTime(r.assessed_at) },
      ] }));
}

// The provider's score over time as a stepped line, with the RAG of each change in its table.
function riskChart(points) {
  return chart({ id: "risk-history", title: "Risk score over time", type: "line", yTitle: "Score",
    labels: points.map((p) => `${formatDateTime(p.at)} (${labelOf(p.rag)})`),
    series: [{ label: "Score", data: points.map((p) => p.score), stepped: true }] });
}

// The quality part of a provider's page: its risk now, its risk over time, the evidence behind it, and its
// visits' call logging and punctuality (staff only; providers never see it).
export async function providerQuality(provider) {
  if (!session.isStaff) return "";
  const links = [link(`#/concerns?provider_id=${provider.id}`, "Concerns"),
    link(`#/monitoring-visits?provider_id=${provider.id}`, "Monitoring visits"),
    link(`#/feedback?provider_id=${provider.id}`, "Feedback"),
    link(`#/action-plans?provider_id=${provider.id}`, "Action plans")];
  const section = h("section", { id: "quality", "aria-labelledby": "quality-title" },
    h2("Quality and risk", { id: "quality-title" }),
    h("ul", { class: "govuk-list" }, links.map((each) => h("li", {}, each))));
  const row = await api("GET", `/risk-matrix/${provider.id}`).catch((error) => {
    if (error instanceof ApiError && error.problem.status === 404) return null;
    throw error;
  });
  if (!row) { section.append(para("Quality has not assessed this provider yet.")); return section; }
  const history = await apiAll(`/risk-matrix/${provider.id}/history`, {}, 2000);
  const report = row.visit_performance;
  section.append(
    summaryList([["Risk", [ragTag(row.rag), ` score ${row.score}`]],
      ["Escalation", row.escalated ? "Escalated: a council embargo follows" : "None"],
      ["Assessed", formatDateTime(row.assessed_at)],
      ["Call logging", report ? `${formatPercent(report.compliance_percent)} of ${report.planned_visits} planned visits `
        + `(target ${formatPercent(report.target_percent)}), ${formatDate(report.period_start)} to `
        + `${formatDate(report.period_end)}` : "Not reported yet"],
      ["Punctuality", report && report.punctuality_percent !== null ? `${formatPercent(report.punctuality_percent)} of `
        + `${report.timed_visits} timed visits (target ${formatPercent(report.punctuality_target_percent)})`
        : "Not reported yet"],
      ["Missed visits", report ? String(report.missed_visits) : "Not reported yet"]], { id: "risk-now" }),
    riskChart(history),
    simpleTable({ id: "evidence", caption: "Evidence behind the score", head: ["What", "Severity", "When", "Points",
      "Detail"], numeric: [3], empty: "No evidence counts now.",
    rows: row.evidence.map((e) => [labelOf(e.kind), e.severity ? labelOf(e.severity) : "", formatDate(e.occurred_on),
      e.points, e.detail || ""]) }));
  return section;
}

// --- the fortnightly review ---------------------------------------------------------------------------------

export async function reviewsView() {
  const [reviews, matrix, providers] = await Promise.all([apiAll("/risk-matrix/reviews"), apiAll("/risk-matrix"),
    providerMap()]);
  await loadPeople(reviews.map((r) => r.reviewed_by));
  const flagged = matrix.filter((r) => r.rag !== "green" || r.escalated)
    .sort((a, b) => RAG_ORDER[a.rag] - RAG_ORDER[b.rag] || Number(b.score) - Number(a.score));
  const name = (id) => providers.get(id)?.name || "a provider no longer registered";
  show(heading("Fortnightly review"),
    para("Record the review the team held: everyone is rescored, and escalated providers now green have lifting "
      + "their embargo suggested to commissioners."),
    session.has("quality_officer") ? bindForm(form({ id: "review-form" },
      dateField({ id: "held_on", label: "Held on", value: todayInLondon() }),
      textArea({ id: "review-notes", name: "notes", label: "Notes", rows: 4 }),
      flagged.length ? [h2("Decisions on providers red, amber or escalated"),
        flagged.map((r, index) => textArea({ id: `decision-${index}`, name: `decision-${r.provider_id}`,
          label: `${r.provider_name} (${labelOf(r.rag)}, score ${r.score})`, rows: 2,
          paths: `decisions.${index}.decision` }))] : hint("No provider is red, amber or escalated."),
      button("Record the review")), async (data) => {
      const decisions = flagged.map((r) => ({ provider_id: r.provider_id,
        decision: String(data.get(`decision-${r.provider_id}`) || "").trim() })).filter((d) => d.decision);
      const review = await api("POST", "/risk-matrix/review", { json: { held_on: data.get("held_on") || null,
        notes: data.get("notes") || "", decisions } });
      flash(`Review of ${formatDate(review.held_on)} recorded; ${review.cleared.length} escalations cleared.`);
      await rerender();
    }) : "",
    dataTable({ id: "reviews", caption: "Reviews recorded", rows: reviews, csvName: "risk-reviews",
      sort: { key: "held_on", descending: true }, columns: [
        { key: "held_on", label: "Held on", cell: (r) => formatDate(r.held_on) },
        { key: "reviewed_by", label: "Recorded by", value: (r) => personName(r.reviewed_by) },
        { key: "notes", label: "Notes" },
        { key: "decisions", label: "Decisions", value: (r) => r.decisions.map((d) => `${name(d.provider_id)}: `
          + `${d.decision}`).join("; ") },
        { key: "cleared", label: "Escalations cleared", value: (r) => r.cleared.map(name).join(", ") || "None" },
      ] }));
}
