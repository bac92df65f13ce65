// The commissioner's screens: the provider registry (contracts by area and tier, hours caps, block hours,
// the regulator's rating), embargoes imposed and lifted by hand, and the cost-of-care rate cards with the
// breakdown that derives each hourly rate. They speak only the public API; the server decides who may write.

import { CLIENT_GROUPS, api, field, h, label, notice, pill, problemBox, rerender, select, show, table, today, when }
  from "./core.js";

const SCOPES = [["all", "All new work"], ["area", "One area"], ["client_group", "One client group"]];
const IMPOSED_BY = [["council", "Council"], ["regulator", "Regulator"], ["voluntary", "Voluntary (the provider)"]];
// API.md's example rate card, as the form's starting values.
const CARD_FIELDS = [
  ["care_worker_hourly_pay", "Care worker hourly pay (£)", "12.60"],
  ["travel_minutes_per_visit", "Travel minutes per visit", "12"],
  ["mileage_per_visit_miles", "Miles per visit", "3.0"],
  ["mileage_rate", "Mileage rate (£ a mile)", "0.45"],
  ["on_cost_percent", "On-costs %", "20.00"],
  ["training_supervision_percent", "Training and supervision %", "5.00"],
  ["overhead_percent", "Overheads %", "25.00"],
  ["surplus_percent", "Surplus %", "3.00"],
  ["weekend_uplift_percent", "Weekend uplift %", "0.00"],
  ["client_hourly_charge_cap", "Client hourly charge cap (£)", "13.00"],
  ["client_weekly_charge_cap", "Client weekly charge cap (£)", "422.00"],
];

async function areaOptions() {
  const areas = await api("GET", "/areas", { params: { limit: 500 } });
  return areas.items.map((a) => [a.code, `${a.name} (${a.code})`]);
}

const contractText = (c) => `${c.area} ${label(c.tier)}`
  + (c.weekly_hours_cap ? `, cap ${c.weekly_hours_cap} h/week` : "")
  + (c.block_hours ? `, block ${c.block_hours} h` : "");

const embargoScope = (e) => (e.scope === "all" ? "all new work" : e.scope === "area" ? `area ${e.area}`
  : `client group ${label(e.client_group)}`);

const ratingOf = (p) => (p.rating ? h("span", {}, pill(p.rating.overall), ` ${p.rating.regulator.toUpperCase()} `
  + p.rating.published_on) : h("span", { class: "muted" }, "no rating"));

// --- providers ---------------------------------------------------------------------------------

export async function providersView(params) {
  const area = params.get("area") || "";
  const [areas, page] = await Promise.all([areaOptions(),
    api("GET", "/providers", { params: { area, limit: 500 } })]);
  const filter = select({ id: "area-filter", "aria-label": "Area", onchange: (e) => {
    location.hash = e.target.value ? `#/providers?area=${encodeURIComponent(e.target.value)}` : "#/providers";
  } }, [["", "All areas"], ...areas], area);
  const rows = page.items.map((p) => h("tr", { class: "clickable", "data-id": p.id,
    onclick: () => { location.hash = `#/providers/${p.id}`; } },
    h("td", {}, h("a", { href: `#/providers/${p.id}` }, p.name)), h("td", {}, pill(p.status)),
    h("td", {}, ratingOf(p)),
    h("td", {}, p.contracts.map(contractText).join("; ") || h("span", { class: "muted" }, "no contract")),
    h("td", {}, p.embargoes.length ? p.embargoes.map((e) => h("div", {}, pill("embargoed"), " " + embargoScope(e)))
      : "")));
  show(h("h1", {}, "Providers"),
    h("div", { class: "row" }, h("label", { for: "area-filter" }, "Holding a contract in"), filter),
    h("p", { class: "muted" }, `${page.items.length} providers` + (page.next_cursor ? " (first 500 shown)" : "")),
    table("providers", ["Provider", "Status", "Rating", "Contracts", "Embargoes"], rows));
}

