// The API's refusals (application/problem+json) in plain English for the error summary and beside each field
// (UI.md): the API's field paths ("findings.0.outcome") are matched to the form's fields and never shown; a
// business rule's refusal is named with its reason. Pure functions with no DOM, checked by Node's test runner.

const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);
const upperFirst = (text) => text.charAt(0).toUpperCase() + text.slice(1);

// Pydantic's messages, said for the field they are about.
const RULES = [
  [/^Field required$/, (label, field) => field.required || `Enter ${lowerFirst(label)}`],
  [/^String should have at least 1 character/, (label, field) => field.required || `Enter ${lowerFirst(label)}`],
  [/^String should have at least (\d+) characters?/, (label, _f, m) => `${label} must be at least ${m[1]} characters`],
  [/^String should have at most (\d+) characters?/, (label, _f, m) => `${label} must be ${m[1]} characters or fewer`],
  [/^List should have at least 1 item/, (label) => `Add at least one ${lowerFirst(label)}`],
  [/^Input should be greater than or equal to (\S+)/, (label, _f, m) => `${label} must be ${m[1]} or more`],
  [/^Input should be greater than (\S+)/, (label, _f, m) => `${label} must be more than ${m[1]}`],
  [/^Input should be less than or equal to (\S+)/, (label, _f, m) => `${label} must be ${m[1]} or less`],
  [/^Input should be less than (\S+)/, (label, _f, m) => `${label} must be less than ${m[1]}`],
  [/^(Input should be a valid date|Input should be a valid datetime)/, (label) => `${label} must be a real date`],
  [/^Input should be a valid time/, (label) => `${label} must be a time like 08:00`],
  [/^Input should be a valid (decimal|number)/, (label) => `${label} must be a number, like 12.50`],
  [/^Input should be a valid integer/, (label) => `${label} must be a whole number`],
  [/^(Input should be a valid UUID|Input should be '|Input should be a valid enumeration)/,
    (label) => `Select ${lowerFirst(label)}`],
  [/^Decimal input should have no more than (\d+) decimal places?/,
    (label, _f, m) => `${label} can have at most ${m[1]} decimal places`],
  [/^Value error, (.*)$/s, (_label, _f, m) => upperFirst(m[1])],
];

// A business rule's own sentence ("A primary contract needs a weekly hours cap.") is plain English already;
// a fragment is said for its field ("Start date: the start date 2026-11-01 is in the past").
export function plainMessage(label, message, field = {}) {
  const text = String(message);
  for (const [pattern, say] of RULES) {
    const match = text.match(pattern);
    if (match) return say(label, field, match);
  }
  return /^[A-Z]/.test(text) ? text : `${label}: ${text}`;
}

const WORDS = { starts_on: "start date", ends_on: "end date", weekly_hours_cap: "hours cap",
  block_hours: "block hours", weekly_hours: "hours a week", due_on: "due date", provider_id: "provider",
  package_id: "package", client_ref: "client reference", occurred_on: "date it happened",
  visited_on: "date of the visit", received_on: "date received", period_start: "start of the period",
  period_end: "end of the period", effective_from: "date it takes effect" };

// A path no field of the form claims, in words: "contracts.1.starts_on" -> "Contract 2, start date".
export function pathInWords(path) {
  const parts = String(path).split(".");
  const words = [];
  parts.forEach((part, index) => {
    if (/^\d+$/.test(part)) return;
    const next = parts[index + 1];
    const word = WORDS[part] || part.replaceAll("_", " ");
    words.push(next !== undefined && /^\d+$/.test(next)
      ? `${word.replace(/s$/, "")} ${Number(next) + 1}` : word);
  });
  return upperFirst(words.join(", ") || "The request");
}

// "findings.*.outcome" matches "findings.2.outcome" with the indices ["2"].
function matchPath(pattern, path) {
  const want = pattern.split(".");
  const have = String(path).split(".");
  if (want.length !== have.length) return null;
  const indices = [];
  for (let i = 0; i < want.length; i += 1) {
    if (want[i] === "*" && /^\d+$/.test(have[i])) indices.push(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return indices;
}

// Where a refusal goes: the field spec whose path matches (its control id with the indices filled in).
function fieldFor(fields, path) {
  for (const field of fields) {
    for (const pattern of field.paths || [field.name]) {
      const indices = matchPath(pattern, path);
      if (indices) return { ...field, id: indices.reduce((id, index, n) => id.replace(`{${n}}`, index), field.id) };
    }
  }
  return null;
}

// A problem as the error summary's items ({text, id}: id is the control the text links to, or null) and the
// messages beside each field (by control id). `fields`: [{name, id, label, paths?, required?, types?}], where
// `types` names business-rule problems (their `type`'s last part) that belong beside that field.
export function problemMessages(problem, fields = []) {
  const items = [];
  const byField = {};
  const add = (text, id) => {
    items.push({ text, id });
    if (id && !byField[id]) byField[id] = text;
  };
  for (const error of problem.errors || []) {
    const field = fieldFor(fields, error.field);
    add(plainMessage(field ? field.label : pathInWords(error.field), error.message, field || {}),
      field ? field.id : null);
  }
  if (!items.length) {
    const type = String(problem.type || "").split("/").pop();
    const owner = fields.find((field) => (field.types || []).includes(type));
    const detail = problem.detail && problem.detail !== problem.title ? problem.detail : "";
    add(detail && problem.title ? `${problem.title}: ${detail}` : detail || problem.title || "The request failed",
      owner ? owner.id : null);
  }
  return { items, byField };
}
