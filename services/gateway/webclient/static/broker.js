// The broker's screens besides the queue (queue.js): each referral's facts and cascade history, a direct award
// with a reason, and a new referral. They speak only the public API. (Issue 12 takes them further: the week
// grid, amend, quotes.)

import { api, h, rerender, show } from "./core.js";
import { addDays, formatDate, formatDateTime, formatHours, labelOf, todayInLondon } from "./format.js";
import { areaLabel, areaMap, areaOptions, providerMap } from "./names.js";
import { scheduleText } from "./packages.js";
import { CLIENT_GROUPS, SKILLS, DAYS } from "./vocabulary.js";
import {
  bindForm, button, buttonGroup, checkboxes, confirmWithReason, dateField, flash, form, h2, heading,
  link, para, selectField, simpleTable, summaryList, tag, textField,
} from "./ui.js";

export async function referralView(match) {
  const id = match[1];
  const [r, providers, areas] = await Promise.all([api("GET", `/referrals/${id}`), providerMap(), areaMap()]);
  const open = r.status === "sourcing" || r.status === "unsourced";
  const actions = h("div", { id: "referral-actions" });
  if (open) {
    const cancel = button("Cancel referral", { kind: "warning", type: "button", id: "cancel-referral" });
    cancel.addEventListener("click", () => confirmWithReason(cancel, { title: `Cancel the referral of ${r.client_ref}`,
      warning: "Open offers are withdrawn and nobody is offered this care again.", needsReason: false,
      confirmText: "Cancel the referral", confirm: async () => {
        await api("POST", `/referrals/${id}/cancel`);
        flash(`The referral of ${r.client_ref} is cancelled.`);
        await rerender();
      } }));
    const retry = button("Run the cascade again", { kind: "secondary", type: "button", onclick: async () => {
      await api("POST", `/referrals/${id}/retry`);
      flash("The cascade ran again.");
      await rerender();
    } });
    actions.append(buttonGroup(retry, cancel), awardForm(id, providers));
  }
  const history = (r.history || []).map((e) => [formatDateTime(e.at), tag(e.event),
    e.provider_name || (e.provider_id && providers.get(e.provider_id)?.name) || "", e.tier ? labelOf(e.tier) : "",
    e.reason || e.detail || ""]);
  show(heading(`Referral ${r.client_ref}`), para(tag(r.status)),
    summaryList([
      ["Area", areaLabel(areas, r.area)], ["Client group", labelOf(r.client_group)],
      ["Needs", (r.needs || []).map(labelOf).join(", ")], ["Urgency", tag(r.urgency)],
      ["Start", formatDate(r.start_on)], ["Care a week", formatHours(r.weekly_hours)],
      ["Visits", h("ul", { class: "govuk-list" }, (r.visits || []).map((v) => h("li", {}, scheduleText(v))))],
      ["Placed with", r.placed_with ? providers.get(r.placed_with)?.name || "" : "Not placed"],
    ]),
    actions,
    simpleTable({ id: "history", caption: "Cascade history", head: ["When", "What", "Provider", "Tier", "Detail"],
      rows: history, empty: "Nothing has happened yet." }));
}

function awardForm(id, providers) {
  const options = [["", "Choose a provider"], ...[...providers.values()].map((p) => [p.id, p.name])];
  return bindForm(form({ id: "award" },
    h2("Award directly"),
    selectField({ id: "award-provider", name: "provider_id", label: "Provider", options }),
    textField({ id: "award-reason", name: "reason", label: "Reason for the direct award" }),
    button("Award directly", { kind: "secondary" })), async (data) => {
    await api("POST", `/referrals/${id}/award`, { json: { provider_id: data.get("provider_id") || null,
      reason: data.get("reason") } });
    flash("The referral is placed by direct award.");
    await rerender();
  });
}

function visitRow(index) {
  const row = h("div", { class: "app-inline-form visit", "data-row-of": "visits" },
    selectField({ id: `visit-${index}-day`, name: "day", label: "Day", options: DAYS.map((d) => [d, labelOf(d)]),
      "data-key": "day" }),
    textField({ id: `visit-${index}-start`, name: "start", label: "Start", type: "time", value: "08:00",
      width: 5, "data-key": "start" }),
    textField({ id: `visit-${index}-minutes`, name: "minutes", label: "Minutes", type: "number", value: "45",
      width: 3, inputmode: "numeric", "data-key": "minutes", "data-types": "short-visit" }),
    selectField({ id: `visit-${index}-carers`, name: "carers", label: "Carers", options: [["1", "1 carer"],
      ["2", "2 carers"]], "data-key": "carers" }),
    button("Remove", { kind: "secondary", type: "button", onclick: () => row.remove() }));
  return row;
}

const JUSTIFICATIONS = [["worker_known", "The care worker is known to the person"],
  ["part_of_wider_package", "The visit is part of a wider package of support"],
  ["time_limited_task", "It allows enough time for specific time-limited tasks or a safe and well check"]];

export async function newReferralView() {
  const areas = await areaOptions();
  const visits = h("div", { id: "visits" });
  let added = 0;
  const addVisit = () => { visits.append(visitRow(added)); added += 1; };
  addVisit();
  show(bindForm(form({ id: "new-referral" },
    heading("New referral"),
    textField({ id: "client_ref", label: "Client reference", hint: "The council's reference, never a name",
      width: 10 }),
    selectField({ id: "area", label: "Area", options: areas }),
    selectField({ id: "client_group", label: "Client group", options: CLIENT_GROUPS.map((g) => [g, labelOf(g)]) }),
    selectField({ id: "urgency", label: "Urgency", options: ["routine", "crisis", "hospital_discharge"]
      .map((u) => [u, labelOf(u)]) }),
    dateField({ id: "start_on", label: "Start", value: addDays(todayInLondon(), 1) }),
    textField({ id: "health_share", label: "NHS share (%)", type: "number", value: "0", width: 3,
      paths: "funding.health_share_percent" }),
    checkboxes({ name: "needs", legend: "Needs", items: SKILLS.map((s) => [s, labelOf(s)]), small: true }),
    h2("Weekly visits"), visits,
    button("Add a visit", { kind: "secondary", type: "button", onclick: addVisit }),
    checkboxes({ name: "justification", id: "justification", legend: "Visits under 30 minutes (NICE NG21): all three "
      + "must hold", items: JUSTIFICATIONS, small: true,
    paths: JUSTIFICATIONS.map(([key]) => `short_visit_justification.${key}`).join(" ") }),
    button("Start sourcing")), async (data) => {
    const rows = [...visits.querySelectorAll(".visit")].map((row) => ({
      day: row.querySelector("[name=day]").value, start: row.querySelector("[name=start]").value,
      minutes: Number(row.querySelector("[name=minutes]").value),
      carers: Number(row.querySelector("[name=carers]").value) }));
    const ticked = data.getAll("justification");
    const created = await api("POST", "/referrals", { json: {
      client_ref: data.get("client_ref"), area: data.get("area"), client_group: data.get("client_group"),
      needs: data.getAll("needs"), urgency: data.get("urgency"), start_on: data.get("start_on"), visits: rows,
      short_visit_justification: rows.some((v) => v.minutes < 30)
        ? Object.fromEntries(JUSTIFICATIONS.map(([key]) => [key, ticked.includes(key)])) : null,
      funding: { health_share_percent: Number(data.get("health_share") || 0) } } });
    location.hash = `#/referrals/${created.id}`;
  }));
}
