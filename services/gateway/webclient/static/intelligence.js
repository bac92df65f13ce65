// What quality officers record about providers: concerns (complaints, safeguarding, missed and late visits),
// contract monitoring visits with a finding per area checked, service-user feedback, and action plans with
// actions and due dates. Each record counts in the provider's risk at once. The provider chosen stays chosen
// after a save, and no record can be dated in the future.

import { api, apiAll, h, rerender, session, show } from "./core.js";
import { formatDate, formatDateTime, labelOf, todayInLondon } from "./format.js";
import { loadPeople, personName, providerMap } from "./names.js";
import {
  bindForm, button, dataTable, dateField, flash, form, h2, heading, hint, link, localProblem, para, radios,
  selectField, simpleTable, summaryList, tag, textArea, textField,
} from "./ui.js";

const KINDS = ["complaint", "safeguarding", "missed_visit", "late_visit", "other"];
const SEVERITIES = ["low", "medium", "high"];
const AREAS = ["staff_vetting", "training", "care_plans", "complaints_handling", "medication"];
const OUTCOMES = ["good", "requires_improvement", "inadequate"];
const ASPECTS = ["overall", "punctuality", "continuity", "dignity", "communication"];
const ACTION_STATUSES = ["open", "in_progress", "done", "cancelled"];

// A date that must not be after today (London): a local refusal, said beside the field.
function notInFuture(value, field, what) {
  if (value && value > todayInLondon()) {
    throw localProblem([{ field, text: `${what} must be today or in the past` }]);
  }
  return value || null;
}

function providerSelect(providers, chosen, { id = "record-provider", label = "Provider", none = "Choose a provider" }
  = {}) {
  return selectField({ id, name: "provider_id", label, value: chosen,
    options: [["", none], ...[...providers.values()].map((p) => [p.id, p.name])] });
}

// One kind of record about providers: a filter by provider, the form to record one (the provider kept), and
// the records with who recorded each, by name.
async function recordsPage({ title, path, route, caption, fields, body, columns, done }, params) {
  const chosen = params.get("provider_id") || "";
  const [providers, records] = await Promise.all([providerMap(), apiAll(path, { provider_id: chosen })]);
  await loadPeople(records.map((r) => r.recorded_by));
  const providerName = (id) => providers.get(id)?.name || "a provider no longer registered";
  const filter = providerSelect(providers, chosen, { id: "records-filter", label: "Show records about",
    none: "All providers" });
  filter.addEventListener("change", (event) => {
    location.hash = event.target.value ? `#/${route}?provider_id=${event.target.value}` : `#/${route}`;
  });
  const writer = session.has("quality_officer");
  show(heading(title),
    filter,
    writer ? bindForm(form({ id: `new-${route}` }, h2(`Record ${caption}`), providerSelect(providers, chosen),
      ...fields(), button(`Record ${caption}`)), async (data) => {
      const record = await api("POST", path, { json: { provider_id: data.get("provider_id") || null, ...body(data) } });
      flash(`${done} about ${providerName(record.provider_id)}. `, link(`#/providers/${record.provider_id}`,
        "See its risk"));
      const target = `#/${route}?provider_id=${record.provider_id}`;
      if (location.hash === target) await rerender(); else location.hash = target;
    }) : "",
    dataTable({ id: route, caption: `${title} recorded`, csvName: route, sort: { key: "created_at", descending: true },
      rows: records, columns: [
        { key: "provider_id", label: "Provider", value: (r) => providerName(r.provider_id),
          cell: (r) => link(`#/providers/${r.provider_id}`, providerName(r.provider_id)) },
        ...columns,
        { key: "recorded_by", label: "Recorded by", value: (r) => personName(r.recorded_by) },
        { key: "created_at", label: "Recorded", cell: (r) => formatDateTime(r.created_at) },
      ] }));
}

export function concernsView(_match, params) {
  return recordsPage({ title: "Concerns", path: "/concerns", route: "concerns", caption: "a concern",
    done: "Concern recorded",
    fields: () => [
      selectField({ id: "kind", label: "Kind", options: KINDS.map((k) => [k, labelOf(k)]), value: "complaint" }),
      radios({ name: "severity", legend: "Severity", items: SEVERITIES.map((s) => [s, labelOf(s)]), value: "medium",
        inline: true }),
      dateField({ id: "occurred_on", label: "Date it happened", hint: "Today when left blank; never in the future" }),
      textArea({ id: "summary", label: "Summary", hint: "What happened. No names of people receiving care.",
        required: "Enter a summary of the concern" }),
    ],
    body: (data) => ({ kind: data.get("kind"), severity: data.get("severity"), summary: data.get("summary"),
      package_id: null, occurred_on: notInFuture(data.get("occurred_on"), "occurred_on", "The date it happened") }),
    columns: [
      { key: "occurred_on", label: "Happened", cell: (r) => formatDate(r.occurred_on) },
      { key: "kind", label: "Kind", value: (r) => labelOf(r.kind) },
      { key: "severity", label: "Severity", value: (r) => SEVERITIES.indexOf(r.severity), cell: (r) => tag(r.severity),
        csv: (r) => r.severity },
      { key: "summary", label: "Summary" },
    ] }, params);
}

