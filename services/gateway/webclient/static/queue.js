// The broker's home: the queue of referrals (being sourced, the waiting list of unmet need, placed, cancelled),
// urgency first with hospital discharges marked, and for each the tier reached, the time waiting and the open
// offers with their answer-by countdown. Rows refresh in place as offers are answered: nothing is drawn again
// wholesale, focus stays where it is, and a screen reader hears one short polite summary of what changed.

import { apiAll, h, pollWhileShown, show } from "./core.js";
import {
  addDays, formatDate, formatDuration, formatHours, formatTime, labelOf, minutesBetween, timeLeft, todayInLondon,
} from "./format.js";
import { areaLabel, areaMap } from "./names.js";
import { notificationsBanner } from "./notifications.js";
import { TIERS } from "./vocabulary.js";
import { dataTable, heading, link, para, tag } from "./ui.js";

const REFRESH_MS = 5000;
const STATUSES = [["sourcing", "Being sourced"], ["unsourced", "Waiting list: unmet need"], ["placed", "Placed"],
  ["cancelled", "Cancelled"]];
const URGENCIES = ["hospital_discharge", "crisis", "routine"];
const OPEN = new Set(["sourcing", "unsourced"]);
const REFERRED = [["1", "Today"], ["7", "In the last 7 days"], ["30", "In the last 30 days"]];

function statusLinks(current) {
  return h("nav", { "aria-label": "Referrals by status" },
    h("ul", { class: "govuk-list app-actions" }, STATUSES.map(([status, text]) => h("li", {},
      link(`#/referrals?status=${status}`, text, { "aria-current": status === current ? "page" : null })))));
}

function offerText(offer, now) {
  return `${offer.provider_name || "A provider"} (${labelOf(offer.tier)}), answer by ${formatTime(offer.deadline)}`
    + ` ${formatDate(offer.deadline)}: ${timeLeft(offer.deadline, now)}`;
}

function offersCell(row, now) {
  if (!row.open_offers.length) return OPEN.has(row.status) ? "None open" : "";
  return h("ul", { class: "govuk-list" }, row.open_offers.map((offer) => h("li", {},
    offerText(offer, now))));
}

// Urgency first (hospital discharge, crisis, routine), then the longest waiting.
const urgencyKey = (row) => `${URGENCIES.indexOf(row.urgency)} ${row.created_at}`;

// The countdowns and times waiting are worked out afresh each time the rows are drawn.
function columns(status, areas) {
  const waited = (row) => (OPEN.has(row.status) ? minutesBetween(row.created_at, new Date()) : null);
  return [
    { key: "client_ref", label: "Client", cell: (r) => link(`#/referrals/${r.id}`, r.client_ref) },
    { key: "urgency", label: "Urgency", value: urgencyKey, cell: (r) => tag(r.urgency),
      csv: (r) => labelOf(r.urgency) },
    { key: "area", label: "Area", value: (r) => areaLabel(areas, r.area) },
    { key: "weekly_hours", label: "Hours a week", value: (r) => Number(r.weekly_hours),
      cell: (r) => formatHours(r.weekly_hours), numeric: true },
    { key: "start_on", label: "Start", cell: (r) => formatDate(r.start_on) },
    { key: "created_at", label: "Referred", cell: (r) => formatDate(r.created_at) },
    OPEN.has(status) ? { key: "waiting", label: "Waiting", value: waited, cell: (r) => formatDuration(waited(r)),
      numeric: true } : null,
    { key: "tier_reached", label: "Tier reached", value: (r) => TIERS.indexOf(r.tier_reached),
      cell: (r) => (r.tier_reached ? labelOf(r.tier_reached) : "Not offered"),
      csv: (r) => labelOf(r.tier_reached) },
    status === "sourcing" ? { key: "open_offers", label: "Open offers",
      value: (r) => r.open_offers[0]?.deadline || "", cell: (r) => offersCell(r, new Date()),
      csv: (r) => r.open_offers.map((offer) => offerText(offer, new Date())).join("; ") } : null,
    status === "placed" ? { key: "placed_with_name", label: "Placed with" } : null,
  ].filter(Boolean);
}

function filters(areas) {
  const today = todayInLondon();
  return [
    { key: "urgency", label: "Urgency", options: URGENCIES.map((u) => [u, labelOf(u)]),
      test: (r, value) => r.urgency === value },
    { key: "area", label: "Area", options: [...areas.values()].map((a) => [a.code, areaLabel(areas, a.code)]),
      test: (r, value) => r.area === value },
    { key: "tier", label: "Tier reached", options: TIERS.map((t) => [t, labelOf(t)]),
      test: (r, value) => r.tier_reached === value },
    { key: "referred", label: "Referred", options: REFERRED,
      test: (r, value) => todayInLondon(new Date(r.created_at)) > addDays(today, -Number(value)) },
  ];
}

// What a screen reader hears after a refresh: the referrals that changed or left the list, said once.
function changes(before, after) {
  const was = new Map(before.map((row) => [row.id, row]));
  const still = new Set(after.map((row) => row.id));
  const left = before.filter((row) => !still.has(row.id)).map((row) => row.client_ref);
  const moved = after.filter((row) => was.has(row.id) && JSON.stringify(was.get(row.id).open_offers)
    !== JSON.stringify(row.open_offers)).map((row) => row.client_ref);
  const added = after.filter((row) => !was.has(row.id)).map((row) => row.client_ref);
  return [moved.length ? `Offers changed: ${moved.join(", ")}.` : "",
    left.length ? `Left this list: ${left.join(", ")}.` : "",
    added.length ? `New here: ${added.join(", ")}.` : ""].filter(Boolean).join(" ");
}

export async function queueView(_match, params) {
  const status = STATUSES.some(([each]) => each === params.get("status")) ? params.get("status") : "sourcing";
  const title = STATUSES.find(([each]) => each === status)[1];
  const load = () => apiAll("/referrals", { status }, 2000);
  const [first, areas] = await Promise.all([load(), areaMap()]);
  let rows = first;
  const totals = para();
  const live = h("p", { class: "govuk-body-s app-updates", "aria-live": "polite", id: "queue-updates" });
  const describe = () => {
    const hours = rows.reduce((sum, r) => sum + Number(r.weekly_hours || 0), 0);
    const discharges = rows.filter((r) => r.urgency === "hospital_discharge").length;
    totals.textContent = `${rows.length} ${rows.length === 1 ? "referral" : "referrals"}, ${formatHours(hours)} of `
      + "care a week"
      + (OPEN.has(status) ? `; ${discharges} hospital ${discharges === 1 ? "discharge" : "discharges"}.` : ".");
  };
  describe();
  const table = dataTable({ id: "queue", caption: title, rows, csvName: `referrals-${status}`,
    columns: columns(status, areas), filters: filters(areas), sort: { key: "urgency", descending: false },
    search: (r) => [r.client_ref, areaLabel(areas, r.area), labelOf(r.urgency), r.placed_with_name,
      ...r.open_offers.map((offer) => offer.provider_name), formatDate(r.start_on), formatDate(r.created_at),
      labelOf(r.tier_reached)].join(" ") });
  show(heading(title), notificationsBanner(), statusLinks(status), totals, live, table);
  pollWhileShown(table, REFRESH_MS, async () => {
    const fresh = await load();
    const said = changes(rows, fresh);
    rows = fresh;
    describe();
    table.update(fresh);
    if (said) live.textContent = `Updated at ${formatTime(new Date().toISOString())}. ${said}`;
  });
}
