// The dashboard the council runs on (brokers, commissioners, quality officers): demand, time to source, unmet
// need, hospital discharges waiting, declines, offers about to expire, capacity declared against demand, and
// providers by rating and RAG, for a period and an area. Every chart has its figures as a table and a CSV
// download (ui.js `chart`). The figures come from `GET /dashboard/summary`; offers expiring from the open offers
// themselves (`GET /offers?status=open`), as their deadlines are now.

import { api, apiAll, show } from "./core.js";
import { formatDate, formatHours, formatTime, labelOf, minutesBetween } from "./format.js";
import { areaLabel, areaMap } from "./names.js";
import { CQC_RATINGS } from "./vocabulary.js";
import { button, chart, form, heading, para, selectField, summaryList } from "./ui.js";

const PERIODS = [["4", "4 weeks"], ["12", "12 weeks"], ["26", "26 weeks"], ["52", "52 weeks"]];
// Open offers by the time left to answer them.
const EXPIRY_BANDS = [[60, "Within 1 hour"], [120, "1 to 2 hours"], [240, "2 to 4 hours"], [1440, "4 to 24 hours"],
  [Infinity, "Later"]];

function filtersForm(weeks, area, areas) {
  const chosen = form({ id: "dashboard-filters", class: "app-form app-inline-form", method: "get" },
    selectField({ id: "weeks", label: "Period", options: PERIODS, value: weeks }),
    selectField({ id: "area", label: "Area", options: [["", "All areas"], ...[...areas.values()]
      .map((each) => [each.code, areaLabel(areas, each.code)])], value: area }),
    button("Show", { kind: "secondary" }));
  chosen.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ weeks: chosen.weeks.value });
    if (chosen.area.value) params.set("area", chosen.area.value);
    location.hash = `#/dashboard?${params}`;
  });
  return chosen;
}

const people = (count) => `${count} ${count === 1 ? "person" : "people"}`;

function expiringChart(offers) {
  const now = new Date();
  const counts = EXPIRY_BANDS.map(() => 0);
  offers.forEach((offer) => {
    counts[EXPIRY_BANDS.findIndex(([most]) => minutesBetween(now, offer.deadline) < most)] += 1;
  });
  return chart({ id: "offers-expiring", title: `Open offers by time left to answer (at ${formatTime(now
    .toISOString())})`, type: "bar", labels: EXPIRY_BANDS.map(([, text]) => text),
  series: [{ label: "Open offers", data: counts }] });
}

function capacityChart(balances, areas) {
  return chart({ id: "capacity-demand", title: "Capacity declared against care waiting to be placed, hours a week",
    type: "bar", labels: balances.map((each) => areaLabel(areas, each.area)), format: formatHours,
    yTitle: "Hours a week", series: [{ label: "Capacity declared", data: balances.map((each) => each.capacity_hours) },
      { label: "Waiting to be placed", data: balances.map((each) => each.waiting_hours) }] });
}

export async function dashboardView(_match, params) {
  const weeks = PERIODS.some(([value]) => value === params.get("weeks")) ? params.get("weeks") : "12";
  const area = params.get("area") || "";
  const [summary, areas, offers] = await Promise.all([
    api("GET", "/dashboard/summary", { params: { weeks, area } }), areaMap(),
    apiAll("/offers", { status: "open" }, 5000)]);
  const open = area ? offers.filter((offer) => offer.area === area) : offers;
  const ratings = new Map(summary.providers_by_rating.map((each) => [each.key, each.count]));
  const source = summary.time_to_source;
  show(heading("Dashboard", area ? areaLabel(areas, area) : "All areas"),
    filtersForm(weeks, area, areas),
    summaryList([
      ["Hospital discharges waiting", `${people(summary.hospital_discharges_waiting.people)}, `
        + `${formatHours(summary.hospital_discharges_waiting.weekly_hours)} a week`],
      ["Waiting list (unmet need)", `${people(summary.unmet_need.people)}, ${formatHours(summary.unmet_need.weekly_hours)}`
        + " a week"],
      ["Placed in the period", String(source.placed)],
      ["Time to source", source.placed ? `median ${formatHours(source.median_hours)}, 90th percentile `
        + `${formatHours(source.p90_hours)}` : "Nothing placed in the period"],
      ["Offers expiring within 2 hours", String(open.filter((o) => minutesBetween(new Date(), o.deadline) < 120)
        .length)],
    ], { id: "headlines" }),
    para(`Referral figures cover the last ${weeks} weeks; the waiting list, discharges waiting, open offers and `
      + "capacity are as they are now. Declines and providers are every area's."),
    chart({ id: "referrals-per-week", title: "Referrals per week", type: "bar",
      labels: summary.referrals_per_week.map((week) => `Week of ${formatDate(week.week_start)}`),
      series: [{ label: "Referrals", data: summary.referrals_per_week.map((week) => week.referrals) },
        { label: "Placed so far", data: summary.referrals_per_week.map((week) => week.placed) }] }),
    chart({ id: "time-to-source", title: "Time to source by urgency, hours", type: "bar", yTitle: "Hours",
      labels: summary.time_to_source_by_urgency.map((each) => `${labelOf(each.urgency)} (${each.placed} placed)`),
      format: (value) => (value === null ? "None placed" : formatHours(value)),
      series: [{ label: "Median", data: summary.time_to_source_by_urgency.map((each) => each.median_hours) },
        { label: "90th percentile", data: summary.time_to_source_by_urgency.map((each) => each.p90_hours) }] }),
    chart({ id: "unmet-need", title: "Unmet need by area, hours a week waiting", type: "bar", format: formatHours,
      labels: summary.unmet_need.by_area.map((each) => areaLabel(areas, each.area)), yTitle: "Hours a week",
      series: [{ label: "Hours a week", data: summary.unmet_need.by_area.map((each) => each.weekly_hours) }] }),
    capacityChart(summary.capacity_by_area, areas),
    expiringChart(open),
    chart({ id: "declines", title: "Offers declined by reason", type: "bar",
      labels: summary.decline_reasons.map((each) => labelOf(each.key)),
      series: [{ label: "Declines", data: summary.decline_reasons.map((each) => each.count) }] }),
    chart({ id: "ratings", title: "Providers by rating", type: "bar",
      labels: [...CQC_RATINGS, "none"].map((rating) => (rating === "none" ? "Not rated" : labelOf(rating))),
      series: [{ label: "Providers", data: [...CQC_RATINGS, "none"].map((rating) => ratings.get(rating) || 0) }] }),
    chart({ id: "rag", title: "Providers by RAG", type: "bar",
      labels: summary.providers_by_rag.map((each) => labelOf(each.rag)),
      series: [{ label: "Providers", data: summary.providers_by_rag.map((each) => each.count) }] }));
}
