// The forms that state a referral's care: a new referral (checked field by field, then "check your answers"
// before it is sourced), an amendment of one still being sourced, and a placement already made (an
// emergency placement arranged out of hours, through the placements import). While the schedule is typed,
// a live quote (`POST /quotes`) shows the weekly cost, its price lines and who pays what, and a visit under
// 30 minutes says the NICE rule beside its minutes.

import { ApiError, api, focusOn, h, show } from "./core.js";
import { addDays, formatDate, formatHours, formatMoney, labelOf, todayInLondon } from "./format.js";
import { areaLabel, areaMap, areaOptions, providerMap } from "./names.js";
import { weekTable } from "./referral.js";
import { NICE_CONDITIONS, SHORT_VISIT_MINUTES, shortVisitProblems } from "./referral-words.js";
import {
  bindForm, button, buttonGroup, checkboxes, dateField, flash, form, h2, heading, hint, link, localProblem, para,
  selectField, showProblem, simpleTable, summaryList, textField, warningText,
} from "./ui.js";
import { CLIENT_GROUPS, DAYS, SKILLS } from "./vocabulary.js";

const URGENCIES = ["routine", "crisis", "hospital_discharge"];
const CLIENT_REF = /^[A-Za-z0-9._/-]+$/;
const QUOTE_DELAY_MS = 400;
let rowsMade = 0;

// --- the weekly schedule, with the NICE rule in place ------------------------------------------------------

function visitRow(visit = {}) {
  const n = rowsMade++;
  const nice = h("p", { class: "govuk-inset-text govuk-!-margin-top-0 govuk-!-margin-bottom-2 app-nice",
    id: `visit-${n}-nice`, hidden: true }, `Under ${SHORT_VISIT_MINUTES} minutes: NICE NG21 allows it only when all `
    + "three conditions under \"Visits under 30 minutes\" hold.");
  const row = h("div", { class: "visit", "data-row-of": "visits" },
    h("div", { class: "app-inline-form" },
      selectField({ id: `visit-${n}-day`, name: "day", label: "Day", options: DAYS.map((d) => [d, labelOf(d)]),
        value: visit.day || "mon", "data-key": "day" }),
      textField({ id: `visit-${n}-start`, name: "start", label: "Start", type: "time",
        value: String(visit.start || "08:00").slice(0, 5), width: 5, "data-key": "start" }),
      textField({ id: `visit-${n}-minutes`, name: "minutes", label: "Minutes", type: "number", inputmode: "numeric",
        value: String(visit.minutes ?? 45), width: 3, "data-key": "minutes", "aria-describedby": nice.id }),
      selectField({ id: `visit-${n}-carers`, name: "carers", label: "Carers", options: [["1", "1 carer"],
        ["2", "2 carers"]], value: String(visit.carers || 1), "data-key": "carers" }),
      button(["Remove", h("span", { class: "govuk-visually-hidden" }, " this visit")], { kind: "secondary",
        type: "button", onclick: (event) => {
          const section = row.parentElement;
          row.remove();
          section.dispatchEvent(new Event("input", { bubbles: true }));
          event.stopPropagation();
        } })),
    nice);
  return row;
}

// The schedule's fields: visit rows (one at least), "Add a visit", and NICE's three conditions, shown while
// a visit is under 30 minutes. `read()` answers {visits, ticked}.
function scheduleSection(visits = [{}], justification = null) {
  const rows = h("div", { id: "visits" }, visits.map((each) => visitRow(each)));
  const ticked = NICE_CONDITIONS.filter(([key]) => justification?.[key]).map(([key]) => key);
  const nice = checkboxes({ name: "justification", id: "justification", legend: "Visits under 30 minutes (NICE NG21)",
    hint: "All three must hold for a visit under 30 minutes.", items: NICE_CONDITIONS, values: ticked, small: true,
    paths: NICE_CONDITIONS.map(([key]) => `short_visit_justification.${key}`).join(" ") });
  const read = () => ({
    visits: [...rows.querySelectorAll(".visit")].map((row) => ({
      day: row.querySelector("[name=day]").value, start: row.querySelector("[name=start]").value,
      minutes: row.querySelector("[name=minutes]").value.trim(), carers: Number(row.querySelector("[name=carers]").value),
    })),
    ticked: [...nice.querySelectorAll("input:checked")].map((box) => box.value),
  });
  const showRule = () => {
    let anyShort = false;
    rows.querySelectorAll(".visit").forEach((row) => {
      const minutes = Number(row.querySelector("[name=minutes]").value);
      const short = minutes > 0 && minutes < SHORT_VISIT_MINUTES;
      row.querySelector(".app-nice").hidden = !short;
      anyShort ||= short;
    });
    nice.hidden = !anyShort && !nice.querySelector("input:checked");
  };
  const node = h("div", { id: "schedule" },
    h2("Weekly visits"), rows,
    button("Add a visit", { kind: "secondary", type: "button", onclick: () => {
      const row = visitRow();
      rows.append(row);
      row.querySelector("select").focus();
      showRule();
    } }),
    nice);
  node.addEventListener("input", showRule);
  node.addEventListener("change", showRule);
  showRule();
  return { node, read };
}