const findingsText = (visit) => visit.findings.map((f) => `${labelOf(f.area)}: ${labelOf(f.outcome)}`
  + (f.notes ? ` (${f.notes})` : "")).join("; ");

export function monitoringVisitsView(_match, params) {
  return recordsPage({ title: "Monitoring visits", path: "/monitoring-visits", route: "monitoring-visits",
    caption: "a monitoring visit", done: "Monitoring visit recorded",
    fields: () => [
      dateField({ id: "visited_on", label: "Date of the visit", value: todayInLondon() }),
      textArea({ id: "visit-summary", name: "summary", label: "Summary (optional)" }),
      h2("Findings"), hint("For each area checked, its outcome; leave areas not checked as they are."),
      AREAS.map((area, index) => h("div", { class: "app-card" },
        radios({ name: `outcome-${area}`, id: `outcome-${area}`, legend: labelOf(area), inline: true, small: true,
          items: [["", "Not checked"], ...OUTCOMES.map((o) => [o, labelOf(o)])], value: "",
          paths: `findings.${index}.outcome` }),
        textField({ id: `notes-${area}`, name: `notes-${area}`, label: `Notes on ${labelOf(area).toLowerCase()}`,
          paths: `findings.${index}.notes` }))),
    ],
    body: (data) => {
      const findings = AREAS.filter((area) => data.get(`outcome-${area}`)).map((area) => ({ area,
        outcome: data.get(`outcome-${area}`), notes: data.get(`notes-${area}`) || "" }));
      if (!findings.length) throw localProblem([{ field: `outcome-${AREAS[0]}`, text: "Record the outcome of at least one area checked" }]);
      return { visited_on: notInFuture(data.get("visited_on"), "visited_on", "The date of the visit"),
        summary: data.get("summary") || "", findings };
    },
    columns: [
      { key: "visited_on", label: "Visited", cell: (r) => formatDate(r.visited_on) },
      { key: "findings", label: "Findings", value: findingsText },
      { key: "summary", label: "Summary" },
    ] }, params);
}

export function feedbackView(_match, params) {
  return recordsPage({ title: "Feedback", path: "/feedback", route: "feedback", caption: "feedback",
    done: "Feedback recorded",
    fields: () => [
      dateField({ id: "received_on", label: "Date received", hint: "Today when left blank" }),
      hint("Scores from 1 (very poor) to 5 (excellent); leave out what the person did not score."),
      h("div", { class: "app-inline-form" }, ASPECTS.map((aspect) => selectField({ id: `score-${aspect}`,
        name: `score-${aspect}`, label: labelOf(aspect), paths: `scores.${aspect} scores`,
        options: [["", "Not scored"], ...[1, 2, 3, 4, 5].map((n) => [String(n), String(n)])] }))),
      textArea({ id: "comments", label: "Comments (optional)" }),
    ],
    body: (data) => ({ received_on: notInFuture(data.get("received_on"), "received_on", "The date received"),
      package_id: null, comments: data.get("comments") || "",
      scores: Object.fromEntries(ASPECTS.filter((a) => data.get(`score-${a}`)).map((a) => [a,
        Number(data.get(`score-${a}`))])) }),
    columns: [
      { key: "received_on", label: "Received", cell: (r) => formatDate(r.received_on) },
      { key: "scores", label: "Scores", value: (r) => Object.entries(r.scores).map(([a, n]) => `${labelOf(a)} ${n}`)
        .join(", ") },
      { key: "comments", label: "Comments" },
    ] }, params);
}

// --- action plans ------------------------------------------------------------------------------------------

const overdueCount = (plan) => plan.actions.filter((a) => a.overdue).length;

