// The quality officer's screens: the provider risk matrix (red first, with the evidence behind each score)
// and concerns (complaints, safeguarding, missed and late visits) raised against a provider. They speak
// only the public API; a concern counts in the provider's risk at once.

import { api, field, h, label, notice, pill, problemBox, select, show, table, when } from "./core.js";

const RAG_ORDER = { red: 0, amber: 1, green: 2 };
const KINDS = ["complaint", "safeguarding", "missed_visit", "late_visit", "other"];
const SEVERITIES = ["low", "medium", "high"];

async function providerNames() {
  const page = await api("GET", "/providers", { params: { limit: 500 } });
  return page.items;
}

export async function riskMatrixView(params) {
  const rag = params.get("rag") || "";
  const page = await api("GET", "/risk-matrix", { params: { rag, limit: 500 } });
  const rows = [...page.items].sort((a, b) => (RAG_ORDER[a.rag] - RAG_ORDER[b.rag])
    || (Number(b.score) - Number(a.score)) || a.provider_name.localeCompare(b.provider_name));
  const counts = Object.fromEntries(Object.keys(RAG_ORDER).map((c) => [c, rows.filter((r) => r.rag === c).length]));
  const body = rows.map((r) => h("tr", { "data-id": r.provider_id },
    h("td", {}, r.provider_name), h("td", {}, pill(r.rag)), h("td", { class: "money" }, r.score),
    h("td", {}, r.evidence.length ? h("details", {}, h("summary", {}, String(r.evidence.length)),
      h("ul", {}, r.evidence.map((e) => h("li", {}, `${label(e.kind)}${e.severity ? ` (${e.severity})` : ""}`
        + `${e.occurred_on ? ` ${e.occurred_on}` : ""}: +${e.points}${e.detail ? ` ${e.detail}` : ""}`))))
      : "0"),
    h("td", {}, r.escalated ? pill("escalated") : ""), h("td", {}, when(r.assessed_at)),
    h("td", {}, h("a", { href: `#/concerns?provider_id=${r.provider_id}` }, "Concerns"))));
  show(h("h1", {}, "Provider risk matrix"),
    h("p", { class: "row" }, ["", "red", "amber", "green"].map((c) => h("a", { href: c ? `#/risk-matrix?rag=${c}`
      : "#/risk-matrix", "aria-current": c === rag ? "page" : null }, c ? label(c) : "All"))),
    h("p", { class: "muted", id: "rag-counts" }, Object.entries(counts).map(([c, n]) => `${n} ${c}`).join(", ")),
    table("risk-matrix", ["Provider", "RAG", "Score", "Evidence", "Escalation", "Assessed", ""], body,
      "No provider has been assessed yet."));
}

export async function concernsView(params) {
  const providerId = params.get("provider_id") || "";
  const [providers, page] = await Promise.all([providerNames(),
    api("GET", "/concerns", { params: { provider_id: providerId, limit: 500 } })]);
  const names = Object.fromEntries(providers.map((p) => [p.id, p.name]));
  const rows = [...page.items].sort((a, b) => b.created_at.localeCompare(a.created_at)).map((c) => h("tr",
    { "data-id": c.id }, h("td", {}, c.occurred_on), h("td", {}, names[c.provider_id] || c.provider_id),
    h("td", {}, pill(c.kind)), h("td", {}, pill(c.severity)), h("td", {}, c.summary), h("td", {}, c.recorded_by)));
  const filter = select({ id: "concern-filter", "aria-label": "Provider", onchange: (e) => {
    location.hash = e.target.value ? `#/concerns?provider_id=${e.target.value}` : "#/concerns";
  } }, [["", "All providers"], ...providers.map((p) => [p.id, p.name])], providerId);
  show(h("h1", {}, "Concerns"),
    h("div", { class: "row" }, h("label", { for: "concern-filter" }, "About"), filter),
    table("concerns", ["Occurred", "Provider", "Kind", "Severity", "Summary", "Recorded by"], rows,
      "No concern recorded."),
    concernForm(providers, providerId));
}

function concernForm(providers, providerId) {
  const message = h("div");
  const form = h("form", { class: "card", id: "new-concern" },
    h("h2", {}, "Raise a concern"),
    h("div", { class: "row" },
      field("concern-provider", "Provider", select({ id: "concern-provider", name: "provider_id", required: true },
        providers.map((p) => [p.id, p.name]), providerId)),
      field("kind", "Kind", select({ id: "kind", name: "kind" }, KINDS.map((k) => [k, label(k)]), "complaint")),
      field("severity", "Severity", select({ id: "severity", name: "severity" }, SEVERITIES.map((s) => [s, s]),
        "medium")),
      field("occurred_on", "Occurred on (today if blank)", h("input", { id: "occurred_on", name: "occurred_on",
        type: "date" }))),
    field("summary", "Summary (no client names)", h("textarea", { id: "summary", name: "summary", required: true,
      rows: 3, cols: 70, maxlength: 5000 })),
    message,
    h("p", {}, h("button", { type: "submit" }, "Record concern")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { provider_id: data.get("provider_id"), kind: data.get("kind"), severity: data.get("severity"),
      summary: data.get("summary"), package_id: null, occurred_on: data.get("occurred_on") || null };
    try {
      const concern = await api("POST", "/concerns", { json: body });
      await concernsView(new URLSearchParams(providerId ? { provider_id: providerId } : {}));
      document.getElementById("concerns").before(notice(`Concern recorded about `
        + `${providers.find((p) => p.id === concern.provider_id)?.name || concern.provider_id}; `,
      h("a", { href: "#/risk-matrix" }, "see the risk matrix")));
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  return form;
}