// A visit as the API takes it (minutes as a number once typed).
const apiVisit = (visit) => ({ ...visit, minutes: Number(visit.minutes) });

function justificationOf(visits, ticked) {
  return visits.some((v) => Number(v.minutes) < SHORT_VISIT_MINUTES)
    ? Object.fromEntries(NICE_CONDITIONS.map(([key]) => [key, ticked.includes(key)])) : null;
}

// Field-level checks made before the API is asked: [{field, text}] as the API names the fields.
function scheduleProblems({ visits, ticked }) {
  const problems = [];
  visits.forEach((visit, index) => {
    if (!visit.start) problems.push({ field: `visits.${index}.start`, text: "Enter the visit's start, like 08:00" });
    const minutes = Number(visit.minutes);
    if (!visit.minutes || !Number.isInteger(minutes) || minutes <= 0 || minutes > 24 * 60) {
      problems.push({ field: `visits.${index}.minutes`, text: "Enter the visit's length in whole minutes, like 45" });
    }
  });
  if (!visits.length) problems.push({ field: "visits", text: "Add at least one visit" });
  return [...problems, ...shortVisitProblems(visits, ticked)];
}

// --- the live quote ----------------------------------------------------------------------------------------

function quotePanel() {
  const status = h("p", { class: "govuk-body", id: "quote-status", "aria-live": "polite" },
    "The weekly cost shows here once the area and the visits are filled in.");
  const figures = h("div", { id: "quote-figures" });
  const node = h("section", { class: "app-card", id: "quote", "aria-labelledby": "quote-title" },
    h("h2", { class: "govuk-heading-m", id: "quote-title" }, "Weekly cost (a quote)"), status, figures);
  let asked = 0;
  let timer = null;
  const draw = (cost) => {
    status.textContent = `Quoted: ${formatMoney(cost.weekly_cost)} a week for ${formatHours(cost.weekly_hours)}.`;
    figures.replaceChildren(quoteFacts(cost), simpleTable({ id: "quote-lines", caption: "Price lines",
      captionSize: "s", head: ["What", "Quantity", "Price", "Amount"], numeric: [1, 2, 3],
      rows: cost.price_lines.map((line) => [line.description, `${line.quantity} ${line.unit}${Number(line.quantity)
        === 1 ? "" : "s"}`, formatMoney(line.unit_price), formatMoney(line.amount)]) }));
  };
  const ask = async (body) => {
    const mine = ++asked;
    try {
      const cost = await api("POST", "/quotes", { json: body });
      if (mine === asked) draw(cost);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== asked) return;
      figures.replaceChildren();
      status.textContent = `No quote: ${error.problem.detail || error.problem.title}`;
    }
  };
  // Asks again a moment after the last change (`body` null: the draft is not complete enough to cost).
  const update = (body) => {
    clearTimeout(timer);
    if (!body) {
      asked += 1;
      figures.replaceChildren();
      status.textContent = "The weekly cost shows here once the area and the visits are filled in.";
      return;
    }
    timer = setTimeout(() => ask(body), QUOTE_DELAY_MS);
  };
  return { node, update };
}

