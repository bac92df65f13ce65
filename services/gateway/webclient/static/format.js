// UK formats (UI.md): dates "Mon 30 Nov 2026", times "14:05", money "£1,234.50", durations "1 h 30 min",
// instants shown in Europe/London whatever the computer's own zone. Pure functions with no DOM, so Node's
// test runner checks them too (tests/webclient/unit/format.test.mjs).

const ZONE = "Europe/London";
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LONDON = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

// The calendar date and clock time in London at an instant.
export function londonParts(instant) {
  const parts = Object.fromEntries(LONDON.formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: parts.hour, minute: parts.minute };
}

function dayText(year, month, day) {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${WEEKDAYS[weekday]} ${day} ${MONTHS[month - 1]} ${year}`;
}

// "2026-11-30" is a calendar date (no zone); anything longer is an instant shown in London.
export function formatDate(value) {
  if (!value) return "";
  const match = String(value).match(ISO_DATE);
  if (match) return dayText(Number(match[1]), Number(match[2]), Number(match[3]));
  const { year, month, day } = londonParts(new Date(value));
  return dayText(year, month, day);
}

// "14:05:00" (a time of day) or an instant: "14:05".
export function formatTime(value) {
  if (!value) return "";
  const clock = String(value).match(/^(\d{1,2}):(\d{2})(:\d{2})?$/);
  if (clock) return `${clock[1].padStart(2, "0")}:${clock[2]}`;
  const { hour, minute } = londonParts(new Date(value));
  return `${hour}:${minute}`;
}

export function formatDateTime(value) {
  return value ? `${formatDate(value)} at ${formatTime(value)}` : "";
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// A decimal string to two places, rounded half up by digits (never through a float): "1234.5" -> "1234.50".
export function twoPlaces(value) {
  const match = String(value ?? "").trim().match(/^([+-]?)(\d*)(?:\.(\d*))?$/);
  if (!match || (match[2] === "" && !match[3])) return null;
  const [, sign, whole, fraction = ""] = match;
  let cents = BigInt((whole || "0") + fraction.padEnd(2, "0").slice(0, 2));
  if (fraction.length > 2 && Number(fraction[2]) >= 5) cents += 1n;
  const text = cents.toString().padStart(3, "0");
  const negative = sign === "-" && cents !== 0n;
  return `${negative ? "-" : ""}${text.slice(0, -2)}.${text.slice(-2)}`;
}

// "£1,234.50"; a negative amount (a credit note) "-£12.00".
export function formatMoney(value) {
  if (value === null || value === undefined || value === "") return "";
  const exact = twoPlaces(value);
  if (exact === null) return String(value);
  const negative = exact.startsWith("-");
  const [whole, pence] = exact.replace("-", "").split(".");
  return `${negative ? "-" : ""}£${groupThousands(whole)}.${pence}`;
}

// A whole number of minutes: "1 h 30 min", "45 min", "2 h".
export function formatDuration(minutes) {
  if (minutes === null || minutes === undefined || minutes === "") return "";
  const total = Math.round(Number(minutes));
  if (!Number.isFinite(total)) return "";
  const sign = total < 0 ? "-" : "";
  const hours = Math.floor(Math.abs(total) / 60);
  const rest = Math.abs(total) % 60;
  if (hours === 0) return `${sign}${rest} min`;
  return rest === 0 ? `${sign}${hours} h` : `${sign}${hours} h ${rest} min`;
}

// Hours as the API gives them ("12.50") as a duration: "12 h 30 min".
export function formatHours(hours) {
  if (hours === null || hours === undefined || hours === "") return "";
  return formatDuration(Number(hours) * 60);
}

export function formatNumber(value) {
  if (value === null || value === undefined || value === "") return "";
  const [whole, fraction] = String(value).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  return sign + groupThousands(whole.replace("-", "")) + (fraction && Number(fraction) !== 0
    ? `.${fraction.replace(/0+$/, "")}` : "");
}

// "72.00" -> "72%", "93.50" -> "93.5%".
export function formatPercent(value) {
  return value === null || value === undefined || value === "" ? "" : `${formatNumber(value)}%`;
}

// Today's date in London as an ISO date.
export function todayInLondon(now = new Date()) {
  const { year, month, day } = londonParts(now);
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function addDays(isoDate, days) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

// The last whole four-week period before today that starts on a Monday: the default payment period.
export function lastFourWeeks(today) {
  const [year, month, day] = today.split("-").map(Number);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  const end = addDays(today, -weekday - 1);
  return { start: addDays(end, -27), end };
}

// Words for the API's closed sets; anything else reads as its words ("older_people" -> "Older people").
const WORDS = {
  cqc: "CQC", care_inspectorate: "Care Inspectorate", peg_feeding: "PEG feeding", hospital_discharge:
    "Hospital discharge", second_tier: "Second tier", requires_improvement: "Requires improvement",
  cancelled_by_client: "Cancelled by the person", credit_note: "Credit note", supplementary_invoice:
    "Supplementary invoice", delivered_within_tolerance: "Delivered within tolerance", actual_minutes:
    "Actual minutes", planned_schedule: "Planned schedule", frustrated_visit: "Frustrated visit",
  late_cancellation: "Late cancellation", block_top_up: "Block top-up", quality_officer: "Quality officer",
  well_led: "Well-led", no_staff_in_area: "No staff in the area", all: "All new work",
  client_group: "A client group", area: "An area", in_progress: "In progress", mon: "Monday", tue: "Tuesday",
  wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday",
};

export function labelOf(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  if (WORDS[text]) return WORDS[text];
  const words = text.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Whole minutes from one instant to another (negative when `to` is before `from`).
export function minutesBetween(from, to) {
  return Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 60000);
}

// An answer-by countdown: "1 h 20 min left", or "due now" once the deadline has come.
export function timeLeft(deadline, now = new Date()) {
  const minutes = minutesBetween(now, deadline);
  return minutes > 0 ? `${formatDuration(minutes)} left` : "due now";
}
