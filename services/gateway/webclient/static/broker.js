// The broker's screens: a live queue of referrals, each one's cascade history, the waiting list of
// unmet need, and one click to retry, award by hand or cancel. They speak only the public API.

import { CLIENT_GROUPS, api, h, pill, problemBox, refreshIn, rerender, show, when } from "./core.js";

const REFRESH_MS = 10000;
const SKILLS = ["dementia", "peg_feeding", "catheter_care", "stoma_care", "acquired_brain_injury",
  "complex_behaviour", "medication", "night_support", "end_of_life", "sensory_impairment"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export async function queueView(params) {
  const status = params.get("status") || "sourcing";
  const titles = { sourcing: "Being sourced", unsourced: "Waiting list: unmet need", placed: "Placed",
    cancelled: "Cancelled" };
  const page = await api("GET", "/referrals", { params: { status, limit: 200 } });
  const rows = page.items.map((r) => h("tr", { class: "clickable", "data-id": r.id,
    onclick: () => { location.hash = `#/referrals/${r.id}`; } },
    h("td", {}, r.client_ref), h("td", {}, r.area), h("td", {}, pill(r.urgency)), h("td", {}, r.weekly_hours),
    h("td", {}, r.start_on), h("td", {}, pill(r.status))));
  const hours = page.items.reduce((sum, r) => sum + Number(r.weekly_hours || 0), 0);
  show(h("h1", {}, titles[status] || status),
    h("p", { class: "muted" }, `${page.items.length} referrals, ${hours.toFixed(2)} hours a week`),
    h("table", { id: "queue" }, h("thead", {}, h("tr", {}, ["Client", "Area", "Urgency", "Hours/week",
      "Start", "Status"].map((c) => h("th", {}, c)))), h("tbody", {}, rows.length ? rows
      : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "Nothing here.")))));
  refreshIn(REFRESH_MS);
}

export async function referralView(id) {
  const r = await api("GET", `/referrals/${id}`);
  const message = h("div");
  const act = (label, path, body, cls = "") => h("button", { class: cls, type: "button", onclick: async () => {
    try { await api("POST", `/referrals/${id}/${path}`, { json: body() }); rerender(); }
    catch (e) { message.replaceChildren(problemBox(e)); }
  } }, label);
  const open = r.status === "sourcing" || r.status === "unsourced";
  const history = (r.history || []).map((e) => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, pill(e.event)),
    h("td", {}, e.provider_name || e.provider_id || ""), h("td", {}, e.tier || ""),
    h("td", {}, typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail ?? ""))));
  show(h("h1", {}, `Referral ${r.client_ref} `, pill(r.status)),
    h("dl", { class: "facts card" },
      h("dt", {}, "Area"), h("dd", {}, r.area), h("dt", {}, "Client group"), h("dd", {}, r.client_group),
      h("dt", {}, "Needs"), h("dd", {}, (r.needs || []).join(", ") || "none"),
      h("dt", {}, "Urgency"), h("dd", {}, pill(r.urgency)), h("dt", {}, "Start"), h("dd", {}, r.start_on),
      h("dt", {}, "Hours a week"), h("dd", {}, r.weekly_hours),
      h("dt", {}, "Visits"), h("dd", {}, (r.visits || []).map((v) =>
        `${v.day} ${String(v.start).slice(0, 5)} ${v.minutes} min${v.carers > 1 ? " x2" : ""}`).join("; ")),
      h("dt", {}, "Placed with"), h("dd", {}, r.placed_with ? String(r.placed_with.name || r.placed_with.id
        || r.placed_with) : "")),
    open ? h("div", { class: "actions" }, act("Run the cascade again", "retry", () => ({})),
      awardForm(id, message), act("Cancel referral", "cancel", () => ({ reason: "Cancelled by broker" }),
        "danger")) : "",
    message,
    h("h2", {}, "Cascade history"),
    h("table", { id: "history" }, h("thead", {}, h("tr", {}, ["When", "What", "Provider", "Tier", "Detail"]
      .map((c) => h("th", {}, c)))), h("tbody", {}, history)));
}