export async function actionPlansView(_match, params) {
  const chosen = params.get("provider_id") || "";
  const [providers, plans] = await Promise.all([providerMap(), apiAll("/action-plans", { provider_id: chosen })]);
  const providerName = (id) => providers.get(id)?.name || "a provider no longer registered";
  show(heading("Action plans"),
    session.has("quality_officer") ? link(`#/action-plans/new${chosen ? `?provider_id=${chosen}` : ""}`,
      "Start an action plan", { class: "govuk-button", role: "button", draggable: "false" }) : "",
    dataTable({ id: "action-plans", caption: "Action plans", rows: plans, csvName: "action-plans",
      sort: { key: "created_at", descending: true },
      filters: [{ key: "status", label: "Status", options: [["open", "Open"], ["closed", "Closed"]],
        test: (p, value) => p.status === value }, { key: "overdue", label: "Overdue actions",
        options: [["yes", "With overdue actions"]], test: (p) => overdueCount(p) > 0 }],
      columns: [
        { key: "title", label: "Plan", cell: (p) => link(`#/action-plans/${p.id}`, p.title) },
        { key: "provider_id", label: "Provider", value: (p) => providerName(p.provider_id) },
        { key: "status", label: "Status", cell: (p) => tag(p.status), csv: (p) => p.status },
        { key: "actions", label: "Actions", value: (p) => p.actions.length, numeric: true },
        { key: "overdue", label: "Overdue", value: overdueCount, cell: (p) => (overdueCount(p)
          ? tag("overdue", `${overdueCount(p)} overdue`) : "None"), csv: overdueCount },
        { key: "created_at", label: "Started", cell: (p) => formatDate(p.created_at) },
      ] }));
}

function actionRow(index) {
  return h("fieldset", { class: "govuk-fieldset app-card action", "data-row-of": "actions" },
    h("legend", { class: "govuk-fieldset__legend govuk-fieldset__legend--s" }, "Action"),
    textArea({ id: `action-${index}-description`, name: "description", label: "What is to be done", rows: 2,
      "data-key": "description" }),
    h("div", { class: "app-inline-form" },
      textField({ id: `action-${index}-owner`, name: "owner", label: "Who does it", "data-key": "owner" }),
      dateField({ id: `action-${index}-due`, name: "due_on", label: "Due by", "data-key": "due_on" })));
}

export async function newActionPlanView(_match, params) {
  const providers = await providerMap();
  const actions = h("div", { id: "actions" });
  let added = 0;
  const addAction = () => { actions.append(actionRow(added)); added += 1; };
  addAction();
  show(bindForm(form({ id: "new-action-plan" }, heading("Start an action plan"),
    providerSelect(providers, params.get("provider_id") || "", { id: "plan-provider" }),
    textField({ id: "plan-title", name: "title", label: "Title" }),
    textArea({ id: "plan-reason", name: "reason", label: "Why (optional)" }),
    h2("Actions"), actions,
    button("Add another action", { kind: "secondary", type: "button", onclick: addAction }),
    button("Start the plan")), async (data) => {
    const plan = await api("POST", "/action-plans", { json: { provider_id: data.get("provider_id") || null,
      title: data.get("title"), reason: data.get("reason") || "",
      actions: [...actions.querySelectorAll(".action")].map((row) => ({
        description: row.querySelector("[name=description]").value, owner: row.querySelector("[name=owner]").value,
        due_on: row.querySelector("[name=due_on]").value || null })) } });
    const overdue = overdueCount(plan);
    flash(`Action plan "${plan.title}" started` + (overdue ? `; ${overdue} of its actions are overdue and count in `
      + "the provider's risk." : "."));
    location.hash = `#/action-plans/${plan.id}`;
  }));
}

function statusForm(plan, action) {
  if (action.status === "done" || action.status === "cancelled") return "";
  return bindForm(form({ class: "app-inline-form", "aria-label": `Change the status of ${action.description}` },
    selectField({ id: `status-${action.id}`, name: "status", label: "Status", value: action.status,
      options: ACTION_STATUSES.map((s) => [s, labelOf(s)]) }),
    button("Save", { kind: "secondary" })), async (data) => {
    await api("PATCH", `/action-plans/${plan.id}/actions/${action.id}`, { json: { status: data.get("status") } });
    flash(`The action is now ${labelOf(data.get("status")).toLowerCase()}.`);
    await rerender();
  });
}

export async function actionPlanView(match) {
  const [plan, providers] = await Promise.all([api("GET", `/action-plans/${match[1]}`), providerMap()]);
  await loadPeople([plan.created_by]);
  const quality = session.has("quality_officer");
  show(heading(plan.title, "Action plan"),
    summaryList([["Provider", link(`#/providers/${plan.provider_id}`, providers.get(plan.provider_id)?.name
      || "a provider no longer registered")], ["Status", tag(plan.status)], ["Why", plan.reason || "Not given"],
    ["Started", `${formatDateTime(plan.created_at)} by ${personName(plan.created_by)}`]]),
    simpleTable({ id: "actions", caption: "Actions", head: ["Action", "Who", "Due", "Status",
      ...(quality ? ["Change"] : [])], rows: plan.actions.map((a) => [a.description, a.owner, formatDate(a.due_on),
      [tag(a.status), a.overdue ? [" ", tag("overdue", "Overdue")] : ""], ...(quality ? [statusForm(plan, a)] : [])]) }),
    para(link(`#/action-plans?provider_id=${plan.provider_id}`, "All action plans of this provider")));
}
