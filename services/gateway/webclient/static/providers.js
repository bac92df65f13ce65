// The provider registry as commissioners keep it: the list of providers, a new provider, the CQC file import
// with its row report, and each provider's page (its contracts by area and tier with caps and block hours, its
// declared capacity, its ratings over time, its embargoes with who imposed and lifted them). Every staff role
// reads these pages; the server decides who may change what.

import { api, apiAll, apiUpload, h, rerender, session, show } from "./core.js";
import { formatDate, formatDateTime, formatHours, formatMoney, labelOf, todayInLondon } from "./format.js";
import { areaLabel, areaMap, areaOptions, loadPeople, personName } from "./names.js";
import {
  bindForm, button, buttonGroup, checkboxes, confirmWithReason, dataTable, dateField, fileField, flash, form, h2,
  heading, hint, link, localProblem, para, radios, selectField, simpleTable, summaryList, tag, textArea, textField,
  warningText,
} from "./ui.js";
import { CARE_INSPECTORATE_THEMES, CLIENT_GROUPS, CQC_RATINGS, KEY_QUESTIONS, SKILLS, TIERS } from "./vocabulary.js";
import { providerQuality } from "./quality.js";

const SCOPES = [["all", "All new work"], ["area", "One area"], ["client_group", "One client group"]];
const IMPOSED_BY = [["council", "The council"], ["regulator", "The regulator"],
  ["voluntary", "The provider itself (voluntary)"]];

export const ratingText = (rating) => (rating ? `${labelOf(rating.overall)} (${labelOf(rating.regulator)}, `
  + `${formatDate(rating.published_on)})` : "No rating");

function contractText(areas, contract) {
  return `${areaLabel(areas, contract.area)}: ${labelOf(contract.tier)}`
    + (contract.weekly_hours_cap ? `, cap ${formatHours(contract.weekly_hours_cap)} a week` : "")
    + (contract.block_hours ? `, block ${formatHours(contract.block_hours)}` : "");
}

export function embargoScope(areas, embargo) {
  if (embargo.scope === "all") return "All new work";
  return embargo.scope === "area" ? `Area ${areaLabel(areas, embargo.area)}` : `Client group ${labelOf(embargo.client_group)}`;
}

// --- the list --------------------------------------------------------------------------------------------

export async function providersView(_match, params) {
  const [providers, areas] = await Promise.all([apiAll("/providers"), areaMap()]);
  const commissioner = session.has("commissioner");
  show(heading("Providers"),
    commissioner ? buttonGroup(link("#/providers/new", "Add a provider", { class: "govuk-button", role: "button",
      draggable: "false" }), link("#/providers/import", "Import the CQC file", {
      class: "govuk-button govuk-button--secondary", role: "button", draggable: "false" })) : "",
    dataTable({ id: "providers", caption: "Providers", rows: providers, csvName: "providers",
      filters: [
        { key: "area", label: "Holding a contract in", options: [...areas.values()].map((a) => [a.code,
          `${a.name} (${a.code})`]), test: (p, code) => p.contracts.some((c) => c.area === code) },
        { key: "status", label: "Status", options: ["active", "inactive", "deregistered"].map((s) => [s, labelOf(s)]),
          test: (p, value) => p.status === value },
        { key: "embargoed", label: "Embargoes", options: [["yes", "Under an embargo"], ["no", "No embargo"]],
          test: (p, value) => (p.embargoes.length > 0) === (value === "yes") },
      ],
      columns: [
        { key: "name", label: "Provider", cell: (p) => link(`#/providers/${p.id}`, p.name) },
        { key: "status", label: "Status", cell: (p) => tag(p.status), csv: (p) => labelOf(p.status) },
        { key: "rating", label: "Rating", value: (p) => (p.rating ? p.rating.quality_rank : 0),
          cell: (p) => ratingText(p.rating), csv: (p) => ratingText(p.rating) },
        { key: "contracts", label: "Contracts", value: (p) => p.contracts.map((c) => contractText(areas, c)).join("; ")
          || "No contract" },
        { key: "embargoes", label: "Embargoes", value: (p) => p.embargoes.map((e) => embargoScope(areas, e))
          .join("; "), cell: (p) => (p.embargoes.length ? [tag("red", "Embargoed"), " ",
          p.embargoes.map((e) => embargoScope(areas, e)).join("; ")] : "None") },
      ],
      chosen: { area: params.get("area") || "" } }));
}

