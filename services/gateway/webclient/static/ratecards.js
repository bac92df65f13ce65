// Rate cards (the cost-of-care model per area): the list, a card with its inputs, published prices and the
// breakdown that makes its hourly rate, and a new version with an effective date, shown side by side with the
// card it follows. Commissioners write; the server decides.

import { api, apiAll, h, session, show } from "./core.js";
import { formatDate, formatMoney, formatNumber, labelOf, todayInLondon } from "./format.js";
import { areaLabel, areaMap, areaOptions } from "./names.js";
import {
  bindForm, button, dataTable, dateField, flash, form, h2, heading, hint, link, para, selectField, simpleTable,
  summaryList, textField,
} from "./ui.js";

// The model's inputs, with API.md's example card as the starting values of a first card.
export const CARD_FIELDS = [
  ["care_worker_hourly_pay", "Care worker pay an hour", "12.60", formatMoney],
  ["travel_minutes_per_visit", "Travel minutes a visit", "12", (v) => `${v} min`],
  ["travel_hourly_pay", "Travel time pay an hour (blank: the care worker's pay)", "", (v) => (v ? formatMoney(v)
    : "As care worker pay")],
  ["mileage_per_visit_miles", "Miles a visit", "3.0", (v) => `${formatNumber(v)} miles`],
  ["mileage_rate", "Mileage rate a mile", "0.45", formatMoney],
  ["on_cost_percent", "On-costs (%)", "20.00", (v) => `${formatNumber(v)}%`],
  ["training_supervision_percent", "Training and supervision (%)", "5.00", (v) => `${formatNumber(v)}%`],
  ["overhead_percent", "Overheads (%)", "25.00", (v) => `${formatNumber(v)}%`],
  ["surplus_percent", "Surplus (%)", "3.00", (v) => `${formatNumber(v)}%`],
  ["weekend_uplift_percent", "Weekend uplift (%)", "0.00", (v) => `${formatNumber(v)}%`],
  ["bank_holiday_uplift_percent", "Bank holiday uplift (%)", "0.00", (v) => `${formatNumber(v)}%`],
  ["night_uplift_percent", "Night uplift (%)", "0.00", (v) => `${formatNumber(v)}%`],
  ["client_hourly_charge_cap", "Charge cap to the person an hour", "13.00", formatMoney],
  ["client_weekly_charge_cap", "Charge cap to the person a week", "422.00", formatMoney],
];
const PRICES = [["contact_hour", "Contact hour"], ["per_visit", "Per visit"],
  ["weekend_contact_hour", "Weekend contact hour"], ["weekend_per_visit", "Weekend per visit"],
  ["bank_holiday_contact_hour", "Bank holiday contact hour"], ["bank_holiday_per_visit", "Bank holiday per visit"],
  ["night_contact_hour", "Night contact hour"], ["night_per_visit", "Night per visit"]];

export async function rateCardsView(_match, params) {
  const [cards, areas] = await Promise.all([apiAll("/rate-cards"), areaMap()]);
  const today = todayInLondon();
  const inForce = new Set([...areas.keys()].map((code) => cards.filter((c) => c.area === code
    && c.effective_from <= today).sort((a, b) => b.effective_from.localeCompare(a.effective_from))[0]?.id));
  show(heading("Rate cards (cost of care)"),
    session.has("commissioner") ? link("#/rate-cards/new", "Add a rate card", { class: "govuk-button",
      role: "button", draggable: "false" }) : "",
    dataTable({ id: "rate-cards", caption: "Rate cards", rows: cards, csvName: "rate-cards",
      sort: { key: "effective_from", descending: true }, chosen: { area: params.get("area") || "" },
      filters: [{ key: "area", label: "Area", options: [...areas.values()].map((a) => [a.code, `${a.name} (${a.code})`]),
        test: (c, code) => c.area === code }],
      columns: [
        { key: "area", label: "Area", value: (c) => areaLabel(areas, c.area),
          cell: (c) => link(`#/rate-cards/${c.id}`, areaLabel(areas, c.area)) },
        { key: "effective_from", label: "Effective from", cell: (c) => formatDate(c.effective_from) },
        { key: "in_force", label: "In force today", value: (c) => (inForce.has(c.id) ? "Yes" : c.effective_from > today
          ? "Not yet" : "Replaced") },
        { key: "care_worker_hourly_pay", label: "Care worker pay", value: (c) => Number(c.care_worker_hourly_pay),
          cell: (c) => formatMoney(c.care_worker_hourly_pay), numeric: true },
        { key: "hourly_rate", label: "Hourly rate", value: (c) => Number(c.hourly_rate),
          cell: (c) => formatMoney(c.hourly_rate), numeric: true },
      ] }));
}

// The card this one is best compared with: the one in force today, or for the card in force today the one it
// replaced.
function comparedWith(card, cards) {
  const sameArea = cards.filter((c) => c.area === card.area && c.id !== card.id)
    .sort((a, b) => b.effective_from.localeCompare(a.effective_from));
  const today = todayInLondon();
  const current = [card, ...sameArea].filter((c) => c.effective_from <= today)
    .sort((a, b) => b.effective_from.localeCompare(a.effective_from))[0];
  if (current && current.id !== card.id) return current;
  return sameArea.find((c) => c.effective_from < card.effective_from) || null;
}