function quoteFacts(cost) {
  return summaryList([
    ["Weekly cost", formatMoney(cost.weekly_cost)], ["Care a week", formatHours(cost.weekly_hours)],
    ["Hourly rate", formatMoney(cost.hourly_rate)], ["The council pays", formatMoney(cost.council_share)],
    ["The NHS pays", formatMoney(cost.health_share)], ["The person pays", formatMoney(cost.client_contribution)],
  ], { id: "quote-split" });
}

// What a quote is asked for the draft, or null when it is not complete enough.
function quoteBody(area, schedule, healthShare, clientRef) {
  const { visits } = schedule;
  const complete = area && visits.length && visits.every((v) => v.start && Number(v.minutes) > 0
    && Number.isInteger(Number(v.minutes)));
  if (!complete) return null;
  const share = Number(healthShare);
  return { area, visits: visits.map(apiVisit),
    funding: { health_share_percent: Number.isInteger(share) && share >= 0 && share <= 100 ? share : 0 },
    client_ref: CLIENT_REF.test(clientRef || "") ? clientRef : null };
}

// --- the parts every referral form shares ----------------------------------------------------------------

function careFields({ urgency = "routine", needs = [] } = {}) {
  return [
    selectField({ id: "urgency", label: "Urgency", value: urgency, options: URGENCIES.map((u) => [u, labelOf(u)]) }),
    checkboxes({ name: "needs", legend: "Needs", items: SKILLS.map((s) => [s, labelOf(s)]), values: needs,
      small: true }),
  ];
}

function detailsProblems(data, { pastStart = false } = {}) {
  const problems = [];
  const clientRef = String(data.get("client_ref") || "").trim();
  if (!clientRef) problems.push({ field: "client_ref", text: "Enter the client reference" });
  else if (!CLIENT_REF.test(clientRef) || clientRef.length > 50) {
    problems.push({ field: "client_ref", text: "The client reference may have only letters, digits and . _ / -" });
  }
  if (!data.get("area")) problems.push({ field: "area", text: "Select the area" });
  const start = String(data.get("start_on") || "");
  const real = /^\d{4}-\d{2}-\d{2}$/.test(start) && new Date(`${start}T00:00:00Z`).toISOString().startsWith(start);
  if (!start) problems.push({ field: "start_on", text: "Enter the start date" });
  else if (!real) problems.push({ field: "start_on", text: "The start date must be a real date" });
  else if (!pastStart && start < todayInLondon()) {
    problems.push({ field: "start_on", text: "The start date must be today or later" });
  }
  const share = Number(data.get("health_share"));
  if (!Number.isInteger(share) || share < 0 || share > 100) {
    problems.push({ field: "funding.health_share_percent", text: "The NHS share must be a whole number from 0 to 100" });
  }
  return problems;
}

// The referral as the API takes it, from the form and its schedule.
function referralBody(data, schedule) {
  const visits = schedule.visits.map(apiVisit);
  return { client_ref: String(data.get("client_ref")).trim(), area: data.get("area"),
    client_group: data.get("client_group"), needs: data.getAll("needs"), urgency: data.get("urgency"),
    start_on: data.get("start_on"), visits, short_visit_justification: justificationOf(visits, schedule.ticked),
    funding: { health_share_percent: Number(data.get("health_share") || 0) } };
}

function detailsFields(areas, { startLabel = "Start", startHint, start = addDays(todayInLondon(), 1) } = {}) {
  return [
    textField({ id: "client_ref", label: "Client reference", hint: "The council's reference, never a name",
      width: 10 }),
    selectField({ id: "area", label: "Area", options: [["", "Choose an area"], ...areas] }),
    selectField({ id: "client_group", label: "Client group", options: CLIENT_GROUPS.map((g) => [g, labelOf(g)]) }),
    dateField({ id: "start_on", label: startLabel, hint: startHint, value: start }),
    textField({ id: "health_share", label: "NHS share (%)", type: "number", value: "0", width: 3,
      inputmode: "numeric", paths: "funding.health_share_percent" }),
  ];
}