// Every contract of every provider, one row each: who serves an area on which tier, with what cap and block.
export async function contractsView(_match, params) {
  const [providers, areas] = await Promise.all([apiAll("/providers"), areaMap()]);
  const rows = providers.flatMap((p) => p.contracts.map((c, index) => ({ ...c, id: `${p.id}-${index}`, provider: p })));
  show(heading("Contracts"),
    para("Who serves each area on which tier, with the weekly hours cap, block hours and any agreed rate. Change a "
      + "provider's contracts on its page."),
    dataTable({ id: "all-contracts", caption: "Contracts by area and tier", rows, csvName: "contracts",
      sort: { key: "area" }, chosen: { area: params.get("area") || "", tier: params.get("tier") || "" },
      filters: [
        { key: "area", label: "Area", options: [...areas.values()].map((a) => [a.code, `${a.name} (${a.code})`]),
          test: (c, code) => c.area === code },
        { key: "tier", label: "Tier", options: TIERS.map((t) => [t, labelOf(t)]), test: (c, tier) => c.tier === tier },
      ],
      columns: [
        { key: "area", label: "Area", value: (c) => `${areaLabel(areas, c.area)} ${TIERS.indexOf(c.tier)}`,
          cell: (c) => areaLabel(areas, c.area), csv: (c) => c.area },
        { key: "tier", label: "Tier", value: (c) => TIERS.indexOf(c.tier), cell: (c) => labelOf(c.tier),
          csv: (c) => c.tier },
        { key: "provider", label: "Provider", value: (c) => c.provider.name,
          cell: (c) => link(`#/providers/${c.provider.id}`, c.provider.name) },
        { key: "weekly_hours_cap", label: "Hours cap a week", value: (c) => Number(c.weekly_hours_cap ?? -1),
          cell: (c) => formatHours(c.weekly_hours_cap), csv: (c) => c.weekly_hours_cap ?? "", numeric: true },
        { key: "block_hours", label: "Block hours a week", value: (c) => Number(c.block_hours ?? -1),
          cell: (c) => formatHours(c.block_hours), csv: (c) => c.block_hours ?? "", numeric: true },
        { key: "hourly_rate", label: "Agreed rate", value: (c) => Number(c.hourly_rate ?? -1),
          cell: (c) => formatMoney(c.hourly_rate), csv: (c) => c.hourly_rate ?? "", numeric: true },
        { key: "starts_on", label: "From", cell: (c) => formatDate(c.starts_on) },
        { key: "ends_on", label: "Until", cell: (c) => (c.ends_on ? formatDate(c.ends_on) : "Open-ended"),
          csv: (c) => c.ends_on ?? "" },
      ] }));
}

// --- a new provider ------------------------------------------------------------------------------------------