function difference(now, before) {
  if (before === undefined || before === null || now === null || now === undefined) return "";
  const change = Number(now) - Number(before);
  if (!Number.isFinite(change) || Math.abs(change) < 0.005) return "No change";
  return `${change > 0 ? "+" : "-"}${formatMoney(Math.abs(change).toFixed(2))}`;
}

function sideBySide(card, other) {
  const moneyRows = [["Hourly rate", "hourly_rate"], ...PRICES.map(([key, text]) => [text, key])];
  const value = (c, key) => (key === "hourly_rate" ? c.hourly_rate : c.prices[key]);
  return [h2(`Compared with the card from ${formatDate(other.effective_from)}`, { id: "comparison" }),
    simpleTable({ id: "compare-prices", caption: "Published prices side by side", numeric: [1, 2, 3],
      head: ["Price", `From ${formatDate(card.effective_from)}`, `From ${formatDate(other.effective_from)}`, "Change"],
      rows: moneyRows.map(([text, key]) => [text, formatMoney(value(card, key)), formatMoney(value(other, key)),
        difference(value(card, key), value(other, key))]) }),
    simpleTable({ id: "compare-inputs", caption: "Inputs side by side", numeric: [1, 2],
      head: ["Input", `From ${formatDate(card.effective_from)}`, `From ${formatDate(other.effective_from)}`],
      rows: CARD_FIELDS.map(([key, text, , show]) => [text, show(card[key]), show(other[key])]) })];
}

function breakdownTable(card) {
  const rows = Object.entries(card.breakdown || {}).map(([name, amount]) => [labelOf(name), formatMoney(amount)]);
  rows.push(h("tr", { class: "govuk-table__row govuk-table__row--total" },
    h("th", { scope: "row", class: "govuk-table__header" }, "Hourly rate"),
    h("td", { class: "govuk-table__cell govuk-table__cell--numeric" }, formatMoney(card.hourly_rate))));
  return simpleTable({ id: "breakdown", caption: "How the hourly rate is made", head: ["Component", "An hour"],
    rows, numeric: [1] });
}

export async function rateCardView(match) {
  const card = await api("GET", `/rate-cards/${match[1]}`);
  const [cards, areas] = await Promise.all([apiAll("/rate-cards", { area: card.area }), areaMap()]);
  const other = comparedWith(card, cards);
  const full = other ? await api("GET", `/rate-cards/${other.id}`) : null;
  show(heading(`${areaLabel(areas, card.area)} from ${formatDate(card.effective_from)}`, "Rate card"),
    summaryList([["Hourly rate", formatMoney(card.hourly_rate)], ...CARD_FIELDS.map(([key, text, , say]) => [text,
      say(card[key])])], { id: "card-inputs" }),
    simpleTable({ id: "prices", caption: "Published prices", head: ["Price", "Amount"], numeric: [1],
      rows: PRICES.map(([key, text]) => [text, formatMoney(card.prices[key])]) }),
    para("The hourly rate is the contact hour price plus the per-visit price: the price of a 60-minute visit by "
      + "one carer."),
    breakdownTable(card),
    full ? sideBySide(card, full) : "",
    session.has("commissioner") ? link(`#/rate-cards/new?from=${card.id}`, "Make a new version of this card",
      { class: "govuk-button govuk-button--secondary", role: "button", draggable: "false" }) : "",
    para(link(`#/rate-cards?area=${encodeURIComponent(card.area)}`, `All rate cards of ${areaLabel(areas, card.area)}`)));
}

export async function newRateCardView(_match, params) {
  const from = params.get("from") ? await api("GET", `/rate-cards/${params.get("from")}`) : null;
  const areas = await areaOptions();
  show(bindForm(form({ id: "new-rate-card" },
    heading(from ? "A new version of the rate card" : "Add a rate card"),
    from ? para(`Starting from the card of ${from.area} from ${formatDate(from.effective_from)}; change what changes `
      + "and give the date it takes effect.") : "",
    selectField({ id: "card-area", name: "area", label: "Area", options: areas, value: from ? from.area : "" }),
    dateField({ id: "effective_from", label: "Takes effect from", value: todayInLondon() }),
    hint("Money in pounds (12.60), percentages as numbers (20.00)."),
    CARD_FIELDS.map(([name, text, value]) => textField({ id: name, label: text, value: from ? from[name] ?? ""
      : value, width: 5, inputmode: "decimal" })),
    button("Add the rate card")), async (data) => {
    const body = Object.fromEntries(CARD_FIELDS.map(([name]) => [name, String(data.get(name) ?? "").trim()]));
    body.travel_minutes_per_visit = Number(body.travel_minutes_per_visit);
    body.travel_hourly_pay = body.travel_hourly_pay || null;
    body.area = data.get("area");
    body.effective_from = data.get("effective_from") || null;
    const card = await api("POST", "/rate-cards", { json: body });
    flash(`Rate card for ${card.area} from ${formatDate(card.effective_from)}: ${formatMoney(card.hourly_rate)} an hour.`);
    location.hash = `#/rate-cards/${card.id}`;
  }));
}