function awardForm(id, message) {
  const providers = h("select", { name: "provider_id", required: true, "aria-label": "Provider" });
  api("GET", "/providers", { params: { limit: 500 } }).then((page) => providers.replaceChildren(
    ...page.items.map((p) => h("option", { value: p.id }, p.name)))).catch(() => {});
  const form = h("form", { class: "row", id: "award" }, providers,
    h("input", { name: "reason", placeholder: "Reason for the direct award", required: true, size: 32 }),
    h("button", { type: "submit", class: "secondary" }, "Award directly"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await api("POST", `/referrals/${id}/award`, { json: { provider_id: data.get("provider_id"),
        reason: data.get("reason") } });
      rerender();
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  return form;
}

function visitRow() {
  return h("div", { class: "row visit" },
    h("select", { name: "day", "aria-label": "Day" }, DAYS.map((d) => h("option", { value: d }, d))),
    h("input", { name: "start", type: "time", value: "08:00", required: true, "aria-label": "Start" }),
    h("input", { name: "minutes", type: "number", min: 5, max: 1440, value: 45, required: true,
      "aria-label": "Minutes" }),
    h("select", { name: "carers", "aria-label": "Carers" }, h("option", { value: 1 }, "1 carer"),
      h("option", { value: 2 }, "2 carers")),
    h("button", { type: "button", class: "secondary", onclick: (e) => e.target.closest(".visit").remove() },
      "Remove"));
}

export async function newReferralView() {
  const areas = await api("GET", "/areas", { params: { limit: 500 } });
  const visits = h("div", { id: "visits" }, visitRow());
  const message = h("div");
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const form = h("form", { class: "card", id: "new-referral" },
    h("h1", {}, "New referral"),
    h("div", { class: "row" },
      h("div", {}, h("label", { for: "client_ref" }, "Client reference (no names)"),
        h("input", { id: "client_ref", name: "client_ref", required: true, pattern: "[A-Za-z0-9-]+" })),
      h("div", {}, h("label", { for: "area" }, "Area"), h("select", { id: "area", name: "area" },
        areas.items.map((a) => h("option", { value: a.code }, `${a.name} (${a.code})`)))),
      h("div", {}, h("label", { for: "client_group" }, "Client group"), h("select", { id: "client_group",
        name: "client_group" }, CLIENT_GROUPS.map((g) => h("option", { value: g }, g.replaceAll("_", " "))))),
      h("div", {}, h("label", { for: "urgency" }, "Urgency"), h("select", { id: "urgency", name: "urgency" },
        ["routine", "crisis", "hospital_discharge"].map((u) => h("option", { value: u }, u.replaceAll("_", " "))))),
      h("div", {}, h("label", { for: "start_on" }, "Start"), h("input", { id: "start_on", name: "start_on",
        type: "date", value: tomorrow, required: true })),
      h("div", {}, h("label", { for: "health_share" }, "Health share %"), h("input", { id: "health_share",
        name: "health_share", type: "number", min: 0, max: 100, value: 0 }))),
    h("label", {}, "Needs"),
    h("div", { class: "row" }, SKILLS.map((s) => h("label", { class: "muted" },
      h("input", { type: "checkbox", name: "needs", value: s }), " " + s.replaceAll("_", " ")))),
    h("label", {}, "Weekly visits"), visits,
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => visits.append(visitRow()) },
      "Add a visit")),
    h("fieldset", {}, h("legend", {}, "Visits under 30 minutes (NICE): all three must hold"),
      ["worker_known", "part_of_wider_package", "time_limited_task"].map((k) => h("label", { class: "muted" },
        h("input", { type: "checkbox", name: k }), " " + k.replaceAll("_", " ")))),
    message,
    h("p", {}, h("button", { type: "submit" }, "Start sourcing")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const justified = ["worker_known", "part_of_wider_package", "time_limited_task"];
    const anyShort = [...visits.querySelectorAll(".visit")].some((v) => Number(v.querySelector("[name=minutes]").value) < 30);
    const body = {
      client_ref: data.get("client_ref"), area: data.get("area"), client_group: data.get("client_group"),
      needs: data.getAll("needs"), urgency: data.get("urgency"), start_on: data.get("start_on"),
      visits: [...visits.querySelectorAll(".visit")].map((v) => ({ day: v.querySelector("[name=day]").value,
        start: v.querySelector("[name=start]").value, minutes: Number(v.querySelector("[name=minutes]").value),
        carers: Number(v.querySelector("[name=carers]").value) })),
      short_visit_justification: anyShort ? Object.fromEntries(justified.map((k) => [k, data.get(k) === "on"]))
        : null,
      funding: { health_share_percent: Number(data.get("health_share") || 0) },
    };
    try {
      const created = await api("POST", "/referrals", { json: body });
      location.hash = `#/referrals/${created.id}`;
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  show(form);
}