function providerFields(provider = {}) {
  return [
    textField({ id: "name", label: "Name", value: provider.name, autocomplete: "organization" }),
    textField({ id: "cqc_location_id", label: "CQC location ID (optional)", value: provider.cqc_location_id,
      width: 10, hint: "For example, 1-000000001" }),
    textField({ id: "cqc_provider_id", label: "CQC provider ID (optional)", value: provider.cqc_provider_id,
      width: 10 }),
    textField({ id: "care_inspectorate_id", label: "Care Inspectorate number (optional)",
      value: provider.care_inspectorate_id, width: 10 }),
    textField({ id: "postcode", label: "Postcode (optional)", value: provider.postcode, width: 10,
      autocomplete: "postal-code" }),
    textField({ id: "local_authority", label: "Local authority (optional)", value: provider.local_authority }),
    checkboxes({ name: "skills", legend: "Specialist skills", items: SKILLS.map((s) => [s, labelOf(s)]),
      values: provider.skills || [], small: true }),
    checkboxes({ name: "client_groups", legend: "Client groups served", items: CLIENT_GROUPS.map((g) => [g,
      labelOf(g)]), values: provider.client_groups || [], small: true }),
  ];
}

const blankToNull = (value) => (String(value ?? "").trim() === "" ? null : String(value).trim());

export function newProviderView() {
  show(bindForm(form({ id: "new-provider" }, heading("Add a provider"), ...providerFields(),
    button("Add the provider")), async (data) => {
    const created = await api("POST", "/providers", { json: { name: String(data.get("name") || "").trim(),
      cqc_location_id: blankToNull(data.get("cqc_location_id")), cqc_provider_id: blankToNull(data.get("cqc_provider_id")),
      care_inspectorate_id: blankToNull(data.get("care_inspectorate_id")), postcode: blankToNull(data.get("postcode")),
      local_authority: blankToNull(data.get("local_authority")), skills: data.getAll("skills"),
      client_groups: data.getAll("client_groups") } });
    flash(`${created.name} is registered. Give it a contract so it is offered work.`);
    location.hash = `#/providers/${created.id}`;
  }));
}

// --- the CQC import ------------------------------------------------------------------------------------------

function importReport(report) {
  return [h2("What the import did", { id: "import-report" }),
    summaryList([["Providers created", String(report.created)], ["Providers updated", String(report.updated)],
      ["Rows rejected", String(report.rejected.length)]]),
    report.rejected.length ? dataTable({ id: "rejected", caption: "Rows rejected", rows: report.rejected,
      csvName: "cqc-import-rejected", columns: [
        { key: "row", label: "Row", numeric: true },
        { key: "location_id", label: "CQC location", value: (r) => r.location_id || "" },
        { key: "reason", label: "Reason" }] }) : para("Every row was read.")];
}

export function importView() {
  const progress = h("progress", { max: "100", value: "0", id: "import-progress", "aria-label": "Upload progress" });
  const status = h("p", { class: "govuk-body", role: "status", id: "import-status" });
  const report = h("div", { id: "import-result" });
  const upload = bindForm(form({ id: "cqc-import" },
    heading("Import the CQC file"),
    para("Upload the CQC care directory (CSV, with its usual headers) or CQC public-API location documents (JSON). "
      + "Importing a file again updates its providers; it never duplicates them."),
    fileField({ id: "cqc-file", name: "file", label: "The file", accept: ".csv,.json,text/csv,application/json" }),
    button("Import")), async (data) => {
    const file = data.get("file");
    if (!file || !file.name) throw localProblem([{ field: "file", text: "Choose the CQC file to import" }]);
    const type = /\.json$/i.test(file.name) || file.type === "application/json" ? "application/json" : "text/csv";
    progress.value = 0;
    status.textContent = `Uploading ${file.name}…`;
    report.replaceChildren();
    const answer = await apiUpload("/providers/import", file, type, (share) => {
      progress.value = Math.round(share * 100);
      status.textContent = share < 1 ? `Uploaded ${Math.round(share * 100)}% of ${file.name}…`
        : "Uploaded; the last rows are being imported…";
    }).finally(() => { progress.value = 100; });
    status.textContent = `Imported ${file.name}: ${answer.created} created, ${answer.updated} updated, `
      + `${answer.rejected.length} rejected.`;
    report.replaceChildren(...importReport(answer));
  });
  show(upload, h("div", { class: "govuk-form-group" }, h("label", { class: "govuk-label", for: "import-progress" },
    "Progress"), progress), status, report);
}