// Wires a form's live quote: every change asks for a new one (after a pause in typing).
function liveQuote(formNode, schedule, quote, fixed = {}) {
  const refresh = () => {
    const data = new FormData(formNode);
    quote.update(quoteBody(fixed.area || data.get("area"), schedule.read(), fixed.healthShare ?? data.get("health_share"),
      fixed.clientRef || String(data.get("client_ref") || "").trim()));
  };
  formNode.addEventListener("input", refresh);
  formNode.addEventListener("change", refresh);
  refresh();
}

// --- a new referral ------------------------------------------------------------------------------------------

export async function newReferralView() {
  const [areas, areaNames] = await Promise.all([areaOptions(), areaMap()]);
  const schedule = scheduleSection();
  const quote = quotePanel();
  const entry = bindForm(form({ id: "new-referral" },
    heading("New referral"),
    para("An emergency placement already made out of hours? ", link("#/referrals/record", "Record it instead"), "."),
    ...detailsFields(areas),
    ...careFields(),
    schedule.node,
    quote.node,
    button("Continue")), async (data) => {
    const problems = [...detailsProblems(data), ...scheduleProblems(schedule.read())];
    if (problems.length) throw localProblem(problems);
    await checkAnswers(entry, referralBody(data, schedule.read()), areaNames);
  });
  liveQuote(entry, schedule, quote);
  show(entry);
}

// "Check your answers" (GOV.UK's pattern): everything the referral says, each with a link back to its field,
// its quote for exactly these answers, then "Start sourcing". A refusal from the API goes back to the form with the fields marked.
async function checkAnswers(entry, body, areaNames) {
  let cost = null;
  try {
    cost = await api("POST", "/quotes", { json: { area: body.area, visits: body.visits, funding: body.funding,
      client_ref: body.client_ref } });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const change = (fieldId, what) => {
    const anchor = link("#/referrals/new", ["Change", h("span", { class: "govuk-visually-hidden" }, ` ${what}`)]);
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      show(entry);
      focusOn(entry.querySelector(`#${fieldId}`));
    });
    return anchor;
  };
  const firstVisit = entry.querySelector("#visits select")?.id || "visits";
  const submit = bindForm(form({ id: "check-answers" },
    heading("Check your answers before sourcing", "New referral"),
    summaryList([
      ["Client reference", body.client_ref, change("client_ref", "the client reference")],
      ["Area", areaLabel(areaNames, body.area), change("area", "the area")],
      ["Client group", labelOf(body.client_group), change("client_group", "the client group")],
      ["Start", formatDate(body.start_on), change("start_on", "the start date")],
      ["NHS share", `${body.funding.health_share_percent}%`, change("health_share", "the NHS share")],
      ["Urgency", labelOf(body.urgency), change("urgency", "the urgency")],
      ["Needs", body.needs.map(labelOf).join(", "), change("needs", "the needs")],
      ["Visits", `${body.visits.length} a week`, change(firstVisit, "the visits")],
      body.short_visit_justification ? ["Visits under 30 minutes", "All three NICE conditions hold",
        change("justification", "the NICE conditions")] : null,
    ], { id: "answers" }),
    weekTable("answers-week", body.visits),
    cost ? [h2("Weekly cost (a quote)"), quoteFacts(cost)] : para("No quote could be made for this schedule."),
    para("The cascade starts at once: the first offers are made when you start sourcing."),
    buttonGroup(button("Start sourcing"))), async () => {
    try {
      const created = await api("POST", "/referrals", { json: body });
      flash(`The referral of ${created.client_ref} is ${created.status === "sourcing" ? "being sourced"
        : "on the waiting list: nobody can take it now"}.`);
      location.hash = `#/referrals/${created.id}`;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      show(entry);
      showProblem(entry, error.problem);
    }
  });
  show(submit);
  focusOn(submit.querySelector("h1"));
}

// --- amending a referral still being sourced --------------------------------------------------------------