export async function providerView(id) {
  const [p, history, areas] = await Promise.all([api("GET", `/providers/${id}`),
    api("GET", `/providers/${id}/embargoes`, { params: { limit: 500 } }), areaOptions()]);
  const message = h("div");
  const contracts = p.contracts.map((c) => h("tr", {}, h("td", {}, c.area), h("td", {}, pill(c.tier)),
    h("td", {}, c.weekly_hours_cap ?? ""), h("td", {}, c.block_hours ?? ""), h("td", {}, c.hourly_rate ?? ""),
    h("td", {}, c.starts_on), h("td", {}, c.ends_on ?? "")));
  const embargoes = history.items.map((e) => h("tr", { "data-id": e.id },
    h("td", {}, embargoScope(e)), h("td", {}, label(e.imposed_by)), h("td", {}, e.starts_on),
    h("td", {}, e.ends_on ?? ""), h("td", {}, e.reason),
    h("td", {}, pill(e.status), e.lift_suggested ? h("div", { class: "muted" }, "quality suggests lifting") : "",
      e.lifted_at ? h("div", { class: "muted" }, `lifted ${when(e.lifted_at)} by ${e.lifted_by || ""}`) : ""),
    h("td", {}, e.status === "open" ? liftForm(p.id, e.id, message) : "")));
  show(h("h1", {}, p.name, " ", pill(p.status)),
    h("dl", { class: "facts card" },
      h("dt", {}, "Rating"), h("dd", {}, ratingOf(p)),
      h("dt", {}, "CQC location"), h("dd", {}, p.cqc_location_id || ""),
      h("dt", {}, "Care Inspectorate"), h("dd", {}, p.care_inspectorate_id || ""),
      h("dt", {}, "Skills"), h("dd", {}, p.skills.map(label).join(", ") || "none"),
      h("dt", {}, "Client groups"), h("dd", {}, p.client_groups.map(label).join(", ") || "none"),
      h("dt", {}, "Capacity"), h("dd", {}, p.capacity.map((c) => `${c.area} ${c.weekly_hours} h/week`).join("; ")
        || "none declared")),
    h("h2", {}, "Contracts"),
    table("contracts", ["Area", "Tier", "Hours cap/week", "Block hours", "Agreed rate", "From", "Until"], contracts,
      "No contract: this provider is offered no work."),
    h("h2", {}, "Embargoes"),
    message,
    table("embargoes", ["Scope", "Imposed by", "From", "Until", "Reason", "Status", ""], embargoes,
      "No embargo, ever."),
    embargoForm(p, areas, message));
}