// --- a provider's page -----------------------------------------------------------------------------------------

function contractRow(areas, contract = {}) {
  const key = Math.random().toString(36).slice(2, 8);
  const row = h("fieldset", { class: "govuk-fieldset app-card contract", "data-row-of": "contracts" },
    h("legend", { class: "govuk-fieldset__legend govuk-fieldset__legend--s" }, "Contract"),
    h("div", { class: "app-inline-form" },
      selectField({ id: `c-${key}-area`, name: "area", label: "Area", options: areas, value: contract.area,
        "data-key": "area" }),
      selectField({ id: `c-${key}-tier`, name: "tier", label: "Tier", options: TIERS.map((t) => [t, labelOf(t)]),
        value: contract.tier || "framework", "data-key": "tier" }),
      textField({ id: `c-${key}-cap`, name: "weekly_hours_cap", label: "Hours cap a week", value: contract.weekly_hours_cap,
        width: 5, inputmode: "decimal", "data-key": "weekly_hours_cap" }),
      textField({ id: `c-${key}-block`, name: "block_hours", label: "Block hours a week", value: contract.block_hours,
        width: 5, inputmode: "decimal", "data-key": "block_hours" }),
      textField({ id: `c-${key}-rate`, name: "hourly_rate", label: "Agreed rate (£ an hour)", value: contract.hourly_rate,
        width: 5, inputmode: "decimal", "data-key": "hourly_rate" }),
      dateField({ id: `c-${key}-from`, name: "starts_on", label: "From", value: contract.starts_on || todayInLondon(),
        "data-key": "starts_on" }),
      dateField({ id: `c-${key}-until`, name: "ends_on", label: "Until (optional)", value: contract.ends_on,
        "data-key": "ends_on" })),
    button("Remove this contract", { kind: "secondary", type: "button", onclick: () => row.remove() }));
  return row;
}

// Hours as the API takes them ("120.00"), or null when left blank.
function hoursOrNull(value) {
  const text = String(value ?? "").trim();
  if (!text) return null;
  return /^\d+(\.\d{1,2})?$/.test(text) ? Number(text).toFixed(2) : text;
}

function contractsForm(provider, areas) {
  const rows = h("div", { id: "contract-rows" }, provider.contracts.map((c) => contractRow(areas, c)));
  return bindForm(form({ id: "contracts-form" },
    h2("Change contracts"),
    hint("The set below replaces the provider's contracts. A primary contract needs an hours cap; a block contract "
      + "needs block hours within its cap."),
    rows,
    button("Add a contract", { kind: "secondary", type: "button", onclick: () => rows.append(contractRow(areas)) }),
    button("Save contracts")), async () => {
    const contracts = [...rows.querySelectorAll(".contract")].map((row) => {
      const value = (name) => row.querySelector(`[name=${name}]`).value;
      return { area: value("area"), tier: value("tier"), weekly_hours_cap: hoursOrNull(value("weekly_hours_cap")),
        block_hours: hoursOrNull(value("block_hours")), hourly_rate: hoursOrNull(value("hourly_rate")),
        starts_on: value("starts_on") || null, ends_on: value("ends_on") || null };
    });
    await api("PUT", `/providers/${provider.id}/contracts`, { json: { contracts } });
    flash(`Contracts of ${provider.name} saved.`);
    await rerender();
  });
}

