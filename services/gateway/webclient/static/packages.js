// Commissioned packages: the list with each one's weekly cost, and a package's schedule, price lines (each a
// quantity at a published price) and who pays what. Staff see the split between the council, the NHS and the
// person; a provider sees its own packages and what it is paid, never the person's financial assessment.

import { api, apiAll, session, show } from "./core.js";
import { formatDate, formatDuration, formatHours, formatMoney, formatNumber, labelOf } from "./format.js";
import { areaLabel, areaMap, providerMap } from "./names.js";
import { dataTable, heading, link, para, simpleTable, summaryList, tag } from "./ui.js";

export const scheduleText = (visit) => `${labelOf(visit.day)} ${String(visit.start).slice(0, 5)}, `
  + `${formatDuration(visit.minutes)}${visit.carers > 1 ? `, ${visit.carers} carers` : ""}`;

export function scheduleTable(id, visits, caption = "Weekly schedule") {
  return simpleTable({ id, caption, head: ["Day", "Start", "Length", "Carers"], numeric: [3],
    rows: visits.map((v) => [labelOf(v.day), String(v.start).slice(0, 5), formatDuration(v.minutes), String(v.carers)]),
    empty: "No visits scheduled." });
}

export function priceLinesTable(id, lines, caption = "Price lines of a usual week") {
  return simpleTable({ id, caption, head: ["What", "Quantity", "Unit price", "Amount"], numeric: [1, 2, 3],
    rows: (lines || []).map((line) => [line.description, `${formatNumber(line.quantity)} ${line.unit}s`,
      formatMoney(line.unit_price), formatMoney(line.amount)]), empty: "No rate applies to this package yet." });
}

export async function packagesView(_match, params) {
  const staff = session.isStaff;
  const [packages, providers, areas] = await Promise.all([apiAll("/packages"), providerMap(), areaMap()]);
  const name = (id) => providers.get(id)?.name || "a provider no longer registered";
  show(heading(staff ? "Packages" : "Your packages"),
    dataTable({ id: "packages", caption: "Packages", rows: packages, csvName: "packages",
      chosen: { provider: params.get("provider_id") || "", status: params.get("status") || "" },
      filters: [
        ...(staff ? [{ key: "provider", label: "Provider", options: [...providers.values()].map((p) => [p.id, p.name]),
          test: (p, id) => p.provider_id === id }] : []),
        { key: "status", label: "Status", options: ["active", "suspended", "ended"].map((s) => [s, labelOf(s)]),
          test: (p, status) => p.status === status },
      ],
      columns: [
        { key: "client_ref", label: "Client", cell: (p) => link(`#/packages/${p.id}`, p.client_ref) },
        ...(staff ? [{ key: "provider_id", label: "Provider", value: (p) => name(p.provider_id) }] : []),
        { key: "area", label: "Area", value: (p) => areaLabel(areas, p.area) },
        { key: "status", label: "Status", cell: (p) => tag(p.status), csv: (p) => p.status },
        { key: "weekly_hours", label: "Care a week", value: (p) => Number(p.weekly_hours),
          cell: (p) => formatHours(p.weekly_hours), csv: (p) => p.weekly_hours, numeric: true },
        { key: "weekly_cost", label: "Weekly cost", value: (p) => Number(p.weekly_cost ?? -1),
          cell: (p) => (p.weekly_cost ? formatMoney(p.weekly_cost) : "No rate"), csv: (p) => p.weekly_cost ?? "",
          numeric: true },
        ...(staff ? [{ key: "split", label: "Council / NHS / person", sortable: false,
          value: (p) => (p.weekly_cost ? [p.council_share, p.health_share, p.client_contribution].map(formatMoney)
            .join(" / ") : "") }] : []),
        { key: "start_on", label: "Started", cell: (p) => formatDate(p.start_on) },
      ] }));
}

export async function packageView(match) {
  const [pack, providers, areas] = await Promise.all([api("GET", `/packages/${match[1]}`), providerMap(), areaMap()]);
  const visits = await apiAll("/visits", { package_id: pack.id }, 1000);
  show(heading(`Package of ${pack.client_ref}`), para(tag(pack.status)),
    summaryList([
      ["Provider", session.isStaff ? link(`#/providers/${pack.provider_id}`, providers.get(pack.provider_id)?.name
        || "a provider no longer registered") : providers.get(pack.provider_id)?.name || ""],
      ["Area", areaLabel(areas, pack.area)], ["Tier", pack.tier ? labelOf(pack.tier) : "Not recorded"],
      ["Started", formatDate(pack.start_on)], ["Ends", pack.end_on ? formatDate(pack.end_on) : "Open-ended"],
      ["Suspended from", pack.suspended_from ? formatDate(pack.suspended_from) : null],
      ["Schedule since", formatDate(pack.terms_from)], ["Care a week", formatHours(pack.weekly_hours)],
      ["Weekly cost", pack.weekly_cost ? formatMoney(pack.weekly_cost) : "No rate applies yet"],
      ["Hourly rate", pack.hourly_rate ? formatMoney(pack.hourly_rate) : null],
    ], { id: "package-facts" }),
    scheduleTable("schedule", pack.visits),
    priceLinesTable("price-lines", pack.price_lines),
    "council_share" in pack ? simpleTable({ id: "split", caption: "Who pays a usual week", numeric: [1],
      head: ["Who", "A week"], rows: [["The council", formatMoney(pack.council_share)],
        [`The NHS (${pack.health_share_percent}% health funded)`, formatMoney(pack.health_share)],
        ["The person (their assessed contribution)", formatMoney(pack.client_contribution)],
        ["Total", formatMoney(pack.weekly_cost)]] }) : "",
    dataTable({ id: "package-visits", caption: "Visits reported", rows: visits, csvName: `visits-${pack.client_ref}`,
      sort: { key: "date", descending: true }, pageSize: 20, empty: "No visit reported.", columns: [
        { key: "date", label: "Date", cell: (v) => formatDate(v.date) },
        { key: "planned_start", label: "Planned", value: (v) => `${String(v.planned_start).slice(0, 5)}, `
          + formatDuration(v.planned_minutes) },
        { key: "actual_start", label: "Actual", value: (v) => (v.actual_start ? `${String(v.actual_start).slice(0, 5)}, `
          + formatDuration(v.actual_minutes) : "") },
        { key: "outcome", label: "Outcome", cell: (v) => [tag(v.outcome), v.approval ? [" ", tag(v.approval,
          `Unplanned: ${labelOf(v.approval).toLowerCase()}`)] : ""], csv: (v) => v.outcome },
        { key: "paid_minutes", label: "Paid", value: (v) => v.paid_minutes, cell: (v) => formatDuration(v.paid_minutes),
          numeric: true },
        { key: "rule", label: "Rule", value: (v) => (v.rule ? labelOf(v.rule) : "") },
      ] }));
}
