// CSV both ways: every list and report downloads as CSV (UI.md), and a small provider reports its visits by
// uploading the CSV its rota system exports, read here into the rows `POST /api/v1/visits` takes (the
// columns are in docs/provider-integration.md). Pure functions with no DOM, checked by Node's test runner.

// Cells a spreadsheet would run as a formula are kept as text; a negative amount ("-12.00") stays a number.
function cell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+@\t\r]/.test(text) || /^-[^0-9.]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows) {
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

// RFC 4180: quoted fields with doubled quotes and line breaks, CRLF or LF, a byte-order mark ignored, blank
// lines skipped.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0].trim() !== "") rows.push(row);
    row = [];
    field = "";
  };
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') { field += '"'; i += 1; }
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") { row.push(field); field = ""; }
    else if (char === "\n") endRow();
    else if (char !== "\r") field += char;
  }
  if (field !== "" || row.length) endRow();
  return rows;
}

// Header words as rota systems spell them, to the visit's field names.
const COLUMNS = {
  visit_id: ["visitid", "visitreference", "visitref", "callid", "id"],
  package_id: ["packageid", "package"],
  client_ref: ["clientref", "clientreference", "serviceuserref", "serviceuserreference", "serviceuser"],
  date: ["date", "visitdate"],
  planned_start: ["plannedstart", "scheduledstart", "plannedtime", "start"],
  planned_minutes: ["plannedminutes", "scheduledminutes", "plannedduration", "duration"],
  actual_start: ["actualstart", "checkin", "checkintime", "arrived"],
  actual_minutes: ["actualminutes", "actualduration"],
  carers: ["carers", "numberofcarers", "staff"],
  outcome: ["outcome", "status"],
  notice_hours: ["noticehours", "cancellationnoticehours"],
  correction_reason: ["correctionreason", "reasonforcorrection"],
};
const OUTCOMES = { delivered: "delivered", completed: "delivered", done: "delivered", missed: "missed",
  cancelled: "cancelled_by_client", cancelled_by_client: "cancelled_by_client",
  client_cancelled: "cancelled_by_client", frustrated: "frustrated", no_access: "frustrated" };

const squash = (text) => text.toLowerCase().replace(/[^a-z0-9]/g, "");

function columnsOf(header) {
  const found = {};
  header.forEach((name, index) => {
    const key = Object.keys(COLUMNS).find((field) => COLUMNS[field].includes(squash(name)));
    if (key && !(key in found)) found[key] = index;
  });
  return found;
}

// "2026-11-02" or the UK "02/11/2026".
function isoDate(text) {
  const iso = text.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  const uk = text.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]].map(Number)
    : uk ? [uk[3], uk[2], uk[1]].map(Number) : [NaN, NaN, NaN];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return null;
  return date.toISOString().slice(0, 10);
}

function clockTime(text) {
  const match = text.match(/^(\d{1,2})[:.](\d{2})(:\d{2})?$/);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  return `${match[1].padStart(2, "0")}:${match[2]}`;
}

function wholeNumber(text) {
  return /^\d+$/.test(text) ? Number(text) : null;
}

// The package a row is for: its id, or the person's reference among the provider's packages (the one in care
// on the visit's date when the person has had more than one).
function packageOf(values, date, packages) {
  if (values.package_id) return values.package_id;
  const matching = packages.filter((p) => p.client_ref === values.client_ref);
  const inCare = matching.filter((p) => (!p.start_on || p.start_on <= date) && (!p.end_on || p.end_on >= date));
  const chosen = inCare.length ? inCare : matching;
  return chosen.length === 1 ? chosen[0].id : null;
}

function rowProblem(values, parsed) {
  if (!values.visit_id) return "it has no visit id";
  if (!parsed.date) return `the date "${values.date}" is not a date (use 2026-11-02 or 02/11/2026)`;
  if (!parsed.package_id) {
    return values.client_ref ? `no single package of yours is for ${values.client_ref}`
      : "it names neither a package nor a client reference";
  }
  if (!parsed.planned_start) return `the planned start "${values.planned_start}" is not a time like 08:00`;
  if (parsed.planned_minutes === null) return "the planned minutes are not a whole number";
  if (!parsed.outcome) {
    return `the outcome "${values.outcome}" is not one of delivered, missed, cancelled or frustrated`;
  }
  if (values.actual_start && !parsed.actual_start) return `the actual start "${values.actual_start}" is not a time`;
  if (values.actual_minutes && parsed.actual_minutes === null) return "the actual minutes are not a whole number";
  return null;
}

function parsedRow(values, packages) {
  const date = isoDate(values.date || "");
  return {
    visit_id: values.visit_id,
    package_id: packageOf(values, date, packages),
    date,
    planned_start: clockTime(values.planned_start || ""),
    planned_minutes: wholeNumber(values.planned_minutes || ""),
    actual_start: values.actual_start ? clockTime(values.actual_start) : null,
    actual_minutes: values.actual_minutes ? wholeNumber(values.actual_minutes) : null,
    carers: values.carers ? wholeNumber(values.carers) ?? 1 : 1,
    outcome: OUTCOMES[(values.outcome || "delivered").toLowerCase().trim().replace(/[\s-]+/g, "_")] || null,
    notice_hours: values.notice_hours || null,
    correction_reason: values.correction_reason || null,
  };
}

// The rota CSV as visits to send and the rows that cannot be read, each with its row number (the first visit
// under the header is row 1) and why.
export function visitsFromRota(text, packages) {
  const [header, ...lines] = parseCsv(text);
  if (!header) return { visits: [], rows: [], problems: [{ row: 0, message: "The file is empty." }] };
  const columns = columnsOf(header);
  const missing = ["visit_id", "date", "planned_start", "planned_minutes"].filter((key) => !(key in columns));
  if (!("package_id" in columns) && !("client_ref" in columns)) missing.push("client_ref");
  if (missing.length) {
    return { visits: [], rows: [], problems: [{ row: 0, message:
      `The header lacks the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.` }] };
  }
  const visits = [];
  const rows = [];
  const problems = [];
  lines.forEach((line, index) => {
    const values = Object.fromEntries(Object.entries(columns).map(([key, at]) => [key, (line[at] || "").trim()]));
    const parsed = parsedRow(values, packages);
    const problem = rowProblem(values, parsed);
    if (problem) problems.push({ row: index + 1, visit_id: values.visit_id || "", message: `Row ${index + 1}: ${problem}.` });
    else { visits.push(parsed); rows.push(index + 1); }
  });
  return { visits, rows, problems };
}