export function capacityForm(provider, areas, areaList) {
  const known = new Map(provider.capacity.map((c) => [c.area, c.weekly_hours]));
  const codes = [...new Set([...provider.contracts.map((c) => c.area), ...known.keys()])];
  const rows = codes.length ? codes : areaList.map(([code]) => code);
  return bindForm(form({ id: "capacity-form" },
    h2("Declare capacity"),
    hint("Hours a week the provider can take on, by area. Leave an area blank for none."),
    h("div", { class: "app-inline-form" }, rows.map((code, index) => textField({ id: `capacity-${index}`,
      name: code, label: `${areaLabel(areas, code)}, hours a week`, value: known.get(code) || "", width: 5,
      inputmode: "decimal", paths: `areas.${index}.weekly_hours` }))),
    button("Save capacity")), async (data) => {
    const declared = rows.map((code) => ({ area: code, weekly_hours: hoursOrNull(data.get(code)) }))
      .filter((row) => row.weekly_hours !== null);
    await api("PUT", `/providers/${provider.id}/capacity`, { json: { areas: declared } });
    flash(`Capacity of ${provider.name} saved.`);
    await rerender();
  });
}

function ratingForm(provider) {
  const cqc = h("div", { id: "cqc-grades" },
    selectField({ id: "overall", label: "Overall", options: CQC_RATINGS.map((r) => [r, labelOf(r)]), value: "good" }),
    h("div", { class: "app-inline-form" }, KEY_QUESTIONS.map((q) => selectField({ id: q, label: labelOf(q),
      options: [["", "Not rated"], ...CQC_RATINGS.map((r) => [r, labelOf(r)])] }))));
  const inspectorate = h("div", { id: "ci-grades", hidden: true }, hint("Grades 1 (unsatisfactory) to 6 (excellent); "
    + "the weakest theme stands for the service."),
  h("div", { class: "app-inline-form" }, CARE_INSPECTORATE_THEMES.map((theme) => textField({ id: `grade-${theme}`,
    name: `grade-${theme}`, label: labelOf(theme), width: 2, inputmode: "numeric", paths: `grades.${theme}` }))));
  const regulator = radios({ name: "regulator", legend: "Regulator", inline: true, value: "cqc",
    items: [["cqc", "CQC (England)"], ["care_inspectorate", "Care Inspectorate (Scotland)"]] });
  regulator.addEventListener("change", (event) => {
    cqc.hidden = event.target.value !== "cqc";
    inspectorate.hidden = event.target.value === "cqc";
  });
  return bindForm(form({ id: "rating-form" }, h2("Record a rating"), regulator, cqc, inspectorate,
    dateField({ id: "published_on", label: "Published on", value: todayInLondon() }),
    button("Record the rating")), async (data) => {
    const body = data.get("regulator") === "cqc"
      ? { regulator: "cqc", overall: data.get("overall"), published_on: data.get("published_on") || null,
        ...Object.fromEntries(KEY_QUESTIONS.map((q) => [q, data.get(q) || null])) }
      : { regulator: "care_inspectorate", published_on: data.get("published_on") || null,
        grades: Object.fromEntries(CARE_INSPECTORATE_THEMES.filter((t) => data.get(`grade-${t}`))
          .map((t) => [t, Number(data.get(`grade-${t}`))])) };
    await api("POST", `/providers/${provider.id}/ratings`, { json: body });
    flash(`Rating of ${provider.name} recorded.`);
    await rerender();
  });
}

function liftButton(provider, embargo, areas) {
  const lift = button("Lift", { kind: "secondary", type: "button", "data-embargo": embargo.id });
  lift.addEventListener("click", () => confirmWithReason(lift, {
    title: `Lift the embargo on ${provider.name}`,
    facts: [["Scope", embargoScope(areas, embargo)], ["Imposed by", labelOf(embargo.imposed_by)],
      ["Reason it was imposed", embargo.reason]],
    warning: "Brokerage offers this provider the work the embargo covered again at once.",
    reasonLabel: "Why it is lifted", confirmText: "Lift the embargo",
    confirm: async ({ detail }) => {
      await api("POST", `/providers/${provider.id}/embargoes/${embargo.id}/lift`, { json: { reason: detail } });
      flash(`The embargo on ${provider.name} is lifted.`);
      await rerender();
    } }));
  return lift;
}