export async function amendReferralView(match) {
  const id = match[1];
  const [r, areaNames] = await Promise.all([api("GET", `/referrals/${id}`), areaMap()]);
  if (!["sourcing", "unsourced"].includes(r.status)) {
    show(heading(`Amend the referral of ${r.client_ref}`), para(`The referral is ${labelOf(r.status).toLowerCase()}`
      + ": only a referral still being sourced can be amended."), link(`#/referrals/${id}`, "Back to the referral"));
    return;
  }
  const schedule = scheduleSection(r.visits, r.short_visit_justification);
  const quote = quotePanel();
  const amend = bindForm(form({ id: "amend" },
    heading(`Amend the referral of ${r.client_ref}`, areaLabel(areaNames, r.area)),
    warningText("Open offers are withdrawn and the referral is sourced again on its new terms at once."),
    ...careFields(r),
    schedule.node,
    quote.node,
    buttonGroup(button("Amend and source again"), link(`#/referrals/${id}`, "Cancel", { id: "amend-cancel" }))),
  async (data) => {
    const read = schedule.read();
    const problems = scheduleProblems(read);
    if (problems.length) throw localProblem(problems);
    const visits = read.visits.map(apiVisit);
    const amended = await api("PATCH", `/referrals/${id}`, { json: { urgency: data.get("urgency"),
      needs: data.getAll("needs"), visits, short_visit_justification: justificationOf(visits, read.ticked) } });
    flash(`The referral of ${amended.client_ref} is amended and ${amended.status === "sourcing" ? "being sourced again"
      : "on the waiting list: nobody can take it now"}.`);
    location.hash = `#/referrals/${id}`;
  });
  liveQuote(amend, schedule, quote, { area: r.area, healthShare: r.funding?.health_share_percent ?? 0,
    clientRef: r.client_ref });
  show(amend);
}

// --- a placement already made ----------------------------------------------------------------------------

// "area: the area ZZZ is not known; start_on: ..." (an import's rejected row) as the fields it names.
function rejectionProblem(reason) {
  const errors = String(reason).split("; ").map((part) => {
    const match = part.match(/^([a-z_.0-9]+): (.*)$/s);
    return match ? { field: match[1], message: `Value error, ${match[2]}` } : { field: "", message: part };
  });
  return new ApiError({ title: "The placement was not recorded", status: 422, errors });
}

export async function recordPlacementView() {
  const [areas, providers] = await Promise.all([areaOptions(), providerMap()]);
  const schedule = scheduleSection();
  const quote = quotePanel();
  const providerOptions = [["", "Choose the provider"], ...[...providers.values()]
    .sort((a, b) => a.name.localeCompare(b.name, "en-GB")).map((p) => [p.id, p.name])];
  const record = bindForm(form({ id: "record-placement" },
    heading("Record a placement already made", "Emergency placement"),
    para("For care arranged out of hours: it is recorded as placed with the provider, its hours count against "
      + "the provider's cap and its package follows. Nobody is offered it."),
    textField({ id: "external_ref", label: "Council's placement reference", width: 10,
      hint: "Your reference for this placement: recording it again corrects it, never duplicates it" }),
    ...detailsFields(areas, { startLabel: "Care started on", start: todayInLondon(),
      startHint: "The day the care began, which may be in the past" }),
    selectField({ id: "provider_id", label: "Provider", options: providerOptions }),
    ...careFields({ urgency: "crisis" }),
    schedule.node,
    quote.node,
    button("Record the placement")), async (data) => {
    const problems = [...detailsProblems(data, { pastStart: true }), ...scheduleProblems(schedule.read())];
    if (!String(data.get("external_ref") || "").trim()) {
      problems.unshift({ field: "external_ref", text: "Enter the council's placement reference" });
    }
    if (!data.get("provider_id")) problems.push({ field: "provider_id", text: "Select the provider" });
    if (problems.length) throw localProblem(problems);
    const placement = { ...referralBody(data, schedule.read()), external_ref: String(data.get("external_ref")).trim(),
      provider_id: data.get("provider_id"), tier: null };
    const report = await api("POST", "/referrals/import", { json: { placements: [placement] } });
    if (report.rejected.length) throw rejectionProblem(report.rejected[0].reason);
    const warning = report.warnings.length ? ` ${report.warnings[0].warning}.` : "";
    flash(`The placement of ${placement.client_ref} with ${providers.get(placement.provider_id)?.name} is `
      + `${report.created ? "recorded" : "updated"}.${warning}`);
    location.hash = "#/referrals?status=placed";
  });
  liveQuote(record, schedule, quote);
  show(record, hint("Many placements at once (a council's packages at go-live) go through the placements import "
    + "in a CSV file: see the API documentation."));
}
