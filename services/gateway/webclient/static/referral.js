// One referral as a broker works on it: its facts, its weekly schedule as a week grid, its cascade history as
// a timeline in plain words, and what a broker may do while it is open: run the cascade again, amend it,
// cancel it with a reason, or award it directly, choosing from the providers the cascade finds eligible first
// and confirming, with the rule named, an award to one it would skip.

import { api, h, rerender, show } from "./core.js";
import { formatDate, formatDateTime, formatHours, labelOf } from "./format.js";
import { areaLabel, areaMap, loadPeople, personName, providerMap } from "./names.js";
import {
  CANCEL_REASONS, DAY_ORDER, explanation, historySentence, weekGrid,
} from "./referral-words.js";
import {
  bindForm, button, buttonGroup, confirmWithReason, detailsBox, flash, form, h2, heading, hint, link, localProblem,
  para,
  radios, summaryList, tag, textArea,
} from "./ui.js";

const OPEN = ["sourcing", "unsourced"];

// The weekly schedule as a table: days as columns, parts of the day as rows (UI.md: a real table, read
// cell by cell with its headers). Nothing in it is visually hidden: such text is positioned outside the
// region that scrolls the table, and would widen the page at 390 px.
export function weekTable(id, visits, caption = "Weekly schedule") {
  const rows = weekGrid(visits);
  const cellClass = "govuk-table__cell";
  return h("div", { class: "app-table-wrapper", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", { class: "govuk-table", id },
      h("caption", { class: "govuk-table__caption govuk-table__caption--m" }, caption),
      h("thead", { class: "govuk-table__head" }, h("tr", { class: "govuk-table__row" },
        h("td", { class: "govuk-table__header" }),
        DAY_ORDER.map((day) => h("th", { scope: "col", class: "govuk-table__header" }, labelOf(day))))),
      h("tbody", { class: "govuk-table__body" }, rows.length ? rows.map((row) => h("tr", { class: "govuk-table__row" },
        h("th", { scope: "row", class: "govuk-table__header" }, row.label),
        row.days.map((cell) => h("td", { class: cellClass }, cell.length
          ? h("ul", { class: "govuk-list govuk-!-font-size-16 govuk-!-margin-bottom-0" },
            cell.map((text) => h("li", {}, text)))
          : ""))))
        : h("tr", { class: "govuk-table__row" }, h("td", { class: cellClass, colspan: 8 }, "No visits.")))));
}

// The history as a timeline, oldest first: when (and who asked, for a broker's step), and what happened in
// words.
function timeline(history, providers) {
  if (!history.length) return para("Nothing has happened yet.");
  return h("ol", { class: "govuk-list app-timeline", id: "history" }, history.map((entry) => h("li", {
    class: "govuk-!-margin-bottom-3", "data-event": entry.event },
  h("span", { class: "govuk-body-s govuk-!-margin-bottom-0 govuk-!-display-block" },
    h("time", { datetime: entry.at }, formatDateTime(entry.at)), entry.actor ? `, by ${personName(entry.actor)}` : ""),
  h("span", { class: "govuk-body govuk-!-margin-bottom-0" },
    historySentence(entry, entry.provider_id ? providers.get(entry.provider_id)?.name : "")))));
}

export async function referralView(match) {
  const id = match[1];
  const [r, providers, areas] = await Promise.all([api("GET", `/referrals/${id}`), providerMap(), areaMap()]);
  await loadPeople((r.history || []).map((entry) => entry.actor));
  const open = OPEN.includes(r.status);
  const placedWith = r.placed_with ? providers.get(r.placed_with)?.name || "a provider no longer registered" : null;
  show(heading(`Referral ${r.client_ref}`), para(tag(r.status)),
    summaryList([
      ["Area", areaLabel(areas, r.area)], ["Client group", labelOf(r.client_group)],
      ["Needs", (r.needs || []).map(labelOf).join(", ")], ["Urgency", tag(r.urgency)],
      ["Start", formatDate(r.start_on)], ["Care a week", formatHours(r.weekly_hours)],
      ["NHS share", `${r.funding?.health_share_percent ?? 0}%`],
      ["Placed with", placedWith || "Not placed"],
      r.external_ref ? ["Council's placement reference", r.external_ref] : null,
      ["Referred", formatDateTime(r.created_at)],
    ]),
    weekTable("week", r.visits || []),
    open ? await actions(r, providers) : "",
    h2("What has happened"), timeline(r.history || [], providers));
}