function embargoesTable(provider, history, areas, commissioner) {
  return dataTable({ id: "embargoes", caption: "Embargoes", rows: history, csvName: "embargoes", pageSize: 10,
    empty: "No embargo, ever.", columns: [
      { key: "scope", label: "Scope", value: (e) => embargoScope(areas, e) },
      { key: "imposed_by", label: "Imposed by", value: (e) => `${labelOf(e.imposed_by)}, recorded by `
        + `${e.recorded_by ? personName(e.recorded_by) : "the risk matrix's escalation"}` },
      { key: "starts_on", label: "From", cell: (e) => formatDate(e.starts_on) },
      { key: "ends_on", label: "Until", cell: (e) => formatDate(e.ends_on) },
      { key: "reason", label: "Reason" },
      { key: "status", label: "Status", value: (e) => e.status, cell: (e) => [tag(e.status),
        e.lift_suggested ? para("Quality suggests lifting it") : "",
        e.lifted_at ? para(`Lifted ${formatDateTime(e.lifted_at)} by ${personName(e.lifted_by)}`
          + (e.lift_reason ? `: ${e.lift_reason}` : "")) : ""],
      csv: (e) => e.status + (e.lifted_at ? ` ${e.lifted_at} by ${personName(e.lifted_by)}` : "") },
      { key: "action", label: "Action", sortable: false, cell: (e) => (commissioner && e.status === "open"
        ? liftButton(provider, e, areas) : ""), csv: () => "" },
    ] });
}

function embargoForm(provider, areas, areaList) {
  const scope = radios({ name: "scope", legend: "Scope", items: SCOPES, value: "all" });
  const areaField = selectField({ id: "embargo-area", name: "area", label: "Area", options: areaList });
  const groupField = selectField({ id: "embargo-group", name: "client_group", label: "Client group",
    options: CLIENT_GROUPS.map((g) => [g, labelOf(g)]) });
  const narrow = () => {
    const chosen = scope.querySelector("input:checked").value;
    areaField.hidden = chosen !== "area";
    groupField.hidden = chosen !== "client_group";
  };
  scope.addEventListener("change", narrow);
  narrow();
  const embargo = form({ id: "embargo" },
    h2("Impose an embargo"), scope, areaField, groupField,
    selectField({ id: "imposed_by", label: "Imposed by", options: IMPOSED_BY, value: "council" }),
    dateField({ id: "starts_on", label: "From", value: todayInLondon() }),
    dateField({ id: "ends_on", label: "Until (optional)" }),
    textArea({ id: "embargo-reason", name: "reason", label: "Reason" }),
    button("Impose embargo", { kind: "warning" }));
  return bindForm(embargo, async (data) => {
    const chosen = data.get("scope");
    const body = { scope: chosen, imposed_by: data.get("imposed_by"), starts_on: data.get("starts_on") || null,
      ends_on: data.get("ends_on") || null, reason: String(data.get("reason") || "").trim(),
      area: chosen === "area" ? data.get("area") : null,
      client_group: chosen === "client_group" ? data.get("client_group") : null };
    if (!body.reason) throw localProblem([{ field: "reason", text: "Enter why the embargo is imposed" }]);
    confirmWithReason(embargo, { title: `Impose an embargo on ${provider.name}`, needsReason: false,
      facts: [["Scope", embargoScope(areas, body)], ["Imposed by", labelOf(body.imposed_by)],
        ["From", formatDate(body.starts_on)], ["Until", body.ends_on ? formatDate(body.ends_on) : "Until lifted"],
        ["Reason", body.reason]],
      warning: "Brokerage stops offering this provider the work the embargo covers at once.",
      confirmText: "Impose the embargo", refusalsOn: embargo,
      confirm: async () => {
        await api("POST", `/providers/${provider.id}/embargoes`, { json: body });
        flash(`An embargo is imposed on ${provider.name}.`);
        await rerender();
      } });
  });
}