function liftForm(providerId, embargoId, message) {
  const form = h("form", { class: "row lift" },
    h("input", { name: "reason", placeholder: "Why lift it (optional)", "aria-label": "Reason for lifting" }),
    h("button", { type: "submit", class: "secondary" }, "Lift"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = new FormData(form).get("reason");
    try {
      await api("POST", `/providers/${providerId}/embargoes/${embargoId}/lift`, { json: { reason: reason || null } });
      await rerender();
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  return form;
}

function embargoForm(provider, areas, message) {
  const scope = select({ id: "scope", name: "scope" }, SCOPES, "all");
  const area = select({ id: "embargo-area", name: "area" }, areas);
  const group = select({ id: "embargo-group", name: "client_group" }, CLIENT_GROUPS.map((g) => [g, label(g)]));
  const areaField = field("embargo-area", "Area", area);
  const groupField = field("embargo-group", "Client group", group);
  const narrow = () => {
    areaField.hidden = scope.value !== "area";
    groupField.hidden = scope.value !== "client_group";
  };
  scope.addEventListener("change", narrow);
  narrow();
  const form = h("form", { class: "card", id: "embargo" },
    h("h2", {}, "Impose an embargo"),
    h("div", { class: "row" }, field("scope", "Scope", scope), areaField, groupField,
      field("imposed_by", "Imposed by", select({ id: "imposed_by", name: "imposed_by" }, IMPOSED_BY, "council")),
      field("starts_on", "From", h("input", { id: "starts_on", name: "starts_on", type: "date", value: today(),
        required: true })),
      field("ends_on", "Until (optional)", h("input", { id: "ends_on", name: "ends_on", type: "date" }))),
    field("embargo-reason", "Reason", h("textarea", { id: "embargo-reason", name: "reason", required: true,
      rows: 2, cols: 70, maxlength: 2000 })),
    h("p", {}, h("button", { type: "submit", class: "danger" }, "Impose embargo")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { scope: data.get("scope"), imposed_by: data.get("imposed_by"), starts_on: data.get("starts_on"),
      ends_on: data.get("ends_on") || null, reason: data.get("reason"),
      area: data.get("scope") === "area" ? data.get("area") : null,
      client_group: data.get("scope") === "client_group" ? data.get("client_group") : null };
    try {
      await api("POST", `/providers/${provider.id}/embargoes`, { json: body });
      await rerender();
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  return form;
}

// --- rate cards --------------------------------------------------------------------------------

function breakdownTable(card) {
  const rows = Object.entries(card.breakdown || {}).map(([name, amount]) => h("tr", {},
    h("td", {}, label(name)), h("td", { class: "money" }, amount)));
  rows.push(h("tr", { class: "total" }, h("th", {}, "Hourly rate"), h("th", { class: "money" }, card.hourly_rate)));
  return table("breakdown", ["Component", "£ an hour"], rows);
}

export async function rateCardsView(params, created = null) {
  const area = params.get("area") || "";
  const [areas, page] = await Promise.all([areaOptions(),
    api("GET", "/rate-cards", { params: { area, limit: 500 } })]);
  const filter = select({ id: "card-area-filter", "aria-label": "Area", onchange: (e) => {
    location.hash = e.target.value ? `#/rate-cards?area=${encodeURIComponent(e.target.value)}` : "#/rate-cards";
  } }, [["", "All areas"], ...areas], area);
  const rows = page.items.map((c) => h("tr", { class: "clickable", "data-id": c.id,
    onclick: () => { location.hash = `#/rate-cards/${c.id}`; } },
    h("td", {}, c.area), h("td", {}, c.effective_from), h("td", { class: "money" }, c.care_worker_hourly_pay),
    h("td", { class: "money" }, c.hourly_rate)));
  const message = h("div");
  if (created) {
    message.replaceChildren(notice(h("strong", {}, `Rate card for ${created.area} from ${created.effective_from}: `
      + `£${created.hourly_rate} an hour`)), h("div", { id: "created-card" }, breakdownTable(created)));
  }
  show(h("h1", {}, "Rate cards (cost of care)"),
    h("div", { class: "row" }, h("label", { for: "card-area-filter" }, "Area"), filter),
    table("rate-cards", ["Area", "Effective from", "Care worker pay", "Hourly rate"], rows, "No rate card yet."),
    message,
    rateCardForm(areas, area, message));
}

function rateCardForm(areas, area, message) {
  const form = h("form", { class: "card", id: "new-rate-card" },
    h("h2", {}, "Add a rate card"),
    h("div", { class: "row" },
      field("card-area", "Area", select({ id: "card-area", name: "area", required: true }, areas, area)),
      field("effective_from", "Effective from", h("input", { id: "effective_from", name: "effective_from",
        type: "date", value: today(), required: true }))),
    h("div", { class: "row" }, CARD_FIELDS.map(([name, text, value]) => field(name, text,
      h("input", { id: name, name, value, required: true, inputmode: "decimal", size: 8 })))),
    h("p", {}, h("button", { type: "submit" }, "Add rate card")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = Object.fromEntries(CARD_FIELDS.map(([name]) => [name, String(data.get(name)).trim()]));
    body.travel_minutes_per_visit = Number(body.travel_minutes_per_visit);
    body.area = data.get("area");
    body.effective_from = data.get("effective_from");
    try {
      const card = await api("POST", "/rate-cards", { json: body });
      await rateCardsView(new URLSearchParams(area ? { area } : {}), card);
    } catch (e) { message.replaceChildren(problemBox(e)); }
  });
  return form;
}

export async function rateCardView(id) {
  const card = await api("GET", `/rate-cards/${id}`);
  show(h("h1", {}, `Rate card ${card.area} from ${card.effective_from}`),
    h("dl", { class: "facts card" }, CARD_FIELDS.map(([name, text]) => [h("dt", {}, text),
      h("dd", {}, String(card[name] ?? ""))])),
    h("h2", {}, "How the hourly rate is made"), breakdownTable(card),
    h("p", {}, h("a", { href: `#/rate-cards?area=${encodeURIComponent(card.area)}` }, "All rate cards")));
}