async function actions(r, providers) {
  const retry = button("Run the cascade again", { kind: "secondary", type: "button", id: "retry-referral",
    onclick: async () => {
      await api("POST", `/referrals/${r.id}/retry`);
      flash("The cascade ran again.");
      await rerender();
    } });
  const cancel = button("Cancel referral", { kind: "warning", type: "button", id: "cancel-referral" });
  cancel.addEventListener("click", () => confirmWithReason(cancel, { title: `Cancel the referral of ${r.client_ref}`,
    warning: "Open offers are withdrawn and nobody is offered this care again.", reasons: CANCEL_REASONS,
    reasonLabel: "Reason for cancelling", confirmText: "Cancel the referral", confirm: async ({ reason, detail }) => {
      if (reason === "other" && !detail) throw localProblem([{ field: "detail", text: "Say why it is cancelled" }]);
      await api("POST", `/referrals/${r.id}/cancel`, { json: { reason, detail } });
      flash(`The referral of ${r.client_ref} is cancelled.`);
      await rerender();
    } }));
  const eligibility = await api("GET", `/referrals/${r.id}/eligibility`);
  return h("div", { id: "referral-actions" },
    h2("Change this referral"),
    buttonGroup(retry, link(`#/referrals/${r.id}/amend`, "Amend the referral", { class: "govuk-button "
      + "govuk-button--secondary", role: "button", draggable: "false", "data-module": "govuk-button",
    id: "amend-referral" }), cancel),
    awardForm(r, eligibility.items, providers));
}

// The providers a broker may award to: the area's eligible ones first (the cascade's order), then those the
// cascade would skip, each with its reason; and apart, every other provider, which has no contract in the area.
function awardChoices(items, providers) {
  const listed = new Set(items.map((each) => each.provider_id));
  const nameOf = (each) => each.provider_name || providers.get(each.provider_id)?.name || "A provider";
  const eligible = items.filter((each) => each.eligible).map((each) => [each.provider_id,
    `${nameOf(each)} (${labelOf(each.tier).toLowerCase()})`, "Eligible: the cascade would offer it this care"]);
  const skipped = items.filter((each) => !each.eligible).map((each) => [each.provider_id, nameOf(each),
    `The cascade would skip it: ${explanation(each.reason, each.detail)}`]);
  const elsewhere = [...providers.values()].filter((p) => !listed.has(p.id))
    .sort((a, b) => a.name.localeCompare(b.name, "en-GB"))
    .map((p) => [p.id, p.name, "The cascade would skip it: no contract in this area"]);
  return { eligible, skipped, elsewhere };
}

function awardForm(r, items, providers) {
  const { eligible, skipped, elsewhere } = awardChoices(items, providers);
  const everyone = [...eligible, ...skipped, ...elsewhere];
  const why = new Map([...skipped, ...elsewhere].map(([value, , text]) => [value,
    text.replace(/^The cascade would skip it: /, "")]));
  const awardNode = form({ id: "award" },
    h2("Award directly"),
    hint(eligible.length ? `${eligible.length} ${eligible.length === 1 ? "provider is" : "providers are"} eligible `
      + "now; the others are listed after them with the reason the cascade would skip each."
      : "No provider is eligible now; each is listed with the reason the cascade would skip it."),
    eligible.length + skipped.length ? radios({ name: "provider_id", id: "award-provider", paths: "provider_id",
      legend: "Providers contracted in the area", items: [...eligible, ...skipped] }) : "",
    elsewhere.length ? detailsBox(`Providers with no contract in this area (${elsewhere.length})`,
      radios({ name: "provider_id", id: "award-elsewhere", legend: "Providers with no contract in this area",
        items: elsewhere })) : "",
    textArea({ id: "award-reason", name: "reason", label: "Reason for the direct award", rows: 2 }),
    button("Award directly", { kind: "secondary" }));
  const award = async (providerId, reason) => {
    await api("POST", `/referrals/${r.id}/award`, { json: { provider_id: providerId, reason } });
    flash("The referral is placed by direct award.");
    await rerender();
  };
  return bindForm(awardNode, async (data) => {
    const providerId = data.get("provider_id");
    const reason = String(data.get("reason") || "").trim();
    const missing = [!providerId && { field: "provider_id", text: "Select the provider to award to" },
      !reason && { field: "reason", text: "Enter the reason for the direct award" }].filter(Boolean);
    if (missing.length) throw localProblem(missing);
    if (!why.has(providerId)) { await award(providerId, reason); return; }
    const name = everyone.find(([value]) => value === providerId)[1];
    confirmWithReason(awardNode, { title: `Award to ${name} against the cascade?`, needsReason: false,
      facts: [["Provider", name], ["The cascade would skip it", why.get(providerId)], ["Your reason", reason]],
      warning: `The cascade would skip ${name}: ${why.get(providerId)}. The award is recorded as overriding it.`,
      confirmText: "Award anyway", refusalsOn: awardNode, confirm: () => award(providerId, reason) });
  });
}