function ratingsTable(ratings) {
  return dataTable({ id: "ratings", caption: "Ratings over time", rows: ratings, csvName: "ratings", pageSize: 10,
    empty: "No rating recorded.", sort: { key: "published_on", descending: true }, columns: [
      { key: "published_on", label: "Published", cell: (r) => formatDate(r.published_on) },
      { key: "regulator", label: "Regulator", value: (r) => labelOf(r.regulator) },
      { key: "overall", label: "Overall", value: (r) => r.quality_rank, cell: (r) => tag(r.overall),
        csv: (r) => labelOf(r.overall) },
      { key: "questions", label: "Key questions or grades", sortable: false, value: (r) => (r.grades
        ? Object.entries(r.grades).map(([theme, grade]) => `${labelOf(theme)} ${grade}`)
        : KEY_QUESTIONS.filter((q) => r[q]).map((q) => `${labelOf(q)}: ${labelOf(r[q])}`)).join("; ") },
      { key: "recorded_at", label: "Recorded", cell: (r) => formatDateTime(r.recorded_at) },
      { key: "recorded_by", label: "Recorded by", value: (r) => (r.recorded_by ? personName(r.recorded_by) : "") },
    ] });
}

export async function providerView(match) {
  const id = match[1];
  const [provider, embargoes, ratings, areas, areaList] = await Promise.all([api("GET", `/providers/${id}`),
    apiAll(`/providers/${id}/embargoes`), apiAll(`/providers/${id}/ratings`), areaMap(), areaOptions()]);
  await loadPeople([...embargoes.flatMap((e) => [e.lifted_by, e.recorded_by]), ...ratings.map((r) => r.recorded_by)]);
  const commissioner = session.has("commissioner");
  const capacityWriter = commissioner || session.has("broker");
  const contracts = provider.contracts.map((c) => [areaLabel(areas, c.area), tag(c.tier, labelOf(c.tier)),
    c.weekly_hours_cap ? formatHours(c.weekly_hours_cap) : "", c.block_hours ? formatHours(c.block_hours) : "",
    c.hourly_rate ? formatMoney(c.hourly_rate) : "", formatDate(c.starts_on), c.ends_on ? formatDate(c.ends_on) : ""]);
  show(heading(provider.name, "Provider"), para(tag(provider.status)),
    summaryList([
      ["Rating", ratingText(provider.rating)], ["CQC location", provider.cqc_location_id || "None"],
      ["CQC provider", provider.cqc_provider_id || "None"], ["Care Inspectorate", provider.care_inspectorate_id || "None"],
      ["Postcode", provider.postcode || "None"], ["Local authority", provider.local_authority || "None"],
      ["Skills", provider.skills.map(labelOf).join(", ")],
      ["Client groups", provider.client_groups.map(labelOf).join(", ")],
    ], { id: "provider-facts" }),
    provider.lift_suggested ? warningText("Quality cleared the escalation behind an embargo: it may be lifted.") : "",
    simpleTable({ id: "contracts", caption: "Contracts", head: ["Area", "Tier", "Hours cap a week", "Block hours",
      "Agreed rate", "From", "Until"], rows: contracts, numeric: [2, 3, 4],
    empty: "No contract: this provider is offered no work." }),
    commissioner ? contractsForm(provider, areaList) : "",
    simpleTable({ id: "capacity", caption: "Capacity declared", head: ["Area", "Hours a week"],
      rows: provider.capacity.map((c) => [areaLabel(areas, c.area), formatHours(c.weekly_hours)]), numeric: [1],
      empty: "No capacity declared." }),
    capacityWriter ? capacityForm(provider, areas, areaList) : "",
    ratingsTable(ratings),
    commissioner ? ratingForm(provider) : "",
    embargoesTable(provider, embargoes, areas, commissioner),
    commissioner ? embargoForm(provider, areas, areaList) : "",
    await providerQuality(provider));
}
