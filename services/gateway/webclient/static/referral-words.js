// A referral in plain words, with no DOM (so tests/webclient checks them on their own): each step of its
// cascade history as a sentence, its weekly schedule as a week grid, the reasons a broker may give for
// cancelling, and the NICE short-visit rule as the client checks it before asking the API.

import { formatDate, formatDateTime, formatDuration, labelOf } from "./format.js";

export const DAY_ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const CANCEL_REASONS = [
  ["no_longer_needed", "The care is no longer needed"],
  ["care_arranged_elsewhere", "Care was arranged another way (family, a direct payment)"],
  ["moved_to_residential_care", "The person moved to residential or nursing care"],
  ["admitted_to_hospital", "The person was admitted to hospital"],
  ["moved_away", "The person moved out of the council's area"],
  ["died", "The person died"],
  ["duplicate", "The referral was made twice"],
  ["other", "Another reason (say what below)"],
];

export const NICE_CONDITIONS = [
  ["worker_known", "The care worker is known to the person"],
  ["part_of_wider_package", "The visit is part of a wider package of support"],
  ["time_limited_task", "It allows enough time for specific time-limited tasks or a safe and well check"],
];
export const SHORT_VISIT_MINUTES = 30;

// "lacks peg_feeding" -> "lacks PEG feeding": the API's codes inside a sentence, in words.
export function codesInWords(text) {
  return String(text).replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (code) => {
    const words = labelOf(code);
    return /^[A-Z]{2}/.test(words) ? words : words.charAt(0).toLowerCase() + words.slice(1);
  });
}

// "embargoed: council embargo on all new work" -> "council embargo on all new work" (the cascade's detail
// starts with its reason's code), with any other code in words.
export function explanation(reason, detail) {
  const text = String(detail || "");
  return codesInWords(reason && text.startsWith(`${reason}: `) ? text.slice(reason.length + 2) : text);
}

const tierText = (tier) => (tier ? ` (${labelOf(tier).toLowerCase()})` : "");
const clause = (text) => (text ? `: ${text}` : "");

// A history entry ({event, provider_name, tier, reason, detail}) as one sentence; `name` is the provider's
// name as the client knows it when the entry does not carry it.
export function historySentence(entry, name = "") {
  const who = entry.provider_name || name || "a provider no longer registered";
  const why = explanation(entry.reason, entry.detail);
  switch (entry.event) {
    case "considered":
      return entry.provider_id ? `Considered ${who}${tierText(entry.tier)}${clause(why)}`
        : `Sourcing started again${clause(why)}`;
    case "skipped": return `Skipped ${who}${tierText(entry.tier)}${clause(why)}`;
    case "offered": {
      const by = why.match(/^answer by (.+)$/);
      return `Offered to ${who}${tierText(entry.tier)}${by ? `, to answer by ${formatDateTime(by[1])}` : ""}`;
    }
    case "accepted": {
      const start = why.match(/^start on (\d{4}-\d{2}-\d{2})$/);
      return `${who} accepted${start ? `, to start on ${formatDate(start[1])}` : ""}`;
    }
    case "declined": {
      const note = explanation(entry.reason, why);
      return `${who} declined: ${labelOf(entry.reason).toLowerCase()}${note && note !== entry.reason
        ? ` ("${note}")` : ""}`;
    }
    case "expired": return `${who} did not answer in time: the offer expired`;
    case "withdrawn": return `The offer to ${who} was withdrawn${clause(why)}`;
    case "placed": return `Placed with ${who}${tierText(entry.tier)}`;
    case "awarded": return `Awarded directly to ${who}${clause(why.replace(/^awarded by a broker: /, ""))}`;
    case "unsourced": return "Nobody can take it now: on the waiting list of unmet need";
    case "imported": return `Recorded as a placement already made with ${who}${clause(why)}`;
    case "amended": return `Amended by a broker${clause(why)}`;
    case "cancelled": {
      const reason = entry.reason === "other" ? "" : CANCEL_REASONS.find(([value]) => value === entry.reason)?.[1];
      return `Cancelled${clause(reason)}${why && why !== "cancelled by a broker" ? ` ("${why}")` : ""}`;
    }
    default: return `${labelOf(entry.event)}${clause(why)}`;
  }
}

// Parts of the day a care plan speaks of, by the visit's start.
export const DAY_PARTS = [["morning", "Morning", "00:00"], ["lunch", "Lunchtime", "11:30"],
  ["tea", "Teatime", "15:00"], ["evening", "Evening", "18:00"], ["night", "Night", "21:00"]];

export function dayPart(start) {
  const clock = String(start).slice(0, 5);
  return [...DAY_PARTS].reverse().find(([, , from]) => clock >= from)[0];
}

// The week as a grid: one row per part of the day that has a visit, one column per day; each cell the
// visits that start then ("08:00, 45 min, 2 carers"), in time order.
export function weekGrid(visits) {
  const sorted = [...visits].sort((a, b) => String(a.start).localeCompare(String(b.start)));
  return DAY_PARTS.filter(([part]) => sorted.some((v) => dayPart(v.start) === part)).map(([part, label]) => ({
    part, label,
    days: DAY_ORDER.map((day) => sorted.filter((v) => v.day === day && dayPart(v.start) === part)
      .map((v) => `${String(v.start).slice(0, 5)}, ${formatDuration(v.minutes)}${v.carers > 1
        ? `, ${v.carers} carers` : ""}`)),
  }));
}

// The NICE NG21 rule as the client checks it while a schedule is typed: for each visit under 30 minutes
// while a condition is not ticked, the problem said beside its minutes ([{field, text}], fields as the
// API names them); `ticked` is the conditions ticked.
export function shortVisitProblems(visits, ticked) {
  const unmet = NICE_CONDITIONS.filter(([key]) => !ticked.includes(key));
  if (!unmet.length) return [];
  return visits.flatMap((visit, index) => (Number(visit.minutes) > 0 && Number(visit.minutes) < SHORT_VISIT_MINUTES
    ? [{ field: `visits.${index}.minutes`, text: `A ${visit.minutes}-minute visit is refused: NICE NG21 allows a `
      + "visit under 30 minutes only when all three conditions under \"Visits under 30 minutes\" hold, and "
      + `${unmet.length === 3 ? "none is" : `${unmet.length} ${unmet.length === 1 ? "is" : "are"} not`} ticked` }]
    : []));
}
